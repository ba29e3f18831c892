// The lobby display: draws itself from the snapshot, applies live events, and announces each call once.
import { lang, live, mppTime, N_, NC_, t } from "/static/loket.js";

const root = document.getElementById("display");
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const displayName = root.dataset.display || "";
const askedAgencies = (root.dataset.agency || "").split(",").map((v) => parseInt(v, 10)).filter((v) => v > 0);

const TEXT = {
  go_to: N_("silakan menuju"),
  counter: N_("Loket"),
  idle: N_("Menunggu panggilan…"),
  history: N_("Panggilan terakhir"),
  counters: NC_("heading", "Loket"),
  waiting: N_("Antrean menunggu"),
  unmute: N_("Aktifkan suara"),
  closed: N_("Tutup"),
  paused: NC_("state", "Istirahat"),
  free: N_("Siap"),
  no_calls: N_("Belum ada panggilan hari ini."),
  no_counters: N_("Belum ada loket."),
  people: N_("orang"),
  connected: "",
  connecting: N_("Menghubungkan…"),
  offline: N_("Terputus — menyambung ulang…"),
  unregistered: N_("Layar belum terdaftar"),
};

// The policy of the panel and the voice; docs/display.md explains each number.
const MAX_TILES = 6; // "now calling" tiles at most; fewer where the panel has no room for them
const TILE_MIN_MS = 10000; // a tile is not pushed off the panel before this, unless more calls arrive than fit
const TILE_MS = 45000; // after this a tile moves to the history (the newest call stays until a newer one)
const MAX_LAG_MS = 15000; // the voice never starts a call older than this: it stays on the panel, unspoken
const HOLD_MS = 3500; // a call is highlighted at least this long when no voice is heard
const BURST_HOLD_MS = 1500;
const PAGE_MS = 8000;

const state = {
  snapshot: null,
  clockOffset: 0,
  timezone: "Asia/Jakarta",
  counters: new Map(),
  services: new Map(),
  agencies: new Map(),
  agencyFilter: [],
  history: [], // every call of today, newest first (calls on a tile are left out of the drawn list)
  tiles: [], // {call, shownAt} newest first
  repeat: 1,
  speak: true,
};

// ---------------------------------------------------------------- remembered calls (per display, per MPP day)

const storeKey = `loket.display.announced.${displayName || "-"}`;

function mppDay() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: state.timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now());
}

function announcedIds() {
  try {
    const saved = JSON.parse(localStorage.getItem(storeKey) || "{}");
    return saved.day === mppDay() && Array.isArray(saved.ids) ? saved.ids : [];
  } catch {
    return [];
  }
}

function wasAnnounced(callId) {
  return announcedIds().includes(callId);
}

function markAnnounced(callId) {
  const ids = announcedIds();
  if (ids.includes(callId)) return;
  ids.push(callId);
  // A busy MPP makes a few thousand calls a day; only the latest matter for replays.
  localStorage.setItem(storeKey, JSON.stringify({ day: mppDay(), ids: ids.slice(-2000) }));
}

// ---------------------------------------------------------------- sound: one queue, never overlapping

window.__loketSpoken = []; // texts in the order they were queued (tests read it)
window.__loketSpeech = { mode: "unknown", log: [], sounds: [] }; // announcements {call_id, text, state}; sounds {url, result}

const player = new Audio();
player.preload = "auto";

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Play one URL to its end; resolve "ended", "error", "blocked" or "timeout" — never hang the queue.
function playUrl(url, maxMs) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (how) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      player.onended = player.onerror = null;
      window.__loketSpeech.sounds.push({ url, result: how });
      resolve(how);
    };
    const timer = setTimeout(() => { player.pause(); finish("timeout"); }, maxMs);
    player.onended = () => finish("ended");
    player.onerror = () => finish("error");
    player.src = url;
    player.play().catch((err) => {
      if (err && err.name === "NotAllowedError") {
        $("unmute").hidden = false;
        finish("blocked");
      } else {
        finish("error");
      }
    });
  });
}

function speakBrowser(text, voice) {
  return new Promise((resolve) => {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.rate = 0.9;
    // Some engines never fire "end"; the sentence length bounds the wait.
    const timer = setTimeout(() => { speechSynthesis.cancel(); resolve("timeout"); }, 3000 + text.length * 150);
    utterance.onend = () => { clearTimeout(timer); resolve("ended"); };
    utterance.onerror = () => { clearTimeout(timer); resolve("error"); };
    speechSynthesis.speak(utterance);
  });
}

