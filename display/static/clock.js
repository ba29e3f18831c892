// The header's clock and date in the MPP's zone, and the running text along the bottom.
import { lang, mppTime } from "/static/loket.js";
import { $, now, root, state } from "./screen.js";

export function tick() {
  const time = mppTime(now(), state.timezone);
  $("time").textContent = time.time;
  $("zone").textContent = time.zone;
  // "Selasa, 1 Des 2026": the short month keeps the date readable in one line at the minimum size.
  $("date").textContent = new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", {
    timeZone: state.timezone, weekday: "long", day: "numeric", month: "short", year: "numeric",
  }).format(now()).replace(/\.(?= |$)/, "");
}

export function drawTicker(text) {
  const ticker = $("ticker");
  ticker.hidden = !text;
  root.classList.toggle("has-ticker", Boolean(text));
  const span = $("ticker-text");
  if (span.textContent === text) return;
  span.textContent = text;
  // A steady reading speed whatever the length of the text.
  span.parentElement.style.animationDuration = `${Math.max(15, text.length * 0.25)}s`;
}
