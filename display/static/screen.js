// What every part of the lobby display shares: its root element, its texts, its state, and the TV's clock.
import { lang, N_, NC_ } from "/static/loket.js";

export const root = document.getElementById("display");
export const $ = (id) => document.getElementById(id);
export const params = new URLSearchParams(location.search);
export const displayName = root.dataset.display || "";

export const TEXT = {
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
  no_counter_open: N_("belum ada loket buka"),
  people: N_("orang"),
  connected: "",
  connecting: N_("Menghubungkan…"),
  offline: N_("Terputus — menyambung ulang…"),
  unregistered: N_("Layar belum terdaftar"),
};

// The policy of the panel and the voice; docs/display.md explains each number.
export const TILE_MIN_MS = 10000; // a call stays in the calls area at least this long
export const TILE_MS = 45000; // after this a tile moves to the recent calls (the newest call stays until a newer one)
export const MAX_LAG_MS = 15000; // the voice never starts a call older than this: it stays on the panel, unspoken
export const PAGE_MS = 8000;

export const state = {
  snapshot: null,
  clockOffset: 0,
  timezone: "Asia/Jakarta",
  counters: new Map(),
  services: new Map(),
  agencies: new Map(),
  agencyFilter: [],
  history: [], // the latest calls of today, newest first (calls on a tile are left out of the drawn list)
  tiles: [], // {call, shownAt} newest first
  repeat: 1,
  speak: true,
};

// Bounded lists for tests and the curious: a TV runs twelve hours a day, so only the latest entries are kept.
export const KEEP = 200;
export function pushKept(list, item, max = KEEP) {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

// Page sizes as even as can be: 17 in pages of at most 4 → 4, 4, 3, 3, 3 (never 4, 4, 4, 4, 1).
export function evenPages(count, most) {
  const pages = Math.max(1, Math.ceil(count / Math.max(1, most)));
  const small = Math.floor(count / pages);
  return Array.from({ length: pages }, (_, i) => small + (i < count % pages ? 1 : 0));
}

// The server's time, on this TV.
export function now() {
  return new Date(Date.now() + state.clockOffset);
}

// When the call was made, on this screen's clock.
export function callAt(call) {
  const at = Date.parse(call.called_at || "");
  return Number.isFinite(at) ? at - state.clockOffset : Date.now();
}

export function inFilter(agencyId) {
  return !state.agencyFilter.length || state.agencyFilter.includes(agencyId);
}

export function counterLabel(call) {
  return call.counter_number ?? call.counter ?? "—";
}

export function agencyCode(call) {
  return state.agencies.get(call.agency_id)?.code || call.agency || "";
}

export function serviceShort(call) {
  if (lang() === "en" && call.service_en) return call.service_en; // a TV set to English (issue 20.4)
  return call.service_short_name || state.services.get(call.service_id)?.short_name || call.service || "";
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function fontPx() {
  return parseFloat(getComputedStyle(root).fontSize) || 16;
}

// The width of a text at the screen's minimum size, to size rows and cards so that nothing is cut.
// The screen's font changes only with its size: read it once, not on every row of every redraw.
let measure = null;
let face = null;
addEventListener("resize", () => { face = null; });
export function textWidth(text, weight = 400) {
  measure ||= document.createElement("canvas").getContext("2d");
  if (!face) {
    const style = getComputedStyle(root);
    face = `${style.fontSize} ${style.fontFamily}`;
  }
  measure.font = `${weight} ${face}`;
  measure.fontStretch = "condensed";
  return measure.measureText(text).width;
}
