// Reports: every chart has its table underneath and a CSV of exactly that table from the same API.
import { api, lang, N_, NC_, pgettext, t } from "/static/loket.js";
import { csvLink, el, session } from "./common.js";
import { start as startManagement } from "./management.js";

const page = document.getElementById("reports");
const filters = document.getElementById("filters");
const charts = {};
const DAYS = [N_("Senin"), N_("Selasa"), N_("Rabu"), N_("Kamis"), N_("Jumat"), N_("Sabtu"), N_("Minggu")];
const SUMMARY_COLUMNS = [
  ["name", NC_("admin", "Nama")], ["issued", NC_("admin", "Diambil")], ["served", NC_("admin", "Dilayani")], ["no_show", NC_("admin", "Tidak hadir")], ["transferred", NC_("admin", "Dialihkan")], ["cancelled", NC_("admin", "Batal")],
  ["unfinished", NC_("admin", "Belum selesai")], ["wait_avg_min", NC_("admin", "Tunggu rata-rata (mnt)")], ["wait_median_min", NC_("admin", "Tunggu median")], ["wait_p90_min", NC_("admin", "Tunggu P90")],
  ["service_avg_min", NC_("admin", "Layanan rata-rata (mnt)")], ["service_median_min", NC_("admin", "Layanan median")], ["service_p90_min", NC_("admin", "Layanan P90")],
  ["within_promised_pct", NC_("admin", "Tepat waktu (%)")], ["quota", NC_("admin", "Kuota/hari")], ["quota_use_pct", NC_("admin", "Pemakaian kuota (%)")], ["quota_full_days", NC_("admin", "Hari kuota habis")],
];

const fmt = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? v.toLocaleString(lang() === "en" ? "en-GB" : "id-ID") : v);

function table(columns, rows) {
  return el("table", { class: "data" },
    el("thead", {}, el("tr", {}, columns.map(([key, label]) => el("th", { dataset: { col: key } }, t(label))))),
    el("tbody", {}, rows.map((r) => el("tr", {}, columns.map(([key]) => el("td", { dataset: { col: key } }, fmt(r[key])))))));
}

