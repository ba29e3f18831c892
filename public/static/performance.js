// Published service performance (/info/kinerja): a closed month or quarter the MPP chose to publish —
// citizens served, waiting times, the share served within the promised time, IKM with its nine
// elements (PermenPANRB 14/2017), complaints answered on time — per agency and for the whole MPP.
import { _, api, esc, lang, localDate, mppTime, onLanguageButtons, t } from "/static/loket.js";

const $ = (id) => document.getElementById(id);
const number = (value, digits = 0) =>
  value === null || value === undefined ? "—" : Number(value).toLocaleString(lang() === "en" ? "en-GB" : "id-ID", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const minutes = (value) => (value === null || value === undefined ? "—" : _("{minutes} menit", { minutes: number(value, 1) }));
const pct = (value) => (value === null || value === undefined ? "—" : `${number(value, 1)} %`);

function ikmText(ikm) {
  if (ikm.converted === null) return "—";
  return `${number(ikm.converted, 2)} <span class="p-grade" title="${esc(t({ id: ikm.label, en: ikm.label_en }))}">${esc(ikm.grade)}</span>`;
}

function elements(ikm) {
  const graded = ikm.elements.filter((e) => e.converted !== null);
  const lowest = graded.length ? Math.min(...graded.map((e) => e.converted)) : null;
  return `<div class="p-elements">${ikm.elements.map((e) => {
    const width = e.converted === null ? 0 : Math.max(0, ((e.converted - 25) / 75) * 100);
    const name = lang() === "en" ? e.name_en : e.name;
    return `<div class="p-element"><span title="${esc(name)}">${esc(e.code)}</span>
      <span class="track" role="img" aria-label="${esc(`${e.code} ${name}: ${number(e.converted, 2)}`)}"><span class="fill${e.converted === lowest ? " weak" : ""}" style="width:${width.toFixed(1)}%"></span></span>
      <span>${number(e.converted, 2)}</span></div>`;
  }).join("")}</div>`;
}

function cards(entry) {
  const c = entry.complaints;
  return `<div class="p-cards">
    <div class="p-card"><span>${esc(_("Warga dilayani"))}</span><strong>${number(entry.served)}</strong></div>
    <div class="p-card"><span>${esc(_("Median waktu tunggu"))}</span><strong>${esc(minutes(entry.wait_median_min))}</strong></div>
    <div class="p-card"><span>${esc(_("9 dari 10 warga menunggu kurang dari"))}</span><strong>${esc(minutes(entry.wait_p90_min))}</strong></div>
    <div class="p-card"><span>${esc(_("Selesai dalam waktu yang dijanjikan"))}</span><strong>${esc(pct(entry.within_target_pct))}</strong></div>
    <div class="p-card"><span>${esc(_("Indeks Kepuasan Masyarakat (IKM)"))}</span><strong>${ikmText(entry.ikm)}</strong></div>
    <div class="p-card"><span>${esc(_("Responden survei"))}</span><strong>${number(entry.ikm.respondents)}</strong></div>
    <div class="p-card"><span>${esc(_("Pengaduan diterima"))}</span><strong>${number(c.received)}</strong></div>
    <div class="p-card"><span>${esc(_("Dijawab tepat waktu"))}</span><strong>${number(c.answered_on_time)} / ${number(c.answered)}</strong></div>
  </div>`;
}

function table(agencies) {
  const rows = agencies.map((a) => `<tr><td>${esc(a.name)}</td><td>${number(a.served)}</td><td>${esc(minutes(a.wait_median_min))}</td>
    <td>${esc(pct(a.within_target_pct))}</td><td>${ikmText(a.ikm)}</td><td>${number(a.ikm.respondents)}</td>
    <td>${number(a.complaints.received)}</td><td>${number(a.complaints.answered_on_time)} / ${number(a.complaints.answered)}</td></tr>`).join("");
  return `<div class="p-table-wrap" tabindex="0" role="region" aria-label="${esc(_("Per instansi"))}"><table class="p-table"><caption class="p-source">${esc(_("Per instansi"))}</caption>
    <thead><tr><th scope="col">${esc(_("Instansi"))}</th><th scope="col">${esc(_("Dilayani"))}</th><th scope="col">${esc(_("Median tunggu"))}</th>
    <th scope="col">${esc(_("Tepat waktu"))}</th><th scope="col">IKM</th><th scope="col">${esc(_("Responden"))}</th>
    <th scope="col">${esc(_("Pengaduan"))}</th><th scope="col">${esc(_("Dijawab tepat waktu"))}</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function periodName(period) {
  const [year, part] = period.split("-");
  if (part.startsWith("Q")) return _("Triwulan {quarter} {year}", { quarter: part.slice(1), year });
  const name = new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", { month: "long", year: "numeric", timeZone: "UTC" });
  return name.format(new Date(Date.UTC(Number(year), Number(part) - 1, 15)));
}

async function show(period) {
  const box = $("figures");
  box.innerHTML = `<p class="p-lead">${esc(_("Memuat…"))}</p>`;
  try {
    const data = await api(`/api/public/performance?period=${encodeURIComponent(period)}`);
    const at = mppTime(new Date(data.published_at), data.timezone);
    box.innerHTML = `<h2>${esc(periodName(period))}</h2>
      <p class="p-source">${esc(_("{from} sampai {to} · angka per {date}, pukul {time} {zone}", { from: localDate(data.from), to: localDate(data.to), date: at.day, time: at.time.replace(":", "."), zone: at.zone }))}</p>
      ${cards(data.mpp)}
      <h2>${esc(_("Sembilan unsur IKM seluruh MPP"))}</h2>
      ${elements(data.mpp.ikm)}
      ${table(data.agencies)}
      <p class="p-source">${esc(_("Data terbuka:"))} <a href="/api/public/performance?period=${esc(period)}">JSON</a> · <a href="/api/public/performance.csv?period=${esc(period)}">CSV</a></p>`;
  } catch (err) {
    box.innerHTML = `<p class="p-lead">${esc(err.message)}</p>`;
  }
}

function start() {
  onLanguageButtons(() => location.reload());
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  const select = $("period");
  if (!select) return;
  for (const option of select.options) option.textContent = periodName(option.value);
  const asked = new URLSearchParams(location.search).get("period");
  if (asked && [...select.options].some((o) => o.value === asked)) select.value = asked;
  select.addEventListener("change", () => {
    const url = new URL(location.href);
    url.searchParams.set("period", select.value);
    history.replaceState(null, "", url);
    show(select.value);
  });
  show(select.value);
}

start();
