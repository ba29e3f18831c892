// The lobby display: draws itself from the snapshot, applies live events, and announces each call once.
import { live, t, lang, mppTime } from "/static/loket.js";

const root = document.getElementById("display");
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const displayName = root.dataset.display || "";
const askedAgencies = (root.dataset.agency || "").split(",").map((v) => parseInt(v, 10)).filter((v) => v > 0);

const TEXT = {
  called: { id: "Nomor antrean", en: "Ticket number" },
  go_to: { id: "silakan menuju", en: "please go to" },
  counter: { id: "Loket", en: "Counter" },
  idle: { id: "Menunggu panggilan…", en: "Waiting for the next call…" },
  history: { id: "Panggilan terakhir", en: "Recent calls" },
  counters: { id: "Loket", en: "Counters" },
  waiting: { id: "Antrean menunggu", en: "Waiting" },
  unmute: { id: "Aktifkan suara", en: "Turn sound on" },
  closed: { id: "Tutup", en: "Closed" },
  paused: { id: "Istirahat", en: "On break" },
  free: { id: "Siap", en: "Ready" },
  no_calls: { id: "Belum ada panggilan hari ini.", en: "No calls yet today." },
  no_counters: { id: "Belum ada loket.", en: "No counters." },
  people: { id: "orang", en: "waiting" },
  connected: { id: "", en: "" },
  connecting: { id: "Menghubungkan…", en: "Connecting…" },
  offline: { id: "Terputus — menyambung ulang…", en: "Disconnected — reconnecting…" },
  unregistered: { id: "Layar belum terdaftar", en: "Display not registered" },
};

const FRESH_SECONDS = 60; // a call missed while offline is still worth announcing this soon after
const HIGHLIGHT_MS = 6000;
const HISTORY_SIZE = 8;
const PAGE_MS = 8000;

