// Reports: every chart has its table underneath and a CSV of exactly that table from the same API.
import { api, lang, localDate, mppDay, N_, NC_, pgettext, t } from "/static/loket.js";
import { csvLink, el, mpp, session } from "./common.js";
import { start as startManagement } from "./management.js";

// This page's own words (the template's are translated by translateTree through the same marks).
NC_("admin", "Sekilas");
NC_("admin", "Per jam pada hari yang dipilih");
NC_("admin", "Menunggu sekarang");
NC_("admin", "Tunggu terlama sekarang");
NC_("admin", "Nomor diambil");
NC_("admin", "Tepat waktu");
NC_("admin", "dari {n} dengan janji waktu");
NC_("admin", "IKM");
NC_("admin", "Laporan IKM lengkap");
NC_("admin", "hh/bb/tttt");
NC_("admin", "Pilih tanggal");
NC_("admin", "Tanggal ditulis hari/bulan/tahun, misalnya 25/11/2026.");
NC_("admin", "{n} responden");
NC_("admin", "mnt");
NC_("admin", "Jam");
NC_("admin", "Jumlah tiket");
NC_("admin", "Grafik per jam: diambil, dilayani, menunggu");
NC_("admin", "Sampel IKM belum cukup: {respondents} responden, minimal {minimum} untuk {population} warga yang dilayani (tabel Krejcie-Morgan, PermenPANRB 14/2017). Nilai IKM belum dapat dipakai sebagai kesimpulan.");
NC_("admin", "Jam dalam zona MPP ({zone})");
NC_("admin", "nomor");
NC_("admin", "menit");

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

const fill = (text, values) => t(text).replace(/\{(\w+)\}/g, (_, k) => fmt(values[k]));
// Dates read day first in every language: "Rabu, 25 November 2026", "Wednesday, 25 November 2026".
const period = (from, to) => (from === to ? localDate(from) : `${localDate(from)} – ${localDate(to)}`);

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
    options: { scales: { y: { stacked: false, title: { display: true, text: pgettext("admin", "nomor") } }, minutes: { position: "right", title: { display: true, text: pgettext("admin", "menit") }, grid: { drawOnChartArea: false } } } } });
  document.querySelector("#summary .table-box").replaceChildren(table(columns, rows), csvLink(`/api/admin/reports/summary?${params({ group, format: "csv" })}`));
}

