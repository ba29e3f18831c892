// "Sudah reservasi?" at the kiosk: type the booking code on the screen keyboard, or scan the booking's QR with
// the kiosk's USB barcode scanner (it types the code and Enter into the focused field); the ticket is printed.
import { _, api, esc, lang, N_, onLanguageButtons, t } from "/static/loket.js";
import { KIOSK, kioskHeaders } from "./pairing.js";
import { printWatch, ticketHtml } from "./ticketscreen.js";
import { keyboardHtml, typeKey } from "/static/keyboard.js";

const app = document.getElementById("app");
const opener = document.getElementById("checkin-open");
const IDLE = 45 * 1000;
const SHOWN = 15 * 1000;
const SCAN_GAP = 80; // ms between a scanner's keystrokes; people type slower

let panel = null;
let idleTimer = null;
let busy = false;
let scanBuffer = "";
let scanAt = 0;

const KEYBOARD = N_("Papan ketik"); // marked here: the extractor cannot read it inside the attribute

function label() {
  if (opener) opener.innerHTML = `${_("Sudah reservasi?")} <small>${_("Check-in di sini: ketik atau pindai kode")}</small>`;
}

function armIdle(ms = IDLE) {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(close, ms);
}

function keyboard() {
  return keyboardHtml("code", { className: "k-keyboard k-checkin-keys", label: t(KEYBOARD) });
}

function formView(message = null, code = "") {
  return `<section class="k-checkin-form">
      <h1 class="k-title">${_("Check-in reservasi")}</h1>
      <p class="k-sub">${_("Pindai kode QR reservasi di pemindai, atau ketik kode 6 huruf/angka.")}</p>
      <form id="checkin-form" autocomplete="off">
        <label for="checkin-code" class="k-visually-hidden">${_("Kode reservasi")}</label>
        <input id="checkin-code" class="k-checkin-code" name="code" inputmode="none" maxlength="40" spellcheck="false"
          autocapitalize="characters" placeholder="${esc(_("KODE"))}" value="${esc(code)}">
        <button type="submit" class="k-btn k-btn-primary" ${busy ? "disabled" : ""}>${busy ? _("Memeriksa…") : _("Check-in")}</button>
      </form>
      ${message ? `<div class="k-refusal" role="alert" data-code="${esc(message.code)}"><p class="k-refusal-title">${esc(message.title)}</p><p>${esc(message.text)}</p></div>` : ""}
      ${keyboard()}
      <button type="button" class="k-btn k-btn-ghost" data-action="close">← ${_("Kembali")}</button>
    </section>`;
}

const TITLES = {
  booking_not_found: N_("Kode tidak ditemukan"),
  too_early: N_("Terlalu awal"),
  too_late: N_("Waktu check-in sudah lewat"),
  already_checked_in: N_("Sudah check-in"),
  booking_cancelled: N_("Reservasi dibatalkan"),
};

// The ticket screen of kiosk.js with the booking's code on top; a second scan shows the number, not a print.
function ticketView(ticket, again = false) {
  return ticketHtml(ticket, {
    numberId: "checkin-number",
    done: "close",
    className: "k-checkin-done",
    timezone: app?.dataset.timezone,
    printer: again ? null : true,
    heading: `<p class="k-t-priority">${_("RESERVASI")} ${esc(ticket.booking_code || "")}</p>`,
    label: again ? _("Anda sudah check-in. Nomor antrean Anda") : "",
  });
}

// kiosk.js owns the socket and passes on every print outcome of this kiosk (loket:ticket_printed).
const prints = printWatch((ticket) => {
  if (panel && !panel.hidden) show(ticketView(ticket));
});

function show(html) {
  panel.innerHTML = html;
  const input = panel.querySelector("#checkin-code");
  if (input) {
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }
}

function open(code = "") {
  if (!panel) {
    panel = document.createElement("section");
    panel.id = "checkin";
    panel.className = "k-screen k-checkin";
    panel.setAttribute("aria-live", "polite");
    document.getElementById("screen").after(panel);
    panel.addEventListener("click", onClick);
    panel.addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
    });
    // The scanner types into the focused field: keep the focus there whatever the citizen touched.
    panel.addEventListener("focusout", () => setTimeout(() => panel && !panel.hidden && panel.querySelector("#checkin-code")?.focus(), 0));
  }
  document.getElementById("screen").hidden = true;
  bar(false);
  panel.hidden = false;
  document.getElementById("attract")?.setAttribute("hidden", "");
  show(formView(null, code));
  armIdle();
}

function bar(on) {
  const footer = document.getElementById("checkin-bar");
  if (footer) footer.hidden = !on || opener?.hidden;
}

function close() {
  clearTimeout(idleTimer);
  prints.hidden();
  if (!panel) return;
  panel.hidden = true;
  panel.innerHTML = "";
  document.getElementById("screen").hidden = false;
  bar(true);
}

function onClick(event) {
  const el = event.target.closest("button");
  armIdle();
  if (!el) return;
  if (el.dataset.action === "close") return close();
  if (el.dataset.action === "reprint") return prints.reprint();
  const input = panel.querySelector("#checkin-code");
  if (el.dataset.key && input) {
    typeKey(input, el.dataset.key);
    input.focus();
  }
}

async function submit() {
  const input = panel.querySelector("#checkin-code");
  const code = (input?.value || "").trim();
  if (!code || busy) return;
  busy = true;
  show(formView(null, code));
  const path = KIOSK ? `/api/kiosks/${encodeURIComponent(KIOSK)}/check-in` : null;
  try {
    if (!path) throw Object.assign(new Error(_("Kios ini belum terdaftar; silakan ke petugas informasi.")), { code: "kiosk_not_found" });
    const answer = await api(path, { method: "POST", body: { code }, timeout: 12000, headers: kioskHeaders() });
    busy = false;
    // The ticket is printed after the answer; its outcome may even arrive before it.
    prints.shown(answer.ticket);
    show(ticketView(answer.ticket));
    armIdle(SHOWN);
  } catch (err) {
    busy = false;
    if (err.code === "already_checked_in" && err.body?.ticket) {
      prints.hidden();
      show(ticketView(err.body.ticket, true));
      armIdle(SHOWN);
      return;
    }
    const title = t(TITLES[err.code] || N_("Check-in tidak berhasil"));
    show(formView({ code: err.code, title, text: err.message }, ""));
    armIdle();
  }
}

document.addEventListener("loket:ticket_printed", (event) => prints.report(event.detail));

// A scan at the start screen (no field focused) opens the check-in with the code already in.
document.addEventListener("keydown", (event) => {
  if (panel && !panel.hidden) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName)) return;
  const now = Date.now();
  if (now - scanAt > SCAN_GAP * 3) scanBuffer = "";
  scanAt = now;
  if (event.key === "Enter" && scanBuffer.length >= 6) {
    const code = scanBuffer;
    scanBuffer = "";
    open(code);
    submit();
  } else if (event.key.length === 1) {
    scanBuffer += event.key;
  }
});

if (opener) {
  opener.addEventListener("click", () => open());
  // Once the language's texts are there (the English catalog loads on the first switch).
  onLanguageButtons(() => {
    label();
    if (panel && !panel.hidden && panel.querySelector("#checkin-form")) show(formView(null, panel.querySelector("#checkin-code").value));
  });
  label();
  // Only where some service takes bookings: otherwise the entry would only confuse.
  api("/api/agencies").then((agencies) => {
    opener.hidden = !agencies.some((a) => a.services.some((s) => s.booking_enabled));
    bar(!panel || panel.hidden);
  }).catch(() => {});
}
document.documentElement.lang = lang();
