// The booking page (/reservasi/<token>): the code and its QR for the kiosk, the slot, what to bring, cancel.
import { api, esc, lang, setLang, t } from "/static/loket.js";

const L = (id, en) => t({ id, en });
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
  booked: { id: "Terjadwal", en: "Booked" },
  checked_in: { id: "Sudah check-in", en: "Checked in" },
  cancelled: { id: "Dibatalkan", en: "Cancelled" },
  expired: { id: "Kedaluwarsa (tidak hadir)", en: "Expired (no-show)" },
};

function requirements() {
  const parts = String(booking.requirements || "").split(/;\s*/).filter(Boolean);
  if (!parts.length && !booking.fee) return "";
  return `<section class="b-box"><h2>${L("Yang perlu dibawa", "What to bring")}</h2>
    ${parts.length ? `<ul>${parts.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>` : ""}
    ${booking.fee ? `<p><strong>${L("Biaya", "Fee")}:</strong> ${esc(booking.fee)}</p>` : ""}</section>`;
}

function statusPart() {
  if (booking.status === "checked_in" && booking.ticket) {
    return `<section class="b-box b-box-ok"><p>${L("Nomor antrean Anda", "Your queue number")}</p>
      <p class="b-ticket-number">${esc(booking.ticket.number)}</p>
      <a class="b-btn b-btn-primary" href="/t/${encodeURIComponent(booking.ticket.token)}" rel="noreferrer">${L("Pantau antrean", "Follow the queue")}</a></section>`;
  }
  if (booking.status === "cancelled") return `<section class="b-box b-box-bad"><p>${L("Reservasi ini sudah dibatalkan; tempatnya kini terbuka untuk warga lain.", "This booking was cancelled; its place is open to others now.")}</p></section>`;
  if (booking.status === "expired") return `<section class="b-box b-box-bad"><p>${L("Waktu check-in sudah lewat. Silakan ambil nomor antrean biasa atau buat reservasi baru.", "The check-in time has passed. Please take a regular ticket or book again.")}</p></section>`;
  return `<section class="b-box b-how"><h2>${L("Saat tiba di MPP", "When you arrive")}</h2>
    <ol><li>${L("Di kios, sentuh <strong>Sudah reservasi?</strong>", "At the kiosk, touch <strong>Already booked?</strong>")}</li>
    <li>${L("Pindai kode QR ini atau ketik kode reservasi.", "Scan this QR code or type the booking code.")}</li>
    <li>${L("Ambil tiket; Anda dipanggil sekitar jam reservasi.", "Take your ticket; you are called around your booked time.")}</li></ol>
    <p class="b-window">${L("Check-in", "Check-in")}: <strong>${esc(booking.checkin_opens)}–${esc(booking.checkin_closes)} ${zone}</strong></p></section>`;
}

function cancelPart() {
  if (booking.status !== "booked") return "";
  if (!confirming) return `<p class="b-cancel"><button type="button" class="b-btn b-btn-ghost" data-action="cancel">${L("Batalkan reservasi", "Cancel booking")}</button></p>`;
  return `<div class="b-box b-confirm" role="alertdialog" aria-labelledby="confirm-q"><p id="confirm-q">${L("Yakin membatalkan? Tempat Anda langsung diberikan kepada warga lain.", "Cancel for sure? Your place goes to someone else at once.")}</p>
    <div class="b-row"><button type="button" class="b-btn b-btn-danger" data-action="cancel-yes">${L("Ya, batalkan", "Yes, cancel")}</button>
    <button type="button" class="b-btn b-btn-ghost" data-action="cancel-no">${L("Tidak", "No")}</button></div></div>`;
}

function render() {
  document.documentElement.lang = lang();
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  document.getElementById("b-tagline").textContent = L("Reservasi antrean", "Queue booking");
  document.getElementById("code-label").textContent = L("Kode reservasi", "Booking code");
  const pass = document.getElementById("pass");
  pass.className = `b-pass status-${booking.status}`;
  document.getElementById("qr").hidden = booking.status !== "booked";
  document.getElementById("details").innerHTML = `
    <p class="b-badge b-badge-${booking.status}">${esc(t(STATUS[booking.status] || STATUS.booked))}</p>
    <p class="b-when"><strong>${esc(dayName(booking.date))}</strong><br>${L("pukul", "at")} <strong>${esc(booking.start)}–${esc(booking.end)} ${zone}</strong></p>
    <dl class="b-who"><dt>${L("Nama", "Name")}</dt><dd>${esc(booking.name)}</dd><dt>${L("Ponsel", "Mobile")}</dt><dd>${esc(booking.phone)}</dd>
    ${booking.nik_last4 ? `<dt>NIK</dt><dd>•••• •••• •••• ${esc(booking.nik_last4)}</dd>` : ""}</dl>`;
  document.getElementById("extra").innerHTML = `${message ? `<p class="b-error" role="alert">${esc(message)}</p>` : ""}${statusPart()}${booking.status === "booked" ? requirements() : ""}${cancelPart()}
    <p class="b-links"><a href="/reservasi/">${L("Buat reservasi lain", "Make another booking")}</a></p>`;
  document.title = `${L("Reservasi", "Booking")} ${booking.code} — ${mpp.name}`;
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

for (const b of document.querySelectorAll("[data-lang]")) {
  b.addEventListener("click", () => {
    setLang(b.dataset.lang);
    const url = new URL(location.href);
    url.searchParams.delete("lang");
    history.replaceState(null, "", url);
    render();
  });
}

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
