// The bookings card of the admin reports (/admin/reports): per service and day booked, checked in, expired
// (no-show), cancelled; and waiting of booked vs walk-in tickets. Its CSV is exactly this table.
import { api, lang, N_, NC_, t } from "/static/loket.js";
import { csvLink, el } from "/admin/static/common.js";

const page = document.getElementById("reports");
const filters = document.getElementById("filters");
const card = document.getElementById("bookings");
const COLUMNS = [
  ["date", NC_("admin", "Tanggal")], ["agency", NC_("admin", "Instansi")], ["service", N_("Layanan")], ["booked", NC_("admin", "Reservasi")],
  ["checked_in", NC_("admin", "Check-in")], ["expired", NC_("admin", "Tidak hadir (kedaluwarsa)")], ["cancelled", NC_("admin", "Dibatalkan")],
  ["upcoming", NC_("admin", "Akan datang")], ["wait_booked_avg_min", NC_("admin", "Tunggu reservasi (mnt)")],
  ["wait_walk_in_avg_min", NC_("admin", "Tunggu langsung (mnt)")],
];
NC_("admin", "Reservasi (booking) per layanan dan hari");
const SUMMARY = NC_("admin", "Reservasi: {booked} · check-in {checked_in} · tidak hadir {expired} · batal {cancelled}. Rata-rata tunggu: reservasi {booked_wait} mnt ({booked_called} dipanggil), langsung {walk_in_wait} mnt ({walk_in_called} dipanggil).");
const NONE = NC_("admin", "Belum ada reservasi pada rentang ini.");
const locale = () => (lang() === "en" ? "en-GB" : "id-ID");
const fmt = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? v.toLocaleString(locale()) : v);
// Day first in every language ("25 Nov 2026"), never the 11/25 of an American locale.
const day = (iso) => new Intl.DateTimeFormat(locale(), { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));

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
    const values = { ...Object.fromEntries(totals), booked_wait: wait.booking.wait_avg_min, booked_called: wait.booking.called,
      walk_in_wait: wait.walk_in.wait_avg_min, walk_in_called: wait.walk_in.called };
    const summary = el("p", { class: "booking-summary" }, t(SUMMARY).replace(/\{(\w+)\}/g, (_, k) => fmt(values[k])));
    const cell = (r, key) => (key === "date" && r.date ? day(r.date) : fmt(r[key]));
    const table = el("table", { class: "data" },
      el("thead", {}, el("tr", {}, COLUMNS.map(([key, label]) => el("th", { dataset: { col: key } }, t(label))))),
      el("tbody", {}, rows.length ? rows.map((r) => el("tr", {}, COLUMNS.map(([key]) => el("td", { dataset: { col: key } }, cell(r, key)))))
        : [el("tr", {}, el("td", { colspan: String(COLUMNS.length) }, t(NONE)))]));
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
