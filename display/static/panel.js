// The calls of this moment: a tile per counter that called lately, newest first and largest, and the
// day's earlier calls under them ("Panggilan terakhir").
import { t } from "/static/loket.js";
import { $, TEXT, TILE_MIN_MS, TILE_MS, agencyCode, callAt, counterLabel, el, root, serviceShort, state } from "./screen.js";

const MAX_TILES = 6; // "now calling" tiles at most; fewer where the panel has no room for them

export const panel = {
  speakingId: null,

  // A call arrives: on the panel at once, replacing its counter's previous tile and its ticket's.
  add(call, shownAt = Date.now()) {
    const same = (tile) => tile.call.counter_id === call.counter_id || tile.call.ticket_id === call.ticket_id;
    state.tiles = [{ call, shownAt, fresh: true }, ...state.tiles.filter((tile) => !same(tile))];
    this.draw();
  },

  // From a snapshot: the calls of the last TILE_MS, one per counter, or else the last call of the day.
  rebuild(calls) {
    const time = Date.now();
    const tiles = [];
    for (const call of calls) {
      if (tiles.some((tile) => tile.call.counter_id === call.counter_id || tile.call.ticket_id === call.ticket_id)) continue;
      const shownAt = callAt(call);
      if (tiles.length && time - shownAt > TILE_MS) break;
      tiles.push({ call, shownAt });
      if (tiles.length >= MAX_TILES) break;
    }
    state.tiles = tiles;
    this.draw();
  },

  speaking(call) {
    const callId = call?.call_id ?? null;
    this.speakingId = callId;
    for (const node of $("tiles").children) node.classList.toggle("speaking", Number(node.dataset.callId) === callId);
  },

  // Tiles past TILE_MS leave (never the newest, never the one being spoken); too many for the room: the oldest leave.
  expire() {
    const time = Date.now();
    const keep = state.tiles.filter((tile, i) => i === 0 || tile.call.call_id === this.speakingId || time - tile.shownAt < TILE_MS);
    if (keep.length !== state.tiles.length) {
      state.tiles = keep;
      this.draw();
    }
  },

  evictOne() {
    // The oldest tile past its minimum stay goes first, else the oldest; never the newest or the spoken one.
    const time = Date.now();
    const candidates = state.tiles.map((tile, i) => ({ tile, i })).filter(({ tile, i }) => i > 0 && tile.call.call_id !== this.speakingId);
    if (!candidates.length) return false;
    const old = candidates.filter(({ tile }) => time - tile.shownAt >= TILE_MIN_MS);
    const victim = (old.length ? old : candidates).at(-1);
    state.tiles.splice(victim.i, 1);
    return true;
  },

  draw() {
    while (state.tiles.length > MAX_TILES && this.evictOne());
    const box = $("tiles");
    const render = () => box.replaceChildren(...state.tiles.map((tile, i) => this.tile(tile, i === 0)));
    render();
    // Fewer tiles where the panel has no room: what does not fit moves to the history now.
    let guard = MAX_TILES;
    while (box.scrollHeight > box.clientHeight + 1 && state.tiles.length > 1 && guard-- > 0 && this.evictOne()) render();
    for (const tile of state.tiles) tile.fresh = false; // flash once, not on every redraw
    root.classList.toggle("has-call", state.tiles.length > 0);
    drawHistory();
  },

  tile({ call, fresh }, lead) {
    const node = el("article", `tile${lead ? " lead" : ""}${fresh ? " fresh" : ""}${call.call_id === this.speakingId ? " speaking" : ""}`);
    node.dataset.callId = call.call_id;
    node.dataset.counterId = call.counter_id;
    const color = state.agencies.get(call.agency_id)?.color;
    if (color) node.style.setProperty("--agency", color);
    const number = el("div", "t-number", call.number);
    const to = el("div", "t-to");
    const counter = el("strong");
    const counterNumber = el("span", "", String(counterLabel(call)));
    counter.append(`${t(TEXT.counter)} `, counterNumber);
    if (lead) to.append(el("span", "t-go", `${t(TEXT.go_to)} `));
    to.append(counter);
    const where = el("div", "t-where", [agencyCode(call), serviceShort(call)].filter(Boolean).join(" · "));
    where.title = [call.agency, call.service].filter(Boolean).join(" · ");
    if (lead) {
      number.id = "call-number";
      counterNumber.id = "call-counter";
      where.id = "call-agency";
    }
    node.append(number, to, where);
    return node;
  },
};

function drawHistory() {
  const list = $("history");
  list.parentElement.classList.remove("squeezed"); // measure the room the history has beside the calls
  // A recall repeats its call: one row per ticket and counter, and none for what a tile shows.
  const seen = new Set(state.tiles.map((tile) => `${tile.call.ticket_id}:${tile.call.counter_id}`));
  const rows = state.history.filter((call) => {
    const key = `${call.ticket_id}:${call.counter_id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const items = rows.slice(0, 12).map((call) => {
    const li = el("li");
    li.dataset.callId = call.call_id;
    li.style.setProperty("--agency", state.agencies.get(call.agency_id)?.color || "");
    li.append(
      el("span", "h-number", call.number),
      el("span", "h-counter", `${t(TEXT.counter)} ${counterLabel(call)}`),
      el("span", "h-agency", [agencyCode(call), serviceShort(call)].filter(Boolean).join(" · ")),
    );
    return li;
  });
  // Every call of the day is on the panel: nothing to list (the section gives way below).
  if (!items.length && !state.history.length) items.push(el("li", "empty", t(TEXT.no_calls)));
  list.replaceChildren(...items);
  // Only whole rows: what does not fit is left out rather than cut through its letters.
  const bottom = list.getBoundingClientRect().bottom;
  for (const li of list.children) li.hidden = li.getBoundingClientRect().bottom > bottom + 1;
  list.parentElement.classList.toggle("squeezed", ![...list.children].some((li) => !li.hidden));
}