function waitForVoices(ms) {
  if (!("speechSynthesis" in window)) return Promise.resolve([]);
  const now = speechSynthesis.getVoices();
  if (now.length) return Promise.resolve(now);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(speechSynthesis.getVoices()), ms);
    speechSynthesis.addEventListener("voiceschanged", () => { clearTimeout(timer); resolve(speechSynthesis.getVoices()); }, { once: true });
  });
}

function callAt(call) {
  // When the call was made, on this screen's clock.
  const at = Date.parse(call.called_at || "");
  return Number.isFinite(at) ? at - state.clockOffset : Date.now();
}

const announcer = {
  mode: "unknown", // browser | server | chime | off
  voice: null,
  queue: [], // {call, at, queuedAt} waiting to be spoken, oldest first
  current: null, // the entry being spoken
  busy: false,
  lastEnded: 0,

  async detect() {
    const forced = params.get("voice");
    const voices = await waitForVoices(1500);
    this.voice = voices.find((v) => v.lang.replace("_", "-").toLowerCase().startsWith("id")) || null;
    let mode = "chime";
    if (!state.speak) mode = "off";
    else if (this.voice) mode = "browser";
    else if (root.dataset.serverVoice === "1") mode = "server";
    if (["browser", "server", "chime", "off"].includes(forced) && (forced !== "browser" || this.voice)) mode = forced;
    this.setMode(mode);
  },

  setMode(mode) {
    this.mode = mode;
    window.__loketSpeech.mode = mode;
    root.dataset.voiceMode = mode;
    reportStatus();
  },

  logEntry(callId) {
    return window.__loketSpeech.log.find((e) => e.call_id === callId && (e.state === "queued" || e.state === "speaking"));
  },

  // A new call to say: it replaces its counter's older call still waiting (the counter moved on).
  enqueue(call, at = Date.now()) {
    markAnnounced(call.call_id);
    // The same for the ticket's own older call (a transfer sent it to another counter).
    for (const old of this.queue.filter((e) => e.call.counter_id === call.counter_id || e.call.ticket_id === call.ticket_id)) this.drop(old, "replaced");
    window.__loketSpeech.log.push({ call_id: call.call_id, number: call.number, text: call.announcement, state: "queued", at });
    this.queue.push({ call, at, queuedAt: Date.now() });
    this.prune();
    this.pump();
  },

  drop(entry, why) {
    this.queue = this.queue.filter((e) => e !== entry);
    const log = this.logEntry(entry.call.call_id);
    if (log) log.state = why;
  },

  // Calls older than MAX_LAG_MS are not spoken any more: the panel and the history still show them.
  prune() {
    const now = Date.now();
    for (const entry of [...this.queue]) if (now - entry.at > MAX_LAG_MS) this.drop(entry, "skipped");
  },

  async pump() {
    if (this.busy) return;
    this.busy = true;
    media.yieldToCalls(true);
    for (;;) {
      this.prune();
      const entry = this.queue.shift();
      if (!entry) break;
      const burst = this.queue.length > 0;
      this.prefetch();
      this.current = { ...entry, startedAt: Date.now(), burst };
      const log = this.logEntry(entry.call.call_id);
      if (log) log.state = "speaking";
      panel.speaking(entry.call.call_id);
      await this.say(entry.call, burst);
      if (log) log.state = "done";
      this.current = null;
      this.lastEnded = Date.now();
      panel.speaking(null);
    }
    this.busy = false;
    media.yieldToCalls(false);
  },

  // Server voice: render the next call's audio while this one plays, so a burst wastes no time.
  prefetch() {
    const next = this.queue[0];
    if (this.mode !== "server" || !next) return;
    fetch(this.audioUrl(next.call, this.queue.length > 1)).catch(() => {});
  },

  audioUrl(call, burst) {
    return `/display/audio/${encodeURIComponent(call.call_id)}.wav${burst ? "?short=1" : ""}`;
  },

  // One announcement: the chime (left out between back-to-back calls of a burst when a voice speaks),
  // then the sentence; in a burst the short sentence, once.
  async say(call, burst) {
    const started = Date.now();
    const text = burst && call.announcement_short ? call.announcement_short : call.announcement;
    window.__loketSpoken.push(text);
    const backToBack = started - this.lastEnded < 1500;
    if (this.mode === "chime" || this.mode === "off" || !(burst && backToBack)) await playUrl("/display/chime.wav", 4000);
    const times = burst ? 1 : state.repeat;
    for (let i = 0; i < times; i++) {
      if (i > 0) await sleep(700);
      if (this.mode === "browser") {
        await speakBrowser(text, this.voice);
      } else if (this.mode === "server") {
        const result = await playUrl(this.audioUrl(call, burst), 20000);
        // The server could not render (espeak-ng missing or broken): fall back to the chime alone.
        if (result === "error") this.setMode("chime");
      }
    }
    // Keep the highlight long enough to be read even when no voice is heard.
    const hold = burst ? BURST_HOLD_MS : HOLD_MS;
    const held = Date.now() - started;
    if (held < hold) await sleep(hold - held);
  },
};