async function loadHeatmap() {
  const { cells, timezone } = await api(`/api/admin/reports/heatmap?${params()}`);
  const hours = [...Array(24).keys()].filter((h) => cells.some((row) => row[h] > 0));
  const shown = hours.length ? hours : [...Array(24).keys()].slice(7, 17);
  const max = Math.max(1, ...cells.flat());
  draw("heatmap-chart", { type: "bar", data: { labels: shown.map((h) => `${String(h).padStart(2, "0")}:00`),
    datasets: DAYS.map((d, i) => ({ label: t(d), data: shown.map((h) => cells[i][h]), backgroundColor: `hsl(${210 + i * 20} 60% ${35 + i * 6}%)` })) },
    options: { plugins: { title: { display: true, text: fill(NC_("admin", "Jam dalam zona MPP ({zone})"), { zone: timezone }) } } } });
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

// The figures a manager reads first. IKM comes from the survey's own report for the same period and scope.
async function loadHeadline() {
  const [h, ikm] = await Promise.all([
    api(`/api/admin/reports/headline?${params()}`),
    api(`/api/reports/ikm?${params()}`).catch(() => null),
  ]);
  document.getElementById("headline-period").textContent = period(h.from, h.to);
  const figure = (key, label, value, note = "", warn = false) =>
    el("dl", { class: `figure${warn ? " warn" : ""}`, dataset: { figure: key } }, el("dt", {}, t(label)), el("dd", {}, value, note ? el("small", {}, note) : null));
  const sample = ikm?.sample;
  const short = sample && ikm.respondents && !sample.enough;
  document.getElementById("figures").replaceChildren(
    figure("waiting_now", NC_("admin", "Menunggu sekarang"), fmt(h.waiting_now)),
    figure("longest_wait_min", NC_("admin", "Tunggu terlama sekarang"), fmt(h.longest_wait_min), pgettext("admin", "mnt")),
    figure("issued", NC_("admin", "Nomor diambil"), fmt(h.issued)),
    figure("served", NC_("admin", "Dilayani"), fmt(h.served)),
    figure("no_show", NC_("admin", "Tidak hadir"), fmt(h.no_show)),
    figure("within_promised_pct", NC_("admin", "Tepat waktu"), h.within_promised_pct === null ? "—" : `${fmt(h.within_promised_pct)} %`, h.promised_n ? fill(NC_("admin", "dari {n} dengan janji waktu"), { n: h.promised_n }) : ""),
    figure("ikm", NC_("admin", "IKM"), ikm?.converted == null ? "—" : `${fmt(ikm.converted)} ${ikm.grade}`, ikm ? fill(NC_("admin", "{n} responden"), { n: ikm.respondents }) : "", short),
  );
  const ikmFigure = document.querySelector("[data-figure=ikm] dd");
  ikmFigure.append(el("a", { class: "more", href: `/admin/ikm?${params()}` }, pgettext("admin", "Laporan IKM lengkap")));
  const warning = document.getElementById("sample-warning");
  warning.hidden = !short;
  warning.textContent = short ? fill(NC_("admin", "Sampel IKM belum cukup: {respondents} responden, minimal {minimum} untuk {population} warga yang dilayani (tabel Krejcie-Morgan, PermenPANRB 14/2017). Nilai IKM belum dapat dipakai sebagai kesimpulan."), { respondents: ikm.respondents, minimum: sample.minimum, population: sample.population }) : "";
}

// The period's dates typed day first (25/11/2026, 25-11-2026, 25/11 this year) or picked on the browser's
// calendar; the hidden native fields keep the ISO date the API and the CSV links read.
function dayFields(today) {
  const shown = (iso) => (iso ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : "");
  const parse = (text) => {
    const iso = text.trim().match(/^(\d{4})-(\d{2})-(\d{2})$/);
    if (iso) return text.trim();
    const m = text.trim().match(/^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$/);
    if (!m) return null;
    const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3] || today.slice(0, 4))];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return null;
    return date.toISOString().slice(0, 10);
  };
  for (const field of filters.querySelectorAll("[data-day]")) {
    const native = filters.elements[field.dataset.day];
    field.placeholder = pgettext("admin", "hh/bb/tttt");
    field.value = shown(native.value);
    field.addEventListener("change", () => {
      const iso = parse(field.value);
      field.setAttribute("aria-invalid", String(!iso));
      if (iso) {
        native.value = iso;
        field.value = shown(iso);
      }
      document.getElementById("report-error").textContent = iso ? "" : pgettext("admin", "Tanggal ditulis hari/bulan/tahun, misalnya 25/11/2026.");
    });
    native.addEventListener("change", () => {
      field.value = shown(native.value);
      field.setAttribute("aria-invalid", "false");
    });
  }
  for (const button of filters.querySelectorAll("[data-pick]")) {
    button.append(el("span", { class: "calendar", "aria-hidden": "true" }));
    button.setAttribute("aria-label", pgettext("admin", "Pilih tanggal"));
    button.addEventListener("click", () => filters.elements[button.dataset.pick].showPicker?.());
  }
}

const SERIES = [["issued", NC_("admin", "Diambil"), "#0b5394"], ["served", NC_("admin", "Dilayani"), "#1b7f3b"], ["waiting", NC_("admin", "Menunggu"), "#b26a00"]];
const SVG = "http://www.w3.org/2000/svg";
const svg = (tag, attrs = {}, text = null) => {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
};

