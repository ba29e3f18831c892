// The management day on the reports page (issue 24): standards now (live, with the alert banner),
// attendance by agency and hour, the hours "tidak terwakili", and the share served within target by day.
import { api, lang, live, mppTime, NC_, pgettext, t } from "/static/loket.js";
import { csvLink, el, mpp } from "./common.js";
import { heatGrid, percentBars } from "./svgchart.js";

const filters = document.getElementById("filters");
const fmt = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? v.toLocaleString(lang() === "en" ? "en-GB" : "id-ID") : v);
let tz = "Asia/Jakarta";
const hhmm = (instant) => (instant ? mppTime(new Date(instant), tz).time : "—");

function table(columns, rows, rowClass = () => "") {
  return el("table", { class: "data" },
    el("thead", {}, el("tr", {}, columns.map(([key, label]) => el("th", { dataset: { col: key } }, t(label))))),
    el("tbody", {}, rows.map((r) => el("tr", { class: rowClass(r) || undefined }, columns.map(([key]) => el("td", { dataset: { col: key } }, fmt(r[key])))))));
}

function params(extra = {}) {
  const data = Object.fromEntries(new FormData(filters));
  const month = document.getElementById("month-input").value;
  return new URLSearchParams(Object.entries({ agency_id: data.agency_id || "", month, ...extra }).filter(([, v]) => v !== ""));
}

const box = (id) => document.querySelector(`#${id} .table-box`);
const fail = (err) => { document.getElementById("report-error").textContent = err.message; };

// ---------------------------------------------------------------- now: standards and alerts

const alerts = new Map();

function drawAlerts() {
  document.getElementById("standard-alerts").replaceChildren(...[...alerts.values()].map((a) => el("p", { class: "alert-banner", dataset: { alert: a.id } },
    `⚠ ${a.service} (${a.agency}): ${a.tickets} ${(a.kind === "wait" ? pgettext("admin", "warga menunggu lebih dari target") : pgettext("admin", "warga dilayani lebih dari target"))} ${a.target_minutes} ${pgettext("admin", "menit")} · ${pgettext("admin", "sejak")} ${hhmm(a.started_at)}`)));
}

async function loadStandardsNow() {
  const data = await api(`/api/admin/reports/standards-live?${params({ month: "" })}`);
  alerts.clear();
  for (const a of data.alerts) alerts.set(a.id, a);
  drawAlerts();
  box("standards-now").replaceChildren(table([
    ["agency", NC_("admin", "Instansi")], ["name", NC_("admin", "Layanan")], ["wait_target_minutes", NC_("admin", "Target tunggu (mnt)")], ["waiting", NC_("admin", "Menunggu")],
    ["waiting_beyond_target", NC_("admin", "Lewat target")], ["longest_wait_minutes", NC_("admin", "Tunggu terlama (mnt)")], ["open_counters", NC_("admin", "Loket buka")],
    ["projected_unserved", NC_("admin", "Tak terlayani sebelum tutup (perkiraan)")],
  ], data.services, (r) => (r.waiting_beyond_target ? "breach" : "")));
}

function soon() {
  clearTimeout(soon.timer);
  soon.timer = setTimeout(() => loadStandardsNow().catch(fail), 1500);
}

// ---------------------------------------------------------------- month: attendance and standards

