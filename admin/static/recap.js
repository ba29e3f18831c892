// The printable daily recap: the same figures as the reports, one day on one sheet.
import { api, mppTime } from "/static/loket.js";
import { el, session } from "./common.js";
import { english, tr } from "./i18n.js";

const COLUMNS = [["name", "Nama"], ["issued", "Diambil"], ["served", "Dilayani"], ["no_show", "Tidak hadir"], ["transferred", "Dialihkan"],
  ["cancelled", "Batal"], ["wait_avg_min", "Tunggu rata-rata (mnt)"], ["wait_median_min", "Tunggu median"], ["service_avg_min", "Layanan rata-rata (mnt)"],
  ["within_promised_pct", "Tepat waktu (%)"]];
const fmt = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? v.toLocaleString(english() ? "en-GB" : "id-ID") : v);
const table = (rows) => el("table", { class: "data" }, el("thead", {}, el("tr", {}, COLUMNS.map(([, l]) => el("th", {}, tr(l))))),
  el("tbody", {}, rows.map((r) => el("tr", {}, COLUMNS.map(([k]) => el("td", {}, fmt(r[k])))))));

async function load(day) {
  const query = new URLSearchParams(location.search);
  if (day) query.set("from", day);
  query.delete("to");
  const data = await api(`/api/admin/reports/recap?${query}`);
  document.getElementById("recap-date").value = data.date;
  const when = mppTime(new Date(`${data.date}T12:00:00Z`), data.mpp.timezone);
  document.getElementById("recap-title").textContent = `${tr("Rekap harian")} ${data.mpp.name}`;
  document.getElementById("recap-sub").textContent = `${when.date}${data.agency ? ` · ${data.agency}` : ""}`;
  document.getElementById("recap-agencies").replaceChildren(table(data.agencies));
  document.getElementById("recap-services").replaceChildren(table(data.services));
  const made = mppTime(new Date(data.generated_at), data.mpp.timezone);
  document.getElementById("recap-foot").textContent = english()
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
