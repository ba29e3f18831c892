// Booking check-in at the counter console: the officer types (or scans) a citizen's booking code; the booking
// becomes a ticket in the service's queue at its slot time, as at the kiosk (POST /api/bookings/check-in).
import { api, esc, t } from "/static/loket.js";

const form = document.getElementById("booking-checkin");
const input = document.getElementById("booking-code");
const result = document.getElementById("booking-result");
const L = (id, en) => t({ id, en });

function labels() {
  form.querySelector("label").textContent = L("Check-in reservasi", "Booking check-in");
  form.querySelector("button span").textContent = L("Check-in", "Check in");
  input.placeholder = L("KODE", "CODE");
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
    show("ok", L(`Check-in berhasil: nomor <strong>${esc(ticket.number)}</strong> (${esc(ticket.service)}), ${ticket.ahead} di depannya.`,
      `Checked in: number <strong>${esc(ticket.number)}</strong> (${esc(ticket.service)}), ${ticket.ahead} ahead.`));
    input.value = "";
  } catch (err) {
    const number = err.body?.ticket?.number;
    show("bad", `${esc(err.message)}${number ? ` ${L("Nomor", "Number")}: <strong>${esc(number)}</strong>` : ""}`);
  } finally {
    form.querySelector("button").disabled = false;
  }
});

document.querySelector("[data-lang-switch]")?.addEventListener("click", () => setTimeout(labels, 0));
labels();