// Issued, served and waiting per hour as three lines, drawn here (no chart library): the hours of the
// day that had any ticket, labelled in the MPP's zone; hours still to come are left out of the lines.
function hourChart(hours, zone) {
  const active = hours.filter((h) => h.issued || h.served || h.waiting);
  // an hour either side, so a day of one busy hour still reads as a line over time
  const shown = active.length ? hours.slice(Math.max(active[0].hour - 1, 0), Math.min(active.at(-1).hour + 2, 24)) : hours.slice(7, 17);
  const W = 960, H = 300, left = 52, right = 16, top = 16, bottom = 48;
  const max = Math.max(1, ...shown.flatMap((h) => SERIES.map(([k]) => h[k] || 0)));
  const step = Math.max(1, Math.ceil(max / 5));
  const ceiling = step * Math.ceil(max / step);
  const x = (i) => left + (shown.length === 1 ? (W - left - right) / 2 : (i * (W - left - right)) / (shown.length - 1));
  const y = (v) => top + (H - top - bottom) * (1 - v / ceiling);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": pgettext("admin", "Grafik per jam: diambil, dilayani, menunggu") });
  for (let v = 0; v <= ceiling; v += step) {
    chart.append(svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: "#e1e6eb" }));
    chart.append(svg("text", { x: left - 8, y: y(v) + 4, "text-anchor": "end" }, fmt(v)));
  }
  shown.forEach((h, i) => chart.append(svg("text", { x: x(i), y: H - bottom + 18, "text-anchor": "middle" }, `${String(h.hour).padStart(2, "0")}.00`)));
  chart.append(svg("text", { x: (left + W - right) / 2, y: H - 6, "text-anchor": "middle" }, `${pgettext("admin", "Jam")} (${zone})`));
  chart.append(svg("text", { x: 14, y: (top + H - bottom) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(top + H - bottom) / 2})` }, pgettext("admin", "Jumlah tiket")));
  for (const [key, , color] of SERIES) {
    const points = shown.map((h, i) => (h.waiting === null ? null : `${x(i).toFixed(1)},${y(h[key]).toFixed(1)}`)).filter(Boolean);
    if (!points.length) continue;
    chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: color, "stroke-width": 3, "stroke-linejoin": "round", "data-series": key }));
    points.forEach((p) => { const [cx, cy] = p.split(","); chart.append(svg("circle", { cx, cy, r: 3.5, fill: color })); });
  }
  const legend = el("ul", { class: "legend" }, SERIES.map(([, label, color]) => {
    const item = el("li", {}, t(label));
    item.style.setProperty("--swatch", color);
    return item;
  }));
  return [chart, legend];
}

async function loadHours() {
  const data = await api(`/api/admin/reports/hours?${params()}`);
  document.getElementById("hours-period").textContent = localDate(data.date);
  document.getElementById("hours-chart").replaceChildren(...hourChart(data.hours, data.timezone));
  const rows = data.hours.filter((h) => h.issued || h.served || h.waiting).map((h) => ({ ...h, hour: `${String(h.hour).padStart(2, "0")}.00` }));
  document.querySelector("#hours .table-box").replaceChildren(
    table([["hour", NC_("admin", "Jam")], ["issued", NC_("admin", "Diambil")], ["served", NC_("admin", "Dilayani")], ["waiting", NC_("admin", "Menunggu")]], rows),
    csvLink(`/api/admin/reports/hours?${params({ format: "csv" })}`));
}

async function loadAll() {
  const error = document.getElementById("report-error");
  error.textContent = "";
  document.getElementById("recap-link").href = `/admin/reports/recap?${params({ to: "" })}`;
  try {
    await Promise.all([loadHeadline(), loadHours(), loadLive(), loadSummary(), loadHeatmap(), loadMonth()]);
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
const today = mppDay((await mpp()).timezone);
filters.elements.from.value = query.get("from") || today;
filters.elements.to.value = query.get("to") || today;
dayFields(today);
if (query.get("agency_id")) select.value = query.get("agency_id");
document.getElementById("group").value = query.get("group") || "agency";
document.getElementById("month-input").value = query.get("month") || filters.elements.from.value.slice(0, 7);
filters.onsubmit = (event) => {
  event.preventDefault();
  if (filters.querySelector("[data-day][aria-invalid=true]")) return;
  loadAll();
};
document.getElementById("group").onchange = () => loadSummary().catch((err) => { document.getElementById("report-error").textContent = err.message; });
document.getElementById("month-input").onchange = () => loadMonth().catch((err) => { document.getElementById("report-error").textContent = err.message; });
await loadAll();
await startManagement();
page.dataset.ready = "1";