const state = {
  snapshot: null,
  clockOffset: 0,
  timezone: "Asia/Jakarta",
  counters: new Map(),
  services: new Map(),
  agencies: new Map(),
  agencyFilter: [],
  history: [],
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

const announcer = {
  mode: "unknown", // browser | server | chime | off
  voice: null,
  queue: [],
  busy: false,

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

  enqueue(call) {
    markAnnounced(call.call_id);
    window.__loketSpoken.push(call.announcement);
    window.__loketSpeech.log.push({ call_id: call.call_id, text: call.announcement, state: "queued" });
    this.queue.push(call);
    this.pump();
  },

  async pump() {
    if (this.busy) return;
    this.busy = true;
    media.yieldToCalls(true);
    while (this.queue.length) {
      const call = this.queue.shift();
      const entry = window.__loketSpeech.log.find((e) => e.call_id === call.call_id && e.state === "queued");
      if (entry) entry.state = "speaking";
      showCall(call);
      await this.say(call);
      if (entry) entry.state = "done";
    }
    this.busy = false;
    media.yieldToCalls(false);
  },

  async say(call) {
    const started = Date.now();
    await playUrl("/display/chime.wav", 4000);
    for (let i = 0; i < state.repeat; i++) {
      if (i > 0) await sleep(700);
      if (this.mode === "browser") {
        await speakBrowser(call.announcement, this.voice);
      } else if (this.mode === "server") {
        const result = await playUrl(`/display/audio/${encodeURIComponent(call.call_id)}.wav`, 20000);
        // The server could not render (espeak-ng missing or broken): fall back to the chime alone.
        if (result === "error") this.setMode("chime");
      }
    }
    // Keep each call on the big panel long enough to be read even when no voice is heard.
    const held = Date.now() - started;
    if (held < 3500) await sleep(3500 - held);
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
  $("date").textContent = lang() === "en"
    ? new Intl.DateTimeFormat("en-GB", { timeZone: state.timezone, weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(now())
    : time.date;
}

function counterLabel(call) {
  return call.counter_number ?? call.counter ?? "—";
}

function showCall(call) {
  $("call-number").textContent = call.number;
  $("call-counter").textContent = counterLabel(call);
  $("call-agency").textContent = [call.agency, call.service].filter(Boolean).join(" · ");
  const color = state.agencies.get(call.agency_id)?.color;
  $("call").style.setProperty("--agency", color || "");
  root.classList.add("has-call");
  const panel = $("call");
  panel.classList.remove("flash");
  void panel.offsetWidth; // restart the highlight animation for each call
  panel.classList.add("flash");
  clearTimeout(showCall.timer);
  showCall.timer = setTimeout(() => panel.classList.remove("flash"), HIGHLIGHT_MS);
}

function drawHistory() {
  const list = $("history");
  const items = state.history.slice(0, HISTORY_SIZE).map((call) => {
    const li = document.createElement("li");
    li.dataset.callId = call.call_id;
    li.style.setProperty("--agency", state.agencies.get(call.agency_id)?.color || "");
    const number = document.createElement("span");
    number.className = "h-number";
    number.textContent = call.number;
    const counter = document.createElement("span");
    counter.className = "h-counter";
    counter.textContent = `${t(TEXT.counter)} ${counterLabel(call)}`;
    const agency = document.createElement("span");
    agency.className = "h-agency";
    agency.textContent = state.agencies.get(call.agency_id)?.code || call.agency || "";
    li.append(number, counter, agency);
    return li;
  });
  if (!items.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = t(TEXT.no_calls);
    items.push(li);
  }
  list.replaceChildren(...items);
}

function inFilter(agencyId) {
  return !state.agencyFilter.length || state.agencyFilter.includes(agencyId);
}

// Lay the counters out as large as the space allows; a very large MPP pages through them.
function gridFit(count, width, height, ratio, minHeight, gap) {
  let best = { cols: 1, rows: count, size: 0 };
  for (let cols = 1; cols <= Math.max(1, count); cols++) {
    const rows = Math.ceil(count / cols);
    const size = Math.min((width - gap * (cols - 1)) / cols / ratio, (height - gap * (rows - 1)) / rows);
    if (size > best.size) best = { cols, rows, size };
  }
  if (best.size >= minHeight) return { ...best, perPage: count };
  const cols = Math.max(1, Math.floor((width + gap) / (minHeight * ratio + gap)));
  const rows = Math.max(1, Math.floor((height + gap) / (minHeight + gap)));
  return { cols, rows, size: minHeight, perPage: cols * rows };
}

const pagers = {};

function paged(name, container, elements, fit, label) {
  clearInterval(pagers[name]);
  const pages = Math.max(1, Math.ceil(elements.length / fit.perPage));
  let page = 0;
  const show = () => {
    elements.forEach((el, i) => { el.hidden = Math.floor(i / fit.perPage) !== page; });
    if (label) label.textContent = pages > 1 ? `${page + 1}/${pages}` : "";
  };
  container.replaceChildren(...elements);
  show();
  if (pages > 1) pagers[name] = setInterval(() => { page = (page + 1) % pages; show(); }, PAGE_MS);
}

function drawCounters() {
  const box = $("counters");
  const counters = [...state.counters.values()].filter((c) => inFilter(c.agency_id));
  const cards = counters.map((c) => {
    const card = document.createElement("div");
    card.className = `counter-card state-${c.state}`;
    card.dataset.counterId = c.id;
    card.style.setProperty("--agency", state.agencies.get(c.agency_id)?.color || "");
    const head = document.createElement("div");
    head.className = "c-head";
    const name = document.createElement("span");
    name.className = "c-name";
    name.textContent = `${t(TEXT.counter)} ${c.number}`;
    const agency = document.createElement("span");
    agency.className = "c-agency";
    agency.textContent = state.agencies.get(c.agency_id)?.code || "";
    head.append(name, agency);
    const number = document.createElement("div");
    number.className = "c-number";
    const current = c.current_ticket;
    if (c.state === "closed") number.textContent = t(TEXT.closed);
    else if (current) number.textContent = current.number;
    else number.textContent = c.state === "paused" ? t(TEXT.paused) : t(TEXT.free);
    number.classList.toggle("c-word", !current || c.state === "closed");
    card.append(head, number);
    return card;
  });
  if (!cards.length) {
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = t(TEXT.no_counters);
    cards.push(empty);
  }
  const fit = gridFit(cards.length, box.clientWidth || 800, box.clientHeight || 400, 1.9, Math.max(60, Math.min(innerWidth, innerHeight) * 0.075), parseFloat(getComputedStyle(box).rowGap) || 0);
  box.style.gridTemplateColumns = `repeat(${fit.cols}, 1fr)`;
  box.style.gridTemplateRows = `repeat(${Math.min(fit.rows, Math.ceil(cards.length / fit.cols))}, ${Math.floor(fit.size)}px)`;
  paged("counters", box, cards, fit, null);
}

function drawWaiting() {
  const box = $("waiting");
  const rows = [];
  for (const agency of state.agencies.values()) {
    for (const service of agency.services) {
      const s = state.services.get(service.id) || service;
      const row = document.createElement("div");
      row.className = "w-row";
      row.dataset.serviceId = service.id;
      row.style.setProperty("--agency", agency.color || "");
      const prefix = document.createElement("span");
      prefix.className = "w-prefix";
      prefix.textContent = service.prefix;
      const name = document.createElement("span");
      name.className = "w-name";
      name.textContent = service.name;
      const count = document.createElement("span");
      count.className = "w-count";
      count.textContent = s.waiting;
      count.title = t(TEXT.people);
      row.append(prefix, name, count);
      rows.push(row);
    }
  }
  const rowHeight = Math.max(34, innerHeight * 0.042);
  const cols = box.clientWidth > 900 ? 3 : box.clientWidth > 520 ? 2 : 1;
  const perCol = Math.max(1, Math.floor((box.clientHeight || 300) / rowHeight));
  box.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
  box.style.gridTemplateRows = `repeat(${perCol}, ${Math.floor(rowHeight)}px)`;
  paged("waiting", box, rows, { perPage: cols * perCol }, $("waiting-page"));
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
  drawHistory();
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
  document.title = `${t({ id: "Layar Antrean", en: "Queue Display" })} — ${data.mpp.name}`;
  const logo = $("logo");
  logo.hidden = !data.mpp.logo_url;
  if (data.mpp.logo_url && logo.getAttribute("src") !== data.mpp.logo_url) logo.src = data.mpp.logo_url;
  $("location").textContent = config.registered ? (config.location || config.name) : `${t(TEXT.unregistered)}${displayName ? `: ${displayName}` : ""}`;
  const portrait = config.layout === "portrait";
  root.classList.toggle("portrait", portrait);
  drawTicker(config.running_text || "");
  tick();
  if (state.history.length && !root.classList.contains("has-call")) {
    const last = state.history[0];
    $("call-number").textContent = last.number;
    $("call-counter").textContent = counterLabel(last);
    $("call-agency").textContent = [last.agency, last.service].filter(Boolean).join(" · ");
    root.classList.add("has-call");
  }
  drawAll();
  if (first || speakBefore !== state.speak) announcer.detect();
  else reportStatus();
  media.load();

  // Calls made while this screen was away: announce only the fresh ones it never announced.
  const serverNow = Date.parse(data.server_time);
  for (const call of [...state.history].reverse()) {
    if (wasAnnounced(call.call_id)) continue;
    const age = (serverNow - Date.parse(call.called_at)) / 1000;
    if (age <= FRESH_SECONDS) announcer.enqueue(call);
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
  drawHistory();
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
  window.__loketDisplay = { state, announcer, socket };
}

start();
