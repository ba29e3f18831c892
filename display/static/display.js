// The lobby display: connects, draws itself from the snapshot and applies live events. Each job has its
// module: screen.js (shared state and texts), panel.js (the calls), voice.js (the announcements),
// lists.js (counters and waiting, paged), media.js (pictures and videos), clock.js (clock, running text).
import { lang, live, N_, t } from "/static/loket.js";
import { drawTicker, tick } from "./clock.js";
import { drawCounters, drawWaiting, pagerState } from "./lists.js";
import { media } from "./media.js";
import { panel } from "./panel.js";
import { $, MAX_LAG_MS, TEXT, callAt, displayName, inFilter, root, state } from "./screen.js";
import { announcer, hooks, markAnnounced, wasAnnounced } from "./voice.js";

const askedAgencies = (root.dataset.agency || "").split(",").map((v) => parseInt(v, 10)).filter((v) => v > 0);
const HISTORY_KEPT = 50; // calls of the day kept for the recent-calls list (a snapshot brings back the latest)

function drawAll() {
  panel.draw();
  drawCounters();
  drawWaiting();
}

// The voice drives the highlight and the media area; the media's room changes redraw the panel.
hooks.speaking = (call) => panel.speaking(call);
hooks.busy = (on) => media.yieldToCalls(on);
hooks.mode = () => reportStatus();
media.changed = () => { if (state.snapshot) panel.draw(); };

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
  state.history = [call, ...state.history.filter((c) => c.call_id !== call.call_id)].slice(0, HISTORY_KEPT);
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
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(TEXT[node.dataset.i18n]);
  document.documentElement.lang = lang();
  setConnection("connecting");
  tick();
  setInterval(tick, 1000);
  socket = live(subscription, {
    connection: (up) => setConnection(up ? "connected" : "offline"),
    snapshot: onSnapshot,
    ticket_called: onTicketCalled,
    queue_changed: onQueueChanged,
    config_changed: () => socket.follow(),
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
      pages: pagerState(),
    }),
  };
}

start();