function draw(id, config) {
  charts[id]?.destroy();
  charts[id] = new Chart(document.getElementById(id), { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
}

function params(extra = {}) {
  const data = Object.fromEntries(new FormData(filters));
  return new URLSearchParams(Object.entries({ ...data, ...extra }).filter(([, v]) => v !== ""));
}

async function loadLive() {
  const { rows } = await api(`/api/admin/reports/live?${params()}`);
  draw("live-chart", { type: "bar", data: { labels: rows.map((r) => r.name), datasets: [
    { label: pgettext("admin", "Menunggu"), data: rows.map((r) => r.waiting), backgroundColor: "#0b5394" },
    { label: pgettext("admin", "Sedang dilayani"), data: rows.map((r) => r.serving), backgroundColor: "#e69138" }] } });
  const box = document.querySelector("#live .table-box");
  box.replaceChildren(table([["name", NC_("admin", "Instansi")], ["waiting", NC_("admin", "Menunggu")], ["serving", NC_("admin", "Sedang dilayani")], ["longest_wait_min", NC_("admin", "Tunggu terlama (mnt)")], ["open_counters", NC_("admin", "Loket buka")]], rows),
    csvLink(`/api/admin/reports/live?${params({ format: "csv" })}`));
}

async function loadSummary() {
  const group = document.getElementById("group").value;
  const { rows } = await api(`/api/admin/reports/summary?${params({ group })}`);
  const columns = SUMMARY_COLUMNS.filter(([k]) => (group === "service" || !k.startsWith("quota")) && !(k === "issued" && ["counter", "officer"].includes(group)));
  draw("summary-chart", { type: "bar", data: { labels: rows.map((r) => r.name), datasets: [
    { label: pgettext("admin", "Dilayani"), data: rows.map((r) => r.served), backgroundColor: "#1b7f3b" },
    { label: pgettext("admin", "Tidak hadir"), data: rows.map((r) => r.no_show), backgroundColor: "#b3261e" },
    { label: pgettext("admin", "Dialihkan"), data: rows.map((r) => r.transferred), backgroundColor: "#e69138" },
    { label: pgettext("admin", "Tunggu median (mnt)"), data: rows.map((r) => r.wait_median_min), type: "line", yAxisID: "minutes", borderColor: "#0b5394" }] },
    options: { scales: { y: { stacked: false, title: { display: true, text: "nomor" } }, minutes: { position: "right", title: { display: true, text: "menit" }, grid: { drawOnChartArea: false } } } } });
  document.querySelector("#summary .table-box").replaceChildren(table(columns, rows), csvLink(`/api/admin/reports/summary?${params({ group, format: "csv" })}`));
}

async function loadHeatmap() {
  const { cells, timezone } = await api(`/api/admin/reports/heatmap?${params()}`);
  const hours = [...Array(24).keys()].filter((h) => cells.some((row) => row[h] > 0));
  const shown = hours.length ? hours : [...Array(24).keys()].slice(7, 17);
  const max = Math.max(1, ...cells.flat());
  draw("heatmap-chart", { type: "bar", data: { labels: shown.map((h) => `${String(h).padStart(2, "0")}:00`),
    datasets: DAYS.map((d, i) => ({ label: t(d), data: shown.map((h) => cells[i][h]), backgroundColor: `hsl(${210 + i * 20} 60% ${35 + i * 6}%)` })) },
    options: { plugins: { title: { display: true, text: `Jam dalam zona MPP (${timezone})` } } } });
  const rows = DAYS.map((d, i) => ({ day: t(d), ...Object.fromEntries(shown.map((h) => [h, cells[i][h]])) }));
  const grid = table([["day", NC_("admin", "Hari")], ...shown.map((h) => [h, String(h).padStart(2, "0")])], rows);
  grid.classList.add("heat");
  grid.querySelectorAll("tbody td:not(:first-child)").forEach((td) => {
    const n = Number(td.textContent.replace(/\./g, "")) || 0;
    td.style.background = `rgba(11, 83, 148, ${(n / max) * 0.85})`;
    if (n / max > 0.5) td.style.color = "#fff";
  });
  document.querySelector("#heatmap .table-box").replaceChildren(grid, csvLink(`/api/admin/reports/heatmap?${params({ format: "csv" })}`));
}

async function loadMonth() {
  const month = document.getElementById("month-input").value;
  const data = await api(`/api/admin/reports/month?${params({ month })}`);
  const agencies = data.rows.filter((r) => r.kind === "agency");
  draw("month-chart", { type: "line", data: { labels: data.days.map((d) => Number(d.slice(8))),
    datasets: agencies.map((r) => ({ label: r.name, data: r.days })) } });
  const rows = data.rows.map((r) => ({ name: r.kind === "agency" ? r.name : `  ${r.name}`, total: r.total, ...Object.fromEntries(r.days.map((n, i) => [i, n])) }));
  const grid = table([["name", NC_("admin", "Instansi / layanan")], ...data.days.map((d, i) => [i, d.slice(8)]), ["total", NC_("admin", "Jumlah")]], rows);
  grid.classList.add("month");
  data.rows.forEach((r, i) => { if (r.kind === "agency") grid.tBodies[0].rows[i].classList.add("agency-row"); });
  document.querySelector("#month .table-box").replaceChildren(grid, csvLink(`/api/admin/reports/month?${params({ month, format: "csv" })}`));
}

async function loadAll() {
  const error = document.getElementById("report-error");
  error.textContent = "";
  document.getElementById("recap-link").href = `/admin/reports/recap?${params({ to: "" })}`;
  try {
    await Promise.all([loadLive(), loadSummary(), loadHeatmap(), loadMonth()]);
  } catch (err) {
    error.textContent = err.message;
  }
}

const user = await session();
page.hidden = false;
const { items } = await api("/api/admin/agencies");
const select = filters.elements.agency_id;
items.forEach((a) => select.append(el("option", { value: a.id }, `${a.code} — ${a.name}`)));
if (user.role !== "admin") { select.value = String(user.agency_id); select.disabled = true; }
const query = new URLSearchParams(location.search);
const today = new Date().toLocaleDateString("en-CA", { timeZone: (await api("/api/mpp")).timezone });
filters.elements.from.value = query.get("from") || today;
filters.elements.to.value = query.get("to") || today;
if (query.get("agency_id")) select.value = query.get("agency_id");
document.getElementById("group").value = query.get("group") || "agency";
document.getElementById("month-input").value = query.get("month") || filters.elements.from.value.slice(0, 7);
filters.onsubmit = (event) => { event.preventDefault(); loadAll(); };
document.getElementById("group").onchange = () => loadSummary().catch((err) => { document.getElementById("report-error").textContent = err.message; });
document.getElementById("month-input").onchange = () => loadMonth().catch((err) => { document.getElementById("report-error").textContent = err.message; });
await loadAll();
await startManagement();
page.dataset.ready = "1";
