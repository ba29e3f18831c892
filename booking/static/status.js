// The booking page (/reservasi/<token>): the code and its QR for the kiosk, the slot, what to bring, cancel.
import { _, api, esc, lang, localized, N_, onLanguageButtons, t } from "/static/loket.js";

let booking = JSON.parse(document.getElementById("booking-data").textContent);
const mpp = JSON.parse(document.getElementById("mpp-data").textContent);
const ZONES = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };
const zone = ZONES[mpp.timezone] || "";
let confirming = false;
let message = "";

function dayName(iso) {
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", { timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric" })
    .format(new Date(`${iso}T00:00:00Z`));
}

const STATUS = {
  booked: N_("Terjadwal"),
  checked_in: N_("Sudah check-in"),
  cancelled: N_("Dibatalkan"),
  expired: N_("Kedaluwarsa (tidak hadir)"),
};

function requirements() {
  const parts = String(localized(booking, "requirements")).split(/;\s*/).filter(Boolean);
  if (!parts.length && !booking.fee) return "";
  return `<section class="b-box"><h2>${_("Yang perlu dibawa")}</h2>
    ${parts.length ? `<ul>${parts.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>` : ""}
    ${booking.fee ? `<p><strong>${_("Biaya")}:</strong> ${esc(booking.fee)}</p>` : ""}</section>`;
}

function statusPart() {
  if (booking.status === "checked_in" && booking.ticket) {
    return `<section class="b-box b-box-ok"><p>${_("Nomor antrean Anda")}</p>
      <p class="b-ticket-number">${esc(booking.ticket.number)}</p>
      <a class="b-btn b-btn-primary" href="/t/${encodeURIComponent(booking.ticket.token)}" rel="noreferrer">${_("Pantau antrean")}</a></section>`;
  }
  if (booking.status === "cancelled") return `<section class="b-box b-box-bad"><p>${_("Reservasi ini sudah dibatalkan; tempatnya kini terbuka untuk warga lain.")}</p></section>`;
  if (booking.status === "expired") return `<section class="b-box b-box-bad"><p>${_("Waktu check-in sudah lewat. Silakan ambil nomor antrean biasa atau buat reservasi baru.")}</p></section>`;
  return `<section class="b-box b-how"><h2>${_("Saat tiba di MPP")}</h2>
    <ol><li>${_("Di kios, sentuh <strong>Sudah reservasi?</strong>")}</li>
    <li>${_("Pindai kode QR ini atau ketik kode reservasi.")}</li>
    <li>${_("Ambil tiket; Anda dipanggil sekitar jam reservasi.")}</li></ol>
    <p class="b-window">${_("Check-in")}: <strong>${esc(booking.checkin_opens)}–${esc(booking.checkin_closes)} ${zone}</strong></p></section>`;
}

function cancelPart() {
  if (booking.status !== "booked") return "";
  if (!confirming) return `<p class="b-cancel"><button type="button" class="b-btn b-btn-ghost" data-action="cancel">${_("Batalkan reservasi")}</button></p>`;
  return `<div class="b-box b-confirm" role="alertdialog" aria-labelledby="confirm-q"><p id="confirm-q">${_("Yakin membatalkan? Tempat Anda langsung diberikan kepada warga lain.")}</p>
    <div class="b-row"><button type="button" class="b-btn b-btn-danger" data-action="cancel-yes">${_("Ya, batalkan")}</button>
    <button type="button" class="b-btn b-btn-ghost" data-action="cancel-no">${_("Tidak")}</button></div></div>`;
}

function render() {
  document.documentElement.lang = lang();
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  document.getElementById("b-tagline").textContent = _("Reservasi antrean");
  document.getElementById("code-label").textContent = _("Kode reservasi");
  const pass = document.getElementById("pass");
  pass.className = `b-pass status-${booking.status}`;
  document.getElementById("pass-service").textContent = localized(booking, "service");
  document.getElementById("qr").hidden = booking.status !== "booked";
  document.getElementById("details").innerHTML = `
    <p class="b-badge b-badge-${booking.status}">${esc(t(STATUS[booking.status] || STATUS.booked))}</p>
    <p class="b-when"><strong>${esc(dayName(booking.date))}</strong><br>${_("pukul")} <strong>${esc(booking.start)}–${esc(booking.end)} ${zone}</strong></p>
    <dl class="b-who"><dt>${_("Nama")}</dt><dd>${esc(booking.name)}</dd><dt>${_("Ponsel")}</dt><dd>${esc(booking.phone)}</dd>
    ${booking.nik_last4 ? `<dt>NIK</dt><dd>•••• •••• •••• ${esc(booking.nik_last4)}</dd>` : ""}</dl>`;
  document.getElementById("extra").innerHTML = `${message ? `<p class="b-error" role="alert">${esc(message)}</p>` : ""}${statusPart()}${booking.status === "booked" ? requirements() : ""}${cancelPart()}
    <p class="b-links"><a href="/reservasi/">${_("Buat reservasi lain")}</a></p>`;
  document.title = `${_("Reservasi")} ${booking.code} — ${mpp.name}`;
}

async function cancel() {
  try {
    booking = await api(`/api/bookings/${encodeURIComponent(booking.token)}/cancel`, { method: "POST" });
    message = "";
    // The phone's list of its bookings (kept by the booking page) forgets a cancelled one.
    const mine = JSON.parse(localStorage.getItem("loket.mybookings") || "[]").filter((b) => b.token !== booking.token);
    localStorage.setItem("loket.mybookings", JSON.stringify(mine));
  } catch (err) {
    message = err.message;
    try {
      booking = await api(`/api/bookings/${encodeURIComponent(booking.token)}`);
    } catch (ignored) {
      // keep what is shown
    }
  }
  confirming = false;
  render();
}

document.getElementById("extra").addEventListener("click", (event) => {
  const action = event.target.closest("button")?.dataset.action;
  if (action === "cancel") confirming = true;
  if (action === "cancel-no") confirming = false;
  if (action === "cancel-yes") return cancel();
  if (action) render();
});

onLanguageButtons(render);

// Coming back to the tab later (after check-in, or past the window) shows the booking as it is now.
document.addEventListener("visibilitychange", async () => {
  if (document.visibilityState !== "visible" || booking.status !== "booked") return;
  try {
    booking = await api(`/api/bookings/${encodeURIComponent(booking.token)}`);
    render();
  } catch (ignored) {
    // offline: keep the page as it is
  }
});

render();
