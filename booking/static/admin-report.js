// The bookings card of the admin reports (/admin/reports): per service and day booked, checked in, expired
// (no-show), cancelled; and waiting of booked vs walk-in tickets. Its CSV is exactly this table.
import { api } from "/static/loket.js";
import { csvLink, el } from "/admin/static/common.js";

const page = document.getElementById("reports");
const filters = document.getElementById("filters");
const card = document.getElementById("bookings");
const COLUMNS = [
  ["date", "Tanggal"], ["agency", "Instansi"], ["service", "Layanan"], ["booked", "Reservasi"], ["checked_in", "Check-in"],
  ["expired", "Tidak hadir (kedaluwarsa)"], ["cancelled", "Dibatalkan"], ["upcoming", "Akan datang"],
  ["wait_booked_avg_min", "Tunggu reservasi (mnt)"], ["wait_walk_in_avg_min", "Tunggu langsung (mnt)"],
];
const fmt = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? v.toLocaleString("id-ID") : v);

function params(extra = {}) {
  const data = Object.fromEntries(new FormData(filters));
  if (filters.elements.agency_id.disabled) data.agency_id = filters.elements.agency_id.value;
  return new URLSearchParams(Object.entries({ ...data, ...extra }).filter(([, v]) => v !== ""));
}

async function load() {
  const box = card.querySelector(".table-box");
  try {
    const data = await api(`/api/admin/reports/bookings?${params()}`);
    const rows = data.rows;
    const totals = COLUMNS.slice(3, 8).map(([key]) => [key, rows.reduce((sum, r) => sum + (r[key] || 0), 0)]);
    const wait = data.waiting;
    const summary = el("p", { class: "booking-summary" },
      `Reservasi: ${fmt(Object.fromEntries(totals).booked)} · check-in ${fmt(Object.fromEntries(totals).checked_in)} · tidak hadir ${fmt(Object.fromEntries(totals).expired)} · batal ${fmt(Object.fromEntries(totals).cancelled)}.`
      + ` Rata-rata tunggu: reservasi ${fmt(wait.booking.wait_avg_min)} mnt (${fmt(wait.booking.called)} dipanggil), langsung ${fmt(wait.walk_in.wait_avg_min)} mnt (${fmt(wait.walk_in.called)} dipanggil).`);
    const table = el("table", { class: "data" },
      el("thead", {}, el("tr", {}, COLUMNS.map(([key, label]) => el("th", { dataset: { col: key } }, label)))),
      el("tbody", {}, rows.length ? rows.map((r) => el("tr", {}, COLUMNS.map(([key]) => el("td", { dataset: { col: key } }, fmt(r[key])))))
        : [el("tr", {}, el("td", { colspan: String(COLUMNS.length) }, "Belum ada reservasi pada rentang ini."))]));
    box.replaceChildren(summary, table, csvLink(`/api/admin/reports/bookings?${params({ format: "csv" })}`));
  } catch (err) {
    box.replaceChildren(el("p", { class: "form-error" }, err.message));
  }
}

if (page && filters && card) {
  filters.addEventListener("submit", () => setTimeout(load, 0));
  // reports.js fills the filters (dates, the supervisor's agency) before it marks the page ready.
  const ready = () => page.dataset.ready === "1";
  if (ready()) load();
  else new MutationObserver((_, observer) => { if (ready()) { observer.disconnect(); load(); } }).observe(page, { attributes: true });
}
