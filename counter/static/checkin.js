// Booking check-in at the counter console: the officer types (or scans) a citizen's booking code; the booking
// becomes a ticket in the service's queue at its slot time, as at the kiosk (POST /api/bookings/check-in).
import { _, api, esc } from "/static/loket.js";

const form = document.getElementById("booking-checkin");
const input = document.getElementById("booking-code");
const result = document.getElementById("booking-result");

function labels() {
  form.querySelector("label").textContent = _("Check-in reservasi");
  form.querySelector("button span").textContent = _("Check-in");
  input.placeholder = _("KODE");
}

function show(kind, html) {
  result.className = `booking-result ${kind}`;
  result.innerHTML = html;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = input.value.trim();
  if (!code) return input.focus();
  form.querySelector("button").disabled = true;
  try {
    const { ticket } = await api("/api/bookings/check-in", { method: "POST", body: { code } });
    show("ok", _("Check-in berhasil: nomor <strong>{number}</strong> ({service}), {ahead} di depannya.", { number: esc(ticket.number), service: esc(ticket.service), ahead: ticket.ahead }));
    input.value = "";
  } catch (err) {
    const number = err.body?.ticket?.number;
    show("bad", `${esc(err.message)}${number ? ` ${_("Nomor")}: <strong>${esc(number)}</strong>` : ""}`);
  } finally {
    form.querySelector("button").disabled = false;
  }
});

document.querySelector("[data-lang-switch]")?.addEventListener("click", () => setTimeout(labels, 0));
labels();
