// The printable daily recap: the same figures as the reports, one day on one sheet.
import { api, lang, mppTime, NC_, pgettext, t } from "/static/loket.js";
import { el, session } from "./common.js";

const COLUMNS = [["name", NC_("admin", "Nama")], ["issued", NC_("admin", "Diambil")], ["served", NC_("admin", "Dilayani")], ["no_show", NC_("admin", "Tidak hadir")], ["transferred", NC_("admin", "Dialihkan")],
  ["cancelled", NC_("admin", "Batal")], ["wait_avg_min", NC_("admin", "Tunggu rata-rata (mnt)")], ["wait_median_min", NC_("admin", "Tunggu median")], ["service_avg_min", NC_("admin", "Layanan rata-rata (mnt)")],
  ["within_promised_pct", NC_("admin", "Tepat waktu (%)")]];
const fmt = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? v.toLocaleString(lang() === "en" ? "en-GB" : "id-ID") : v);
const table = (rows) => el("table", { class: "data" }, el("thead", {}, el("tr", {}, COLUMNS.map(([, l]) => el("th", {}, t(l))))),
  el("tbody", {}, rows.map((r) => el("tr", {}, COLUMNS.map(([k]) => el("td", {}, fmt(r[k])))))));

async function load(day) {
  const query = new URLSearchParams(location.search);
  if (day) query.set("from", day);
  query.delete("to");
  const data = await api(`/api/admin/reports/recap?${query}`);
  document.getElementById("recap-date").value = data.date;
  const when = mppTime(new Date(`${data.date}T12:00:00Z`), data.mpp.timezone);
  document.getElementById("recap-title").textContent = `${pgettext("admin", "Rekap harian")} ${data.mpp.name}`;
  document.getElementById("recap-sub").textContent = `${when.date}${data.agency ? ` · ${data.agency}` : ""}`;
  document.getElementById("recap-agencies").replaceChildren(table(data.agencies));
  document.getElementById("recap-services").replaceChildren(table(data.services));
  const made = mppTime(new Date(data.generated_at), data.mpp.timezone);
  document.getElementById("recap-foot").textContent = lang() === "en"
    ? `Made ${made.date} ${made.time} ${made.zone} by Loket.`
    : `Dibuat ${made.date} ${made.time} ${made.zone} oleh Loket.`;
}

await session();
document.getElementById("recap").hidden = false;
document.getElementById("recap-date").onchange = (e) => load(e.target.value);
document.getElementById("recap-print").onclick = () => window.print(); // no inline handler: the page runs under a CSP
await load();

// The print button (no inline handler: the Content-Security-Policy allows no inline script).
document.getElementById("print")?.addEventListener("click", () => window.print());
