// The public complaint form: filed as multipart (for the optional photo); the answer is a tracking code.
import { _, api, lang, localDate, N_, t } from "/static/loket.js";
import { attachKeyboard } from "/static/keyboard.js";

const form = document.getElementById("complaint-form");
const token = form.dataset.token;
const $ = (id) => document.getElementById(id);

function syncCategory() {
  $("category-box").hidden = form.kind.value !== "complaint";
}

async function attachTicket() {
  if (!token) return;
  try {
    const ticket = await api(`/api/tickets/${encodeURIComponent(token)}`);
    $("ticket-note").textContent = _("Terkait nomor antrean {number} — {service} ({agency}).", { number: ticket.number, service: ticket.service, agency: ticket.agency });
    $("ticket-note").hidden = false;
    $("agency").value = String(ticket.agency_id);
  } catch (err) {
    $("ticket-note").textContent = err.message;
    $("ticket-note").hidden = false;
  }
}

form.addEventListener("change", syncCategory);
$("text").addEventListener("input", () => { $("count").textContent = $("text").value.length; });

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  $("form-error").textContent = "";
  if (!form.text.value.trim()) {
    $("form-error").textContent = t(N_("Isi laporan wajib diisi."));
    form.text.focus();
    return;
  }
  const data = new FormData(form);
  if (form.kind.value !== "complaint") data.delete("category");
  if (!form.photo.files.length) data.delete("photo");
  if (token) data.set("ticket_token", token);
  data.set("anonymous", form.anonymous.checked ? "1" : "0");
  $("submit").disabled = true;
  try {
    const response = await fetch("/api/complaints", { method: "POST", body: data, headers: { Accept: "application/json", "Accept-Language": lang() }, credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
    $("done-code").textContent = body.code;
    $("done-due").textContent = localDate(body.due_on);
    $("done-link").href = KIOSK && back ? back.href : body.status_url;
    if (KIOSK) $("done-link").textContent = t(N_("Selesai, kembali ke layar ambil nomor"));
    form.hidden = true;
    $("done").hidden = false;
    $("done").scrollIntoView();
  } catch (err) {
    $("form-error").textContent = err.message === "Failed to fetch" ? t(N_("Server tidak dapat dihubungi.")) : err.message;
  } finally {
    $("submit").disabled = false;
  }
});

document.getElementById("track-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const code = event.target.code.value.trim().toUpperCase();
  if (code) location.href = `/aduan/${encodeURIComponent(code)}`;
});
// Disabled in the page until the handlers above are bound: sent before, a form would only get a 405.
for (const button of document.querySelectorAll("#complaint-form [type=submit], #track-form [type=submit]")) button.disabled = false;

// From the kiosk: an on-screen keyboard (the kiosk has no other), and an idle reset, so a half-written
// complaint with a name and phone number never stays on the public screen.
const KIOSK = document.body.classList.contains("ad-kiosk");
const back = document.querySelector(".ad-back");
const idleSeconds = Math.min(Math.max(Number(new URLSearchParams(location.search).get("idle")) || 90, 5), 600);
let idleTimer = null;

function leave() {
  form.reset();
  document.getElementById("track-form").reset();
  $("count").textContent = "0";
  location.replace(back ? back.href : "/kiosk/");
}

function armIdle() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(leave, idleSeconds * 1000);
}

if (KIOSK) {
  attachKeyboard(document.querySelector(".ad-main"));
  for (const type of ["pointerdown", "keydown", "input"]) document.addEventListener(type, armIdle, true);
  armIdle();
}

syncCategory();
attachTicket();
