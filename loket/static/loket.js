// Shared by every screen: the live connection, JSON calls with the one error shape, and language.
import { io, WebSocket as WebSocketTransport, XHR } from "/vendor/socket.io.esm.min.js";

export const lang = () => (new URLSearchParams(location.search).get("lang") || localStorage.getItem("loket.lang") || "id");

// The English catalog (46 KB) travels only to a screen shown in English: loaded here, before any
// screen draws a word, when the page opens in English, or when a screen switches to English.
let EN = null;
async function englishTexts() {
  EN ??= (await import("/i18n/en.js")).default;
  return EN;
}
if (lang() === "en") await englishTexts();

// Resolves once the language's texts are there: a screen redraws after it.
export async function setLang(value) {
  localStorage.setItem("loket.lang", value);
  // As long as localStorage keeps it, so the server renders the next page in the language the screen draws.
  document.cookie = `lang=${value}; path=/; max-age=31536000; SameSite=Lax`;
  if (value === "en") await englishTexts();
}

// A link that names its language (an English kiosk's ticket QR, /ambil/?lang=en) sets it for the pages
// that follow: the phone that took a ticket in English opens its ticket page in English too.
const asked = new URLSearchParams(location.search).get("lang");
if (asked === "id" || asked === "en") setLang(asked);

// What an admin wrote in both languages (a service's name, requirements, procedure): the English where the
// screen is English and the admin wrote one, else the Indonesian. localized(service, "name") reads name_en.
export const localized = (item, field) => (lang() === "en" && item?.[`${field}_en`]) || item?.[field] || "";

// The page's ID/EN buttons ([data-lang]): switch, drop a ?lang= that would override it, redraw.
export function onLanguageButtons(redraw) {
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", async () => {
      await setLang(b.dataset.lang);
      const url = new URL(location.href);
      url.searchParams.delete("lang");
      history.replaceState(null, "", url);
      redraw(b.dataset.lang);
      document.documentElement.lang = b.dataset.lang; // drawn: tests and screen readers read it
    });
  }
}

// Every text of the screens is in the server's gettext catalogs (loket/translations/, `make messages`
// extracts _("…"), N_("…") and pgettext("context", "…") from these modules): the Indonesian text is
// the id, the English comes with /i18n/en.js, loaded above before anything draws in English.
// {name} in a text is filled from `values`, after translating, as the Python side does.
let catalog = null; // null: follow the screen's language; loadTexts() pins another one
const fill = (text, values) => (values ? text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m)) : text);
const english = () => (catalog ?? (lang() === "en" ? EN : null));
// A text with a context (gettext's msgctxt) is "context\u0004text": the same Indonesian word can say
// two things in English ("Tutup": Close on a button, Closed as a state).
const translate = (text, values) => fill(english()?.[text] || text.slice(text.indexOf("\u0004") + 1), values);
export const _ = translate;
export const pgettext = (context, text, values) => translate(`${context}\u0004${text}`, values);
export const N_ = (text) => text; // marks a text where a table defines it; _() or t() translates it where shown
export const NC_ = (context, text) => `${context}\u0004${text}`; // the same, with a context
// t(): a marked text (or a server's {id, en} pair) in the current language.
export const t = (text, values) => (typeof text === "string" ? _(text, values) : lang() === "en" && text?.en ? text.en : text?.id ?? "");

// Another catalog than the screen's language (tests, a preview): "en" or "id".
export async function loadTexts(language = lang()) {
  catalog = language === "en" ? await englishTexts() : {};
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || body.error || `HTTP ${status}`);
    this.status = status;
    this.code = body.error || "error";
    this.body = body;
  }
}