$("unmute").addEventListener("click", async () => {
  $("unmute").hidden = true;
  // A tap unlocks audio for this page: play the chime once so later announcements may play.
  await playUrl("/display/chime.wav", 4000);
  if ("speechSynthesis" in window && announcer.voice) speechSynthesis.speak(new SpeechSynthesisUtterance(""));
});

// ---------------------------------------------------------------- media area: rotates, gives way to calls

const media = {
  items: [],
  index: -1,
  timer: null,
  yielding: false,

  async load() {
    try {
      const response = await fetch("/display/media", { headers: { Accept: "application/json" } });
      const data = await response.json();
      const names = (data.items || []).map((i) => i.url).join("|");
      if (names === this.items.map((i) => i.url).join("|")) return;
      this.items = data.items || [];
    } catch {
      return;
    }
    $("media").hidden = this.items.length === 0;
    root.classList.toggle("has-media", this.items.length > 0);
    panel.draw();
    this.index = -1;
    this.next();
  },

  next() {
    clearTimeout(this.timer);
    const box = $("media");
    if (!this.items.length) { box.replaceChildren(); return; }
    if (this.yielding) { this.timer = setTimeout(() => this.next(), 2000); return; }
    this.index = (this.index + 1) % this.items.length;
    const item = this.items[this.index];
    let el;
    if (item.kind === "video") {
      el = document.createElement("video");
      el.muted = true; // the hall hears announcements, never a video's sound track
      el.playsInline = true;
      el.autoplay = true;
      el.src = item.url;
      el.onended = () => this.next();
      el.onerror = () => { this.timer = setTimeout(() => this.next(), 1000); };
      this.timer = setTimeout(() => this.next(), 120000);
    } else {
      el = document.createElement("img");
      el.alt = "";
      el.src = item.url;
      this.timer = setTimeout(() => this.next(), 10000);
    }
    box.replaceChildren(el);
  },

  yieldToCalls(on) {
    this.yielding = on;
    root.classList.toggle("calling", on);
    if (state.snapshot) panel.draw(); // the calls and the history have more (or less) room now
    const video = $("media").querySelector("video");
    if (video) on ? video.pause() : video.play().catch(() => {});
  },
};

// ---------------------------------------------------------------- drawing

function now() {
  return new Date(Date.now() + state.clockOffset);
}

function tick() {
  const time = mppTime(now(), state.timezone);
  $("time").textContent = time.time;
  $("zone").textContent = time.zone;
  // "Selasa, 1 Des 2026": the short month keeps the date readable in one line at the minimum size.
  $("date").textContent = new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", {
    timeZone: state.timezone, weekday: "long", day: "numeric", month: "short", year: "numeric",
  }).format(now()).replace(/\.(?= |$)/, "");
}

function counterLabel(call) {
  return call.counter_number ?? call.counter ?? "—";
}

function agencyCode(call) {
  return state.agencies.get(call.agency_id)?.code || call.agency || "";
}

