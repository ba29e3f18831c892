// The calls area: the calls of this moment as tiles (the newest largest, the others compact beside each
// other), and under them "Panggilan terakhir", the recent calls, which always keeps room for its rows.
// A call leaves the area only after its minimum stay; the call being spoken is always on a tile.
import { t } from "/static/loket.js";
import { $, TEXT, TILE_MIN_MS, TILE_MS, agencyCode, callAt, counterLabel, el, evenPages, fontPx, root, serviceShort, state, textWidth } from "./screen.js";

const MAX_TILES = 9; // the lead and up to eight compact tiles; fewer where the panel has no room for them
const MAX_TILE_COLUMNS = 3;
const HISTORY_ROWS = 12; // rows drawn in the recent calls (as many whole ones as fit are shown)
const HISTORY_PAGE_MS = 5000; // more young calls than rows: the recent calls page at this pace

const where = (call) => [agencyCode(call), serviceShort(call)].filter(Boolean).join(" · ");
const fullWhere = (call) => [call.agency, call.service].filter(Boolean).join(" · ");

export const panel = {
  speakingId: null,
  historyPage: 0,
  historyPages: 1,
  historyTimer: null,

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

  // The voice starts (a call) or ends (null). A spoken call is always on a tile: one pushed off the
  // tiles comes back beside the lead for as long as it is spoken (and its minimum stay after).
  speaking(call) {
    const callId = call?.call_id ?? null;
    this.speakingId = callId;
    const onTile = state.tiles.some((tile) => tile.call.call_id === callId);
    if (call && !onTile && !state.tiles.some((tile) => tile.call.counter_id === call.counter_id || tile.call.ticket_id === call.ticket_id)) {
      state.tiles.splice(state.tiles.length ? 1 : 0, 0, { call, shownAt: Date.now(), fresh: true });
      this.draw();
      return;
    }
    for (const node of $("tiles").children) node.classList.toggle("speaking", Number(node.dataset.callId) === callId);
  },

  // Tiles past TILE_MS leave (never the newest, never the one being spoken).
  expire() {
    const time = Date.now();
    const keep = state.tiles.filter((tile, i) => i === 0 || tile.call.call_id === this.speakingId || time - tile.shownAt < TILE_MS);
    if (keep.length !== state.tiles.length) {
      state.tiles = keep;
      this.draw();
    } else if (this.historyPages > 1 && !this.youngOverflow()) {
      this.drawHistory(); // the young calls had their stay: back to the newest rows, no paging
    }
  },

  evictOne() {
    // The oldest tile past its minimum stay goes first, else the oldest; never the newest or the spoken one.
    // It goes to the top of the recent calls, so it is still in the calls area.
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
    // The recent calls keep their rows: the tiles are laid out in the room left beside them (all of
    // it while every call of the day is on a tile and the list has nothing to show).
    const section = $("history").parentElement;
    // The lead is drawn in full ("silakan menuju …", centred) while there is room; when the calls need
    // the room it is drawn in one band (number, then counter and agency) before any call moves on.
    let compact = false;
    const render = () => box.replaceChildren(...state.tiles.map((tile, i) => this.tile(tile, i === 0, compact)));
    const overflows = () => box.scrollHeight > box.clientHeight + 1;
    const layout = () => {
      section.classList.toggle("squeezed", state.history.length > 0 && !this.historyRows().length);
      render();
      this.columns(box);
      if (compact) this.fitBand(box);
    };
    layout();
    if (overflows() && state.tiles.length > 1) {
      compact = true;
      layout();
    }
    // Fewer tiles where the panel has no room: what does not fit moves to the recent calls now.
    let guard = MAX_TILES;
    while (overflows() && state.tiles.length > 1 && guard-- > 0 && this.evictOne()) layout();
    for (const tile of state.tiles) tile.fresh = false; // flash once, not on every redraw
    root.classList.toggle("has-call", state.tiles.length > 0);
    this.drawHistory();
  },

  // The compact tiles' shape and columns, measured as drawn: a line each ("A001 Loket 3") where two fit
  // side by side, else stacked cards (the number over the counter), three or more side by side —
  // whichever puts more calls in the room.
  columns(box) {
    const fs = fontPx();
    const gap = parseFloat(getComputedStyle(box).columnGap) || 0;
    const tiles = [...box.querySelectorAll(".tile:not(.lead)")];
    const parts = tiles.map((tile) => [...tile.children].map((part) => part.getBoundingClientRect().width));
    const frame = fs * (0.3 + 0.22) + 2; // the padding and the stripe
    const fit = (width) => Math.max(1, Math.min(MAX_TILE_COLUMNS, Math.floor((box.clientWidth + gap) / (width + frame + gap))));
    const inLine = fit(Math.max(fs * 4, ...parts.map(([a, b]) => a + b + fs * 0.25)));
    const stacked = fit(Math.max(fs * 3, ...parts.map(([a, b]) => Math.max(a, b))));
    // A line is 1.2 × 1.1 em tall, a stacked card that and a 1.15 em line: rows of each per call.
    const stack = stacked > inLine && 2.47 / stacked < 1.32 / inLine;
    for (const tile of tiles) tile.classList.toggle("stacked", stack);
    box.style.setProperty("--tile-cols", stack ? stacked : inLine);
  },

  // The lead's agency and service in one line beside the number, else the agency alone (the tooltip has all).
  fitBand(box) {
    const place = box.querySelector(".lead.band .t-where");
    if (place && place.getBoundingClientRect().height > fontPx() * 1.6) place.textContent = agencyCode(state.tiles[0].call);
  },

  tile({ call, fresh }, lead, compact = false) {
    const kind = lead ? ` lead${compact ? " band" : ""}` : "";
    const node = el("article", `tile${kind}${fresh ? " fresh" : ""}${call.call_id === this.speakingId ? " speaking" : ""}`);
    node.dataset.callId = call.call_id;
    node.dataset.counterId = call.counter_id;
    const color = state.agencies.get(call.agency_id)?.color;
    if (color) node.style.setProperty("--agency", color);
    const number = el("div", "t-number", call.number);
    const to = el("div", "t-to");
    const counter = el("strong");
    const counterNumber = el("span", "", String(counterLabel(call)));
    counter.append(`${t(TEXT.counter)} `, counterNumber);
    to.append(counter);
    node.append(number, to);
    if (lead) {
      // The newest call in full: "A001 · silakan menuju Loket 3 · DUKCAPIL · KTP-el".
      to.prepend(el("span", "t-go", `${t(TEXT.go_to)} `));
      const place = el("div", "t-where", where(call));
      place.title = fullWhere(call);
      number.id = "call-number";
      counterNumber.id = "call-counter";
      place.id = "call-agency";
      if (compact) {
        // In the band: the number, and beside it "Loket 3" over "DUKCAPIL · KTP-el".
        to.firstChild.remove();
        node.replaceChildren(number, el("div", "t-side"));
        node.lastChild.append(to, place);
      } else {
        node.append(place);
      }
    } else {
      // A compact tile is its number and its counter, as on a bank's board; its agency is its colour.
      node.title = [where(call), fullWhere(call)].filter(Boolean).join(" — ");
    }
    return node;
  },

  // The recent calls not on a tile, newest first, one row per ticket and counter (a recall does not repeat it).
  historyRows() {
    const seen = new Set(state.tiles.map((tile) => `${tile.call.ticket_id}:${tile.call.counter_id}`));
    return state.history.filter((call) => {
      const key = `${call.ticket_id}:${call.counter_id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  },

  // Calls younger than their minimum stay that the shown rows have no room for.
  youngOverflow() {
    const fit = Number($("history").dataset.fit || 0);
    const time = Date.now();
    return this.historyRows().slice(fit).some((call) => time - callAt(call) < TILE_MIN_MS);
  },

  drawHistory() {
    const list = $("history");
    const rows = this.historyRows();
    const fs = fontPx();
    const width = list.clientWidth;
    const items = rows.slice(0, HISTORY_ROWS).map((call) => {
      const li = el("li");
      li.dataset.callId = call.call_id;
      li.style.setProperty("--agency", state.agencies.get(call.agency_id)?.color || "");
      const counter = `${t(TEXT.counter)} ${counterLabel(call)}`;
      // One line a row: where the agency and service do not fit beside the number, the agency alone.
      const full = textWidth(call.number, 800) + textWidth(counter, 700) + textWidth(where(call)) + fs * (0.7 + 0.4 + 0.15 + 0.1);
      li.append(el("span", "h-number", call.number), el("span", "h-counter", counter), el("span", "h-agency", full <= width ? where(call) : agencyCode(call)));
      li.title = fullWhere(call);
      return li;
    });
    // Every call of the day is on the panel: nothing to list (the section gives way below).
    if (!items.length && !state.history.length) items.push(el("li", "empty", t(TEXT.no_calls)));
    list.replaceChildren(...items);
    // Only whole rows: what does not fit is left out rather than cut through its letters.
    const bottom = list.getBoundingClientRect().bottom;
    const fit = Math.max(1, items.findIndex((li) => li.getBoundingClientRect().bottom > bottom + 1) === -1
      ? items.length : items.findIndex((li) => li.getBoundingClientRect().bottom > bottom + 1));
    list.dataset.fit = fit;
    // More calls younger than their minimum stay than rows: page through them rather than drop them.
    const time = Date.now();
    const lastYoung = rows.slice(0, HISTORY_ROWS).findLastIndex((call) => time - callAt(call) < TILE_MIN_MS);
    const sizes = lastYoung >= fit ? evenPages(lastYoung + 1, fit) : [fit];
    this.historyPages = sizes.length;
    this.historyPage %= sizes.length;
    const start = sizes.slice(0, this.historyPage).reduce((a, b) => a + b, 0);
    items.forEach((li, i) => { li.hidden = i < start || i >= start + sizes[this.historyPage]; });
    for (const li of items) if (!li.hidden && li.getBoundingClientRect().bottom > bottom + 1) li.hidden = true;
    $("history-page").textContent = sizes.length > 1 ? `${this.historyPage + 1}/${sizes.length}` : "";
    if (sizes.length > 1 && !this.historyTimer) {
      this.historyTimer = setInterval(() => { this.historyPage = (this.historyPage + 1) % this.historyPages; this.drawHistory(); }, HISTORY_PAGE_MS);
    } else if (sizes.length === 1 && this.historyTimer) {
      clearInterval(this.historyTimer);
      this.historyTimer = null;
      this.historyPage = 0;
    }
    list.parentElement.classList.toggle("squeezed", ![...list.children].some((li) => !li.hidden));
  },
};