// fetch() JSON with the API's error shape turned into ApiError; network failure -> ApiError("offline").
export async function api(path, { method = "GET", body, timeout = 8000, headers = {} } = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "Accept-Language": lang(), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: ctrl.signal,
    });
  } catch (err) {
    throw new ApiError(0, { error: "offline", message: t(N_("Server tidak dapat dihubungi.")) });
  } finally {
    clearTimeout(timer);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// The websocket that early-socket.js opened during the page's load, taken once by the first connection
// to the same address; any later (re)connection opens its own.
function takeEarlySocket(uri) {
  const early = window.loketEarlySocket;
  window.loketEarlySocket = null; // taken, or too late: early-socket.js must not open one now
  if (!early || early.failed || early.url !== uri || early.ws.readyState > WebSocket.OPEN) return null;
  return early;
}

class EarlyWebSocket extends WebSocketTransport {
  createSocket(uri, protocols, opts) {
    this.early = takeEarlySocket(uri);
    return this.early ? this.early.ws : super.createSocket(uri, protocols, opts);
  }

  doWrite(packet, data) {
    // The server connected the early socket as it opened (early-socket.js); a second CONNECT would be refused.
    if (data === "40" && this.early && !this.connectKept) {
      this.connectKept = true;
      return;
    }
    super.doWrite(packet, data);
  }

  addEventListeners() {
    const early = this.early;
    if (!early || this.ws.readyState === WebSocket.CONNECTING) {
      super.addEventListeners(); // not open yet: it opens and speaks to these handlers as a new one would
      return;
    }
    // Already open, frames perhaps waiting: after the engine has attached to this transport (it does so
    // right after opening it), open it and hand it the frames in order; early-socket.js keeps any frame
    // that comes meanwhile.
    setTimeout(() => {
      if (this.ws !== early.ws) return; // closed meanwhile
      super.addEventListeners();
      this.onOpen();
      for (const event of early.frames.splice(0)) this.onData(event.data);
      if (early.ws.readyState !== WebSocket.OPEN) this.onClose({ description: "websocket connection closed" });
    }, 0);
  }
}

// The one live connection of every screen: on every (re)connect it says again what the screen follows, so
// a screen that lost its network heals itself (a fresh snapshot, or handlers.connection(true) to re-read).
// verb: "subscribe" (rooms with a snapshot), "follow_complaint", "follow_booking_slots" (docs/events.md).
// subscription: its payload, or a function giving the current one (null: nothing to follow yet).
// socket.follow(next) sends it now: after config_changed, or with `next` when the screen follows something else.
export function live(subscription, handlers, verb = "subscribe") {
  const socket = io({ transports: [EarlyWebSocket, XHR], reconnectionDelay: 500, reconnectionDelayMax: 3000 });
  let current = subscription;
  socket.follow = (next = current) => {
    current = next;
    const payload = typeof current === "function" ? current() : current;
    if (payload && socket.connected) socket.emit(verb, payload);
  };
  socket.on("connect", () => {
    socket.follow();
    handlers.connection?.(true);
  });
  socket.on("disconnect", (reason) => {
    handlers.connection?.(false);
    // The server closed this socket (a staff session ended, a restart): Socket.IO does not come back by
    // itself then. Reconnect, so the subscribe's answer (a snapshot, or session_expired) says what happened.
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 500);
  });
  for (const [event, fn] of Object.entries(handlers)) {
    if (event !== "connection") socket.on(event, fn);
  }
  return socket;
}

// Escape user-written text before it goes into innerHTML (prefer textContent where possible).
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Intl has no Indonesian zone abbreviations: the official ones, as loket/i18n.py has them.
const ZONES = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };
const formats = new Map();

