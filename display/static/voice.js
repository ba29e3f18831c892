// The voice: one queue per display, one announcement at a time, never a replay, never far behind the panel.
import { $, MAX_LAG_MS, displayName, now, pushKept, params, root, state } from "./screen.js";
import { mppDay } from "/static/loket.js";

const HOLD_MS = 3500; // a call is highlighted at least this long when no voice is heard
const BURST_HOLD_MS = 1500;
const REMEMBERED = 200; // call ids kept per display: more than a snapshot's recent calls, a bounded localStorage

// ---------------------------------------------------------------- remembered calls (per display, per MPP day)

const storeKey = `loket.display.announced.${displayName || "-"}`;

function today() {
  return mppDay(state.timezone, now());
}

function announcedIds() {
  try {
    const saved = JSON.parse(localStorage.getItem(storeKey) || "{}");
    return saved.day === today() && Array.isArray(saved.ids) ? saved.ids : [];
  } catch {
    return [];
  }
}

export function wasAnnounced(callId) {
  return announcedIds().includes(callId);
}

export function markAnnounced(callId) {
  const ids = announcedIds();
  if (ids.includes(callId)) return;
  ids.push(callId);
  // Only calls a snapshot can bring back (its recent calls) matter for replays: keep the latest few.
  localStorage.setItem(storeKey, JSON.stringify({ day: today(), ids: ids.slice(-REMEMBERED) }));
}

// ---------------------------------------------------------------- sound: one queue, never overlapping

window.__loketSpoken = []; // texts in the order they were queued (tests read it; the latest KEEP)
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
      pushKept(window.__loketSpeech.sounds, { url, result: how });
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
  const voices = speechSynthesis.getVoices();
  if (voices.length) return Promise.resolve(voices);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(speechSynthesis.getVoices()), ms);
    speechSynthesis.addEventListener("voiceschanged", () => { clearTimeout(timer); resolve(speechSynthesis.getVoices()); }, { once: true });
  });
}

// The panel and the media follow the voice through these hooks (display.js connects them).
export const hooks = {
  speaking: () => {}, // (call) a call starts being spoken, (null) it ended
  busy: () => {}, // (on) the queue starts or stops working
  mode: () => {}, // (mode) the voice mode was found or changed
};

export const announcer = {
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
    hooks.mode(mode);
  },

  logEntry(callId) {
    return window.__loketSpeech.log.find((e) => e.call_id === callId && (e.state === "queued" || e.state === "speaking"));
  },

  // A new call to say: it replaces its counter's older call still waiting (the counter moved on).
  enqueue(call, at = Date.now()) {
    markAnnounced(call.call_id);
    // The same for the ticket's own older call (a transfer sent it to another counter).
    for (const old of this.queue.filter((e) => e.call.counter_id === call.counter_id || e.call.ticket_id === call.ticket_id)) this.drop(old, "replaced");
    pushKept(window.__loketSpeech.log, { call_id: call.call_id, number: call.number, text: call.announcement, state: "queued", at });
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
    const time = Date.now();
    for (const entry of [...this.queue]) if (time - entry.at > MAX_LAG_MS) this.drop(entry, "skipped");
  },

  async pump() {
    if (this.busy) return;
    this.busy = true;
    hooks.busy(true);
    for (;;) {
      this.prune();
      const entry = this.queue.shift();
      if (!entry) break;
      const burst = this.queue.length > 0;
      this.prefetch();
      this.current = { ...entry, startedAt: Date.now(), burst };
      const log = this.logEntry(entry.call.call_id);
      if (log) log.state = "speaking";
      hooks.speaking(entry.call);
      await this.say(entry.call, burst);
      if (log) log.state = "done";
      this.current = null;
      this.lastEnded = Date.now();
      hooks.speaking(null);
    }
    this.busy = false;
    hooks.busy(false);
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
    pushKept(window.__loketSpoken, text);
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
