// Shared by every screen: the live connection, JSON calls with the one error shape, and language.
import { io } from "/vendor/socket.io.esm.min.js";

export const lang = () => (new URLSearchParams(location.search).get("lang") || localStorage.getItem("loket.lang") || "id");

export function setLang(value) {
  localStorage.setItem("loket.lang", value);
  document.cookie = `lang=${value}; path=/; SameSite=Lax`;
}

// Pick the text of the current language from {id, en}.
export const t = (texts) => (lang() === "en" && texts.en) ? texts.en : texts.id;

// Texts from the server's gettext catalogs: `await loadTexts()` once, then _("Indonesian text")
// gives it in the current language (the Indonesian is the catalog id; `make messages` extracts it).
let catalog = {};
export async function loadTexts(language = lang()) {
  catalog = {};
  if (language === "id") return;
  try {
    catalog = (await api(`/i18n/${encodeURIComponent(language)}.json`)).messages || {};
  } catch {
    // offline or unknown language: the Indonesian texts are shown
  }
}
export const _ = (text) => catalog[text] || text;

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || body.error || `HTTP ${status}`);
    this.status = status;
    this.code = body.error || "error";
    this.body = body;
  }
}

// fetch() JSON with the API's error shape turned into ApiError; network failure -> ApiError("offline").
export async function api(path, { method = "GET", body, timeout = 8000 } = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "Accept-Language": lang() },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: ctrl.signal,
    });
  } catch (err) {
    throw new ApiError(0, { error: "offline", message: t({ id: "Server tidak dapat dihubungi.", en: "The server cannot be reached." }) });
  } finally {
    clearTimeout(timer);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A live connection that re-subscribes (and so gets a fresh snapshot) on every (re)connect.
export function live(subscription, handlers) {
  const socket = io({ transports: ["websocket", "polling"], reconnectionDelay: 500, reconnectionDelayMax: 3000 });
  socket.on("connect", () => {
    socket.emit("subscribe", subscription);
    handlers.connection?.(true);
  });
  socket.on("disconnect", () => handlers.connection?.(false));
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

// Date and time in the MPP's zone, not the screen's: "Sabtu, 28 November 2026", "09:05 WIB".
// Day and month names are the browser's own (Intl.DateTimeFormat("id-ID")).
export function mppTime(date, timeZone = "Asia/Jakarta", locale = "id-ID") {
  const day = format(locale, { timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const clock = Object.fromEntries(format("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
    .formatToParts(date).map((p) => [p.type, p.value]));
  return { date: day.format(date), time: `${clock.hour}:${clock.minute}`, seconds: clock.second, zone: ZONES[timeZone] || "" };
}