function format(locale, options) {
  const key = `${locale} ${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(locale, options));
  return formats.get(key);
}

// Date and time in the MPP's zone, not the screen's, in the screen's language, with the browser's own
// day and month names (Intl.DateTimeFormat): "Sabtu, 28 November 2026" / "Saturday, 28 November 2026",
// "09:05 WIB" (24-hour either way).
export function mppTime(date, timeZone = "Asia/Jakarta", locale = lang() === "en" ? "en-GB" : "id-ID") {
  const named = Object.fromEntries(format(locale, { timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric" })
    .formatToParts(date).map((p) => [p.type, p.value]));
  const clock = Object.fromEntries(format("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
    .formatToParts(date).map((p) => [p.type, p.value]));
  const day = `${named.day} ${named.month} ${named.year}`;
  return { date: `${named.weekday}, ${day}`, day, time: `${clock.hour}:${clock.minute}`, seconds: clock.second, zone: ZONES[timeZone] || "" };
}

// The MPP's business date "2026-12-07" at a moment (now by default): the day the server files tickets,
// logs and reports under, which is not the browser's UTC day after 17:00 WIB.
export function mppDay(timeZone = "Asia/Jakarta", date = new Date()) {
  return format("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

// A business date "2026-12-22" (a local date, no zone) as every screen writes it: "Selasa, 22 Desember 2026".
export function localDate(text) {
  const [y, m, d] = String(text || "").slice(0, 10).split("-").map(Number);
  if (!y || !m || !d) return String(text || "");
  return mppTime(new Date(Date.UTC(y, m - 1, d, 12)), "UTC").date;  // noon UTC: the same date in every zone
}

// WCAG relative luminance and contrast, so a colour an admin picks never makes unreadable text.
function luminance(hex) {
  let h = String(hex || "").replace("#", "");
  if (h.length === 3 || h.length === 4) h = [...h.slice(0, 3)].map((c) => c + c).join("");
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

export const safeColor = (value, fallback = "#0b5394") => (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value || "") ? value : fallback);

// Text to put on a background of this colour: white or near-black, whichever reads better.
export const inkOn = (background) => (contrast("#ffffff", safeColor(background)) >= contrast("#14202b", safeColor(background)) ? "#ffffff" : "#14202b");

// The colour darkened until it reads as text on white (4.5:1), for numbers and borders drawn in an agency's colour.
export function readableOnWhite(color) {
  let hex = safeColor(color);
  if (hex.length === 4) hex = `#${[...hex.slice(1)].map((c) => c + c).join("")}`;
  let [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  for (let step = 0; step < 40 && contrast(`#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`, "#ffffff") < 4.6; step++) {
    [r, g, b] = [r, g, b].map((c) => Math.floor(c * 0.92));
  }
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

// A background for text in the agency's colour: as picked where white or dark ink reads on it (4.5:1),
// else darkened until white does (a mid blue like #3d85c6 passes with neither).
export function badgeColors(color) {
  const base = safeColor(color);
  const ink = inkOn(base);
  if (contrast(ink, base) >= 4.5) return { background: base, ink };
  return { background: readableOnWhite(base), ink: "#ffffff" };
}

// The CSS custom properties a screen sets for one agency: --agency, its badge colours, and its text-safe shade.
export const agencyStyle = (color) => {
  const badge = badgeColors(color);
  return `--agency:${safeColor(color)};--agency-badge:${badge.background};--agency-ink:${badge.ink};--agency-text:${readableOnWhite(color)}`;
};

// The same properties set through the CSSOM (allowed under a strict style-src, unlike a style attribute).
export function setAgencyStyle(node, color) {
  for (const part of agencyStyle(color).split(";")) {
    const [name, value] = part.split(":");
    node.style.setProperty(name, value);
  }
}

// An icon shipped with Loket (lucide-static from npm, plus a few of our own), drawn in the text colour.
const OWN_ICONS = ["elderly", "pregnant"];
// Resolved through the page's import map, which gives each icon its content-hashed (immutable) URL.
export const iconUrl = (name) => import.meta.resolve(OWN_ICONS.includes(name) ? `/static/icons/${name}.svg` : `/vendor/icons/${name}.svg`);
export const icon = (name, label = "") =>
  `<span class="l-icon l-icon-${name}" ${label ? `role="img" aria-label="${esc(label)}"` : 'aria-hidden="true"'} style="--icon:url('${iconUrl(name)}')"></span>`;

// Why a paused or closed counter is so, in plain words: "Istirahat, kembali ±13.00" / "Break, back ±13:00"
// (issue 24). Empty for an open counter or one without a reason. Shared by the TV, the kiosk and staff screens.
export function counterReason(counter) {
  if (!counter?.reason || counter.state === "open") return "";
  const reason = (lang() === "en" ? counter.reason_label_en : counter.reason_label) || counter.reason;
  if (counter.closed_for_day) return _("{reason}, tutup sampai akhir hari", { reason });
  if (!counter.until) return reason;
  const time = lang() === "en" ? counter.until : counter.until.replace(":", ".");
  return _("{reason}, kembali ±{time}", { reason, time });
}