function serviceShort(call) {
  if (lang() === "en" && call.service_en) return call.service_en; // a TV set to English (issue 20.4)
  return call.service_short_name || state.services.get(call.service_id)?.short_name || call.service || "";
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- the panel of current calls

const panel = {
  speakingId: null,

  // A call arrives: on the panel at once, replacing its counter's previous tile and its ticket's.
  add(call, shownAt = Date.now()) {
    const same = (tile) => tile.call.counter_id === call.counter_id || tile.call.ticket_id === call.ticket_id;
    state.tiles = [{ call, shownAt, fresh: true }, ...state.tiles.filter((tile) => !same(tile))];
    this.draw();
  },

  // From a snapshot: the calls of the last TILE_MS, one per counter, or else the last call of the day.
  rebuild(calls) {
    const now = Date.now();
    const tiles = [];
    for (const call of calls) {
      if (tiles.some((tile) => tile.call.counter_id === call.counter_id || tile.call.ticket_id === call.ticket_id)) continue;
      const shownAt = callAt(call);
      if (tiles.length && now - shownAt > TILE_MS) break;
      tiles.push({ call, shownAt });
      if (tiles.length >= MAX_TILES) break;
    }
    state.tiles = tiles;
    this.draw();
  },

  speaking(callId) {
    this.speakingId = callId;
    for (const node of $("tiles").children) node.classList.toggle("speaking", Number(node.dataset.callId) === callId);
  },

  // Tiles past TILE_MS leave (never the newest, never the one being spoken); too many for the room: the oldest leave.
  expire() {
    const now = Date.now();
    const keep = state.tiles.filter((tile, i) => i === 0 || tile.call.call_id === this.speakingId || now - tile.shownAt < TILE_MS);
    if (keep.length !== state.tiles.length) {
      state.tiles = keep;
      this.draw();
    }
  },

  evictOne() {
    // The oldest tile past its minimum stay goes first, else the oldest; never the newest or the spoken one.
    const now = Date.now();
    const candidates = state.tiles.map((tile, i) => ({ tile, i })).filter(({ tile, i }) => i > 0 && tile.call.call_id !== this.speakingId);
    if (!candidates.length) return false;
    const old = candidates.filter(({ tile }) => now - tile.shownAt >= TILE_MIN_MS);
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

function inFilter(agencyId) {
  return !state.agencyFilter.length || state.agencyFilter.includes(agencyId);
}

// Lay out rows or cards of at least minWidth × minHeight in the box; more than fit are paged, and the
// pages are made even (17 in pages of 6 → 6, 6, 5), the rows stretched to fill the panel: never a page
// of two cards in an empty panel.
function pagedGrid(name, box, elements, minWidth, minHeight, label) {
  const gap = parseFloat(getComputedStyle(box).rowGap) || 0;
  const width = box.clientWidth || 600;
  const height = box.clientHeight || 300;
  let cols = Math.max(1, Math.floor((width + gap) / (minWidth + gap)));
  const rowsFit = Math.max(1, Math.floor((height + gap) / (minHeight + gap)));
  const pages = Math.max(1, Math.ceil(elements.length / (cols * rowsFit)));
  const perPage = Math.max(1, Math.ceil(elements.length / pages));
  cols = Math.min(cols, perPage);
  const rows = Math.ceil(perPage / cols);
  box.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
  box.style.gridTemplateRows = `repeat(${rows}, minmax(0, ${Math.floor(Math.min(height / rows, minHeight * 1.6))}px))`;
  box.style.gridAutoFlow = name === "waiting" ? "column" : "row";
  // A redraw (every issue or call changes a count) keeps the page on show and its timer.
  const pager = (pagers[name] ||= { page: 0, timer: null });
  pager.pages = pages;
  pager.page %= pages;
  pager.show = () => {
    elements.forEach((node, i) => { node.hidden = Math.floor(i / perPage) !== pager.page; });
    if (label) label.textContent = pages > 1 ? `${pager.page + 1}/${pages}` : "";
  };
  box.replaceChildren(...elements);
  pager.show();
  if (pages > 1 && !pager.timer) pager.timer = setInterval(() => { pager.page = (pager.page + 1) % pager.pages; pager.show(); }, PAGE_MS);
  if (pages === 1 && pager.timer) { clearInterval(pager.timer); pager.timer = null; }
}

const pagers = {};

function fontPx() {
  return parseFloat(getComputedStyle(root).fontSize) || 16;
}

// The width of a text at the screen's minimum size, to size rows and cards so that nothing is cut.
function textWidth(text, weight = 400) {
  const context = (textWidth.context ||= document.createElement("canvas").getContext("2d"));
  const style = getComputedStyle(root);
  context.font = `${weight} ${style.fontSize} ${style.fontFamily}`;
  context.fontStretch = "condensed";
  return context.measureText(text).width;
}

function drawCounters() {
  const box = $("counters");
  const counters = [...state.counters.values()].filter((c) => inFilter(c.agency_id));
  const cards = counters.map((c) => {
    const card = el("div", `counter-card state-${c.state}`);
    card.dataset.counterId = c.id;
    card.style.setProperty("--agency", state.agencies.get(c.agency_id)?.color || "");
    const current = c.current_ticket;
    let word = t(TEXT.free);
    if (c.state === "closed") word = t(TEXT.closed);
    else if (current) word = current.number;
    else if (c.state === "paused") word = t(TEXT.paused);
    const number = el("span", "c-number", word);
    number.classList.toggle("c-word", !current || c.state === "closed");
    card.append(el("span", "c-name", `${t(TEXT.counter)} ${c.number}`), el("span", "c-agency", state.agencies.get(c.agency_id)?.code || ""), number);
    return card;
  });
  if (!cards.length) cards.push(el("p", "empty", t(TEXT.no_counters)));
  // The widest card ("Loket 17  BPJSKES  Istirahat") in one line at the minimum size.
  const fs = fontPx();
  const widest = Math.max(fs * 6, ...cards.map((card) => [...card.children].reduce((sum, part) => sum + textWidth(part.textContent, 800), 0)));
  pagedGrid("counters", box, cards, widest + fs * 1.3, fs * 1.3, $("counters-page"));
}

function drawWaiting() {
  const box = $("waiting");
  const rows = [];
  for (const agency of state.agencies.values()) {
    for (const service of agency.services) {
      const s = state.services.get(service.id) || service;
      const row = el("div", "w-row");
      row.dataset.serviceId = service.id;
      row.style.setProperty("--agency", agency.color || "");
      const name = el("span", "w-name", (lang() === "en" && service.name_en) || service.short_name || service.name);
      name.title = service.name;
      const count = el("span", "w-count", String(s.waiting));
      count.title = t(TEXT.people);
      row.append(el("span", "w-prefix", service.prefix), name, count);
      rows.push(row);
    }
  }
  const fs = fontPx();
  const widest = Math.max(fs * 5, ...rows.map((row) => {
    const [prefix, name, count] = row.children;
    return Math.max(fs, textWidth(prefix.textContent, 800) + fs * 0.16) + textWidth(name.textContent) + textWidth(count.textContent, 800);
  }));
  pagedGrid("waiting", box, rows, widest + fs * 0.5, fs * 1.25, $("waiting-page"));
}

function drawTicker(text) {
  const ticker = $("ticker");
  ticker.hidden = !text;
  root.classList.toggle("has-ticker", Boolean(text));
  const span = $("ticker-text");
  if (span.textContent === text) return;
  span.textContent = text;
  // A steady reading speed whatever the length of the text.
  span.parentElement.style.animationDuration = `${Math.max(15, text.length * 0.25)}s`;
}

function drawAll() {
  panel.draw();
  drawCounters();
  drawWaiting();
}

// ---------------------------------------------------------------- events

let socket;
const subscription = { room: "display", display: displayName || undefined, agency_ids: askedAgencies.length ? askedAgencies : undefined };

function reportStatus() {
  if (socket?.connected && displayName && announcer.mode !== "unknown") {
    socket.emit("display_status", { display: displayName, voice_mode: announcer.mode });
  }
}

function setConnection(kind) {
  const box = $("conn");
  box.dataset.state = kind;
  $("conn-text").textContent = t(TEXT[kind]) || "";
}

function onSnapshot(data) {
  const first = state.snapshot === null;
  state.snapshot = data;
  state.clockOffset = Date.parse(data.server_time) - Date.now();
  state.timezone = data.mpp.timezone || "Asia/Jakarta";
  const config = data.display || {};
  state.agencyFilter = data.agency_ids || [];
  state.repeat = Math.min(3, Math.max(1, config.registered ? config.repeat_count : data.mpp.announcement_repeat || 1));
  const speakBefore = state.speak;
  state.speak = config.speak !== false;
  state.agencies = new Map(data.agencies.map((a) => [a.id, a]));
  state.services = new Map(data.agencies.flatMap((a) => a.services.map((s) => [s.id, s])));
  state.counters = new Map(data.counters.map((c) => [c.id, c]));
  state.history = (data.recent_calls || []).filter((c) => inFilter(c.agency_id));

  $("mpp-name").textContent = data.mpp.name;
  document.title = `${t(N_("Layar Antrean"))} — ${data.mpp.name}`;
  const logo = $("logo");
  logo.hidden = !data.mpp.logo_url;
  if (data.mpp.logo_url && logo.getAttribute("src") !== data.mpp.logo_url) logo.src = data.mpp.logo_url;
  $("location").textContent = config.registered ? (config.location || config.name) : `${t(TEXT.unregistered)}${displayName ? `: ${displayName}` : ""}`;
  const portrait = config.layout === "portrait";
  root.classList.toggle("portrait", portrait);
  drawTicker(config.running_text || "");
  tick();
  panel.rebuild(state.history);
  drawAll();
  if (first || speakBefore !== state.speak) announcer.detect();
  else reportStatus();
  media.load();

  // Calls made while this screen was away: the panel shows the recent ones (above); the voice says
  // only those it never queued that are still fresh enough (MAX_LAG_MS), so a reconnect never replays.
  for (const call of [...state.history].reverse()) {
    if (wasAnnounced(call.call_id)) continue;
    if (Date.now() - callAt(call) <= MAX_LAG_MS) announcer.enqueue(call, callAt(call));
    else markAnnounced(call.call_id);
  }
}

function onTicketCalled(call) {
  if (!state.snapshot || !inFilter(call.agency_id)) return;
  state.history = [call, ...state.history.filter((c) => c.call_id !== call.call_id)].slice(0, 50);
  const counter = state.counters.get(call.counter_id);
  if (counter) {
    counter.current_ticket = { ...(counter.current_ticket || {}), number: call.number, status: "called" };
    drawCounters();
  }
  panel.add(call);
  if (!wasAnnounced(call.call_id)) announcer.enqueue(call);
}

function onQueueChanged(change) {
  if (!state.snapshot) return;
  for (const s of change.services || []) {
    const known = state.services.get(s.id);
    if (known) Object.assign(known, s);
  }
  for (const c of change.counters || []) {
    if (inFilter(c.agency_id)) state.counters.set(c.id, c);
  }
  drawCounters();
  drawWaiting();
}

function start() {
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(TEXT[el.dataset.i18n]);
  document.documentElement.lang = lang();
  setConnection("connecting");
  tick();
  setInterval(tick, 1000);
  socket = live(subscription, {
    connection: (up) => setConnection(up ? "connected" : "offline"),
    snapshot: onSnapshot,
    ticket_called: onTicketCalled,
    queue_changed: onQueueChanged,
    config_changed: () => socket.emit("subscribe", subscription),
    error: (err) => { $("conn-text").textContent = err?.message || ""; },
  });
  socket.io.on("reconnect_attempt", () => setConnection("offline"));
  let resizeTimer;
  addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawAll, 200); });
  setInterval(() => { panel.expire(); announcer.prune(); }, 200);
  window.__loketDisplay = { state, announcer, socket, panel };
  // For tests and the curious: what the panel shows and what the voice still has to say, with times (ms since epoch).
  window.loketDisplay = {
    state: () => ({
      now: Date.now(),
      tiles: state.tiles.map(({ call, shownAt }, i) => ({
        call_id: call.call_id, number: call.number, counter_id: call.counter_id, counter_number: call.counter_number,
        shown_at: shownAt, called_at: callAt(call), lead: i === 0, speaking: call.call_id === panel.speakingId,
      })),
      speaking: announcer.current && { call_id: announcer.current.call.call_id, number: announcer.current.call.number, at: announcer.current.at, started_at: announcer.current.startedAt, burst: announcer.current.burst },
      queue: announcer.queue.map((e) => ({ call_id: e.call.call_id, number: e.call.number, counter_id: e.call.counter_id, at: e.at, queued_at: e.queuedAt })),
      history: [...$("history").querySelectorAll("li:not([hidden]) .h-number")].map((n) => n.textContent),
      log: window.__loketSpeech.log.map((e) => ({ ...e })),
      mode: announcer.mode,
    }),
  };
}

start();