async function loadAttendance() {
  const data = await api(`/api/admin/reports/attendance?${params()}`);
  const hours = [...new Set(data.hours.flatMap((a) => Object.keys(a.hours)))].sort();
  const chart = document.getElementById("attendance-chart");
  chart.replaceChildren(data.hours.length
    ? heatGrid({ rows: data.hours.map((a) => a.agency), columns: hours, values: data.hours.map((a) => hours.map((h) => a.hours[h] ?? null)),
      label: pgettext("admin", "Kehadiran per instansi dan jam (% hari ada loket buka)") })
    : el("p", { class: "empty" }, pgettext("admin", "Belum ada data.")));
  const officers = data.officers.map((r) => ({ ...r, first: hhmm(r.first_opened), last: hhmm(r.last_closed),
    breaks_text: r.breaks.map((b) => `${b.reason} ${fmt(b.minutes)}`).join(", ") || "—",
    closures_text: `${r.closures_approved} / ${r.closures_rejected}` }));
  box("attendance").replaceChildren(
    table([["day", NC_("admin", "Tanggal")], ["agency", NC_("admin", "Instansi")], ["officer", NC_("admin", "Petugas")], ["first", NC_("admin", "Pertama buka")], ["last", NC_("admin", "Terakhir tutup")],
      ["open_minutes", NC_("admin", "Menit buka")], ["breaks_text", NC_("admin", "Istirahat (menit)")], ["closures_text", NC_("admin", "Tutup disetujui / ditolak")], ["served", NC_("admin", "Dilayani")],
      ["serving_minutes", NC_("admin", "Menit melayani")], ["idle_minutes", NC_("admin", "Menit menganggur")]], officers),
    csvLink(`/api/admin/reports/attendance?${params({ format: "csv" })}`),
    el("h3", {}, pgettext("admin", "Jam tidak terwakili (tidak ada loket buka pada jam layanan)")),
    table([["agency", NC_("admin", "Instansi")], ["days", NC_("admin", "Hari")], ["count", NC_("admin", "Jumlah jam")]], unrepresentedByAgency(data.unrepresented)),
    el("details", {}, el("summary", {}, pgettext("admin", "Rincian per hari")),
      table([["day", NC_("admin", "Tanggal")], ["agency", NC_("admin", "Instansi")], ["hours_text", NC_("admin", "Jam")], ["count", NC_("admin", "Jumlah jam")]],
        data.unrepresented.map((r) => ({ ...r, hours_text: r.hours.join(" ") })))),
    csvLink(`/api/admin/reports/attendance?${params({ format: "csv", kind: "unrepresented" })}`));
}

function unrepresentedByAgency(rows) {
  const by = new Map();
  for (const r of rows) {
    const entry = by.get(r.agency_id) || { agency: r.agency, days: 0, count: 0 };
    entry.days += 1;
    entry.count += r.count;
    by.set(r.agency_id, entry);
  }
  return [...by.values()];
}

async function loadStandardsMonth() {
  const data = await api(`/api/admin/reports/standards?${params()}`);
  document.getElementById("standards-chart").replaceChildren(data.days.length
    ? percentBars({ labels: data.days.map((d) => String(Number(d.day.slice(8)))), values: data.days.map((d) => d.within_target_pct),
      label: pgettext("admin", "Bagian warga dilayani dalam target waktu tunggu, per hari"), target: 80 })
    : el("p", { class: "empty" }, pgettext("admin", "Belum ada data.")));
  box("standards-month").replaceChildren(
    table([["agency", NC_("admin", "Instansi")], ["name", NC_("admin", "Layanan")], ["wait_target_minutes", NC_("admin", "Target tunggu (mnt)")], ["served", NC_("admin", "Dilayani")],
      ["within_target_pct", NC_("admin", "Dalam target (%)")], ["wait_breaches", NC_("admin", "Pelanggaran tunggu")], ["service_breaches", NC_("admin", "Pelanggaran lama layanan")],
      ["longest_wait_minutes", NC_("admin", "Tunggu terlama (mnt)")]], data.services),
    csvLink(`/api/admin/reports/standards?${params({ format: "csv" })}`));
}

async function loadMonth() {
  await Promise.all([loadAttendance(), loadStandardsMonth()]);
}

export async function start() {
  tz = (await mpp()).timezone || tz;
  filters.addEventListener("submit", () => Promise.all([loadStandardsNow(), loadMonth()]).catch(fail));
  document.getElementById("month-input").addEventListener("change", () => loadMonth().catch(fail));
  live({ room: "staff" }, {
    snapshot: soon,
    queue_changed: soon,
    standard_alert(alert) {
      if (alert.state === "raised") alerts.set(alert.id, alert);
      else alerts.delete(alert.id);
      drawAlerts();
      soon();
    },
  });
  await Promise.all([loadStandardsNow(), loadMonth()]).catch(fail);
  document.getElementById("standards-now").dataset.ready = "1";
}
