// The kiosk touchscreen (/kiosk/) and the phone page (/ambil/): agency → service → its standard → a ticket.
import { _, agencyStyle, api, counterReason, esc, icon, lang, live, localDate, localized, mppDay, mppTime, N_, onLanguageButtons, pgettext, t } from "/static/loket.js";

const app = document.getElementById("app");
const MODE = app.dataset.mode; // "kiosk" or "phone"
const kioskParts = MODE === "kiosk" ? await import("./kioskmode.js") : null; // never on a phone (kioskmode.js says why)
const KIOSK = kioskParts?.KIOSK || "";
const kioskHeaders = () => kioskParts?.kioskHeaders() || {};
const params = new URLSearchParams(location.search);
const seconds = (name, fallback) => Math.min(Math.max(Number(params.get(name)) || fallback, 2), 600);
const IDLE_HOME = seconds("idle", 45) * 1000; // untouched this long, a half-finished choice asks "Masih di sini?"
const IDLE_WARNING = seconds("idle_warning", 20) * 1000; // … and is abandoned if nobody answers within this
const IDLE_ATTRACT = seconds("attract", 60) * 1000; // an untouched start screen turns into the attract screen
const TICKET_SHOWN = seconds("ticket_seconds", 12) * 1000; // the ticket screen goes back to the start
const FAILED_SHOWN = 45 * 1000; // a failed print stays long enough to photograph the number or reprint
const OFFLINE_GRACE = 1500; // a blip of the network must not flash the "Mohon tunggu" screen
const MY_TICKETS = "loket.mytickets";

// The reasons and their labels are the server's one table (loket/priority.py, in the snapshot's mpp); the icons are the kiosk's.
const REASON_ICONS = { disability: "accessibility", elderly: "elderly", pregnant: "pregnant", child: "baby", disaster: "life-buoy" };

const REFUSALS = {
  quota_reached: N_("Kuota hari ini sudah habis"),
  service_closed: N_("Layanan sedang tutup"),
  issuing_stopped: N_("Pengambilan nomor sudah ditutup"),
  on_break: N_("Sedang istirahat"),
  closed_today: N_("Tutup hari ini"),
  no_counter_open: N_("Belum ada loket yang buka"),
  service_inactive: N_("Layanan tidak tersedia"),
  rate_limited: N_("Batas pengambilan nomor tercapai"),
  self_priority_disabled: N_("Prioritas diberikan petugas"),
  phone_quota_reached: N_("Kuota lewat ponsel hari ini sudah habis"),
  kiosk_not_paired: N_("Kios belum dipasangkan"),
};

const state = {
  mpp: { name: "", timezone: "Asia/Jakarta", self_priority: false },
  kiosk: null,
  agencies: [],
  view: "home",
  agencyId: null,
  serviceId: null,
  query: "",
  ticket: null,
  refusal: null,
  busy: false,
  page: 0, // the page of agencies (or of the search's services) shown on the kiosk's start screen
  breaks: null, // where each page starts, measured by fitPages (null: one page)
  fitKey: "", // what the breaks were measured for
};
let socket = null;
let idleTimer = null;
let offlineTimer = null;
let lastShown = "";

const screen = document.getElementById("screen");

// ---------------------------------------------------------------- data

const allServices = () => state.agencies.flatMap((a) => a.services.map((s) => ({ ...s, agency: a })));
const agencyById = (id) => state.agencies.find((a) => a.id === id);
const serviceById = (id) => allServices().find((s) => s.id === id);

const SEARCH_HINT = N_("Cari layanan: paspor, KTP, SIM…"); // marked here: the extractor cannot read it inside the attribute
const PAGES_LABEL = N_("Halaman instansi");

function applyAgencies(agencies) {
  state.agencies = agencies;
}

// Issue 24: the counters of a service that paused or closed with a reason say so in plain words.
const counters = new Map();

function applyCounters(list) {
  for (const c of list || []) counters.set(c.id, c);
}

function counterNotes(service) {
  const notes = [...counters.values()]
    .filter((c) => c.service_ids.includes(service.id) && counterReason(c))
    .map((c) => `<li>${esc(_("Loket {number}", { number: c.number }))} — ${esc(counterReason(c))}</li>`);
  return notes.length ? `<ul class="k-counter-notes">${notes.join("")}</ul>` : "";
}

// A queue_changed service is the snapshot's service less what only configuration changes
// (loket/serializers.py, service_live): merged whole, so a new figure needs no edit here.
function applyQueueChanged(change) {
  for (const update of change.services || []) {
    for (const agency of state.agencies) {
      const service = agency.services.find((s) => s.id === update.id);
      if (!service) continue;
      Object.assign(service, update);
      agency.waiting = agency.services.reduce((sum, s) => sum + s.waiting, 0);
    }
  }
}

// Hours pass without any event, so the start screen re-reads open/closed when a citizen comes back to it.
async function refreshAgencies() {
  try {
    applyAgencies(await api("/api/agencies"));
    if (["home", "agency", "service"].includes(state.view)) render(true);
  } catch (err) {
    // The socket's own reconnect brings a fresh snapshot; nothing to do here.
  }
}

// ---------------------------------------------------------------- rendering

function refusalOf(service) {
  if (!service.open) return { code: service.closed_reason, message: service.closed_message, ...service.closed_detail };
  if (service.quota_left === 0) return { code: "quota_reached", message: _("Kuota antrean hari ini sudah terpenuhi.") };
  return null;
}

// Open for tickets, but no counter calls yet: neither "no queue" nor an estimate would be true.
const noCounterYet = (service) => service.open && service.open_counters === 0;

// "Waiting" is the line a ticket taken now joins: every service its counters call (service.ahead).
function waitText(service) {
  const waiting = service.ahead ?? service.waiting;
  if (noCounterYet(service)) return waiting ? _("{waiting} menunggu", { waiting }) : "";
  if (!waiting) return _("Tidak ada antrean");
  const people = _("{waiting} menunggu", { waiting });
  return service.estimated_wait_minutes ? `${people} · ± ${service.estimated_wait_minutes} ${_("menit")}` : people;
}

// A search result (showAgency) sits beside the open keyboard: its badge says "no counter open" and the
// longer note waits for the agency's own list, so a result and the pager fit above the check-in bar.
function serviceCard(service, showAgency = false) {
  const refusal = refusalOf(service);
  const quota = service.quota_left != null && !refusal ? `<span class="k-chip">${_("Sisa kuota")} ${service.quota_left}</span>` : "";
  const status = refusal
    ? `<span class="k-badge k-closed">${esc(t(REFUSALS[refusal.code] || N_("Tutup")))}</span>`
    : noCounterYet(service) ? `<span class="k-badge k-nocounter">${_("Belum ada loket yang buka")}</span>` : `<span class="k-badge k-open">${_("Buka")}</span>`;
  return `<button type="button" class="k-card k-service${refusal ? " is-closed" : ""}" data-service="${service.id}" style="${agencyStyle(service.agency?.color)}">
      ${showAgency ? `<span class="k-card-agency">${esc(service.agency.name)}</span>` : ""}
      <span class="k-card-title">${esc(localized(service, "name"))}</span>
      <span class="k-card-meta">${status}${quota}<span class="k-wait">${esc(waitText(service))}</span></span>
      ${refusal && refusalDetailText(refusal) ? `<span class="k-card-note">${esc(refusalDetailText(refusal))}</span>` : ""}
      ${!refusal && noCounterYet(service) && !showAgency ? `<span class="k-card-note k-card-info">${esc(_(NO_COUNTER_NOTE))}</span>` : ""}
    </button>`;
}

// The agency's badge: its logo where the admin uploaded one, else the short code the admin set (or its whole code).
function badge(agency) {
  if (agency.logo_url) return `<span class="k-logo k-logo-image" aria-hidden="true"><img src="${esc(agency.logo_url)}" alt=""></span>`;
  const text = (agency.short_code || agency.code || "").slice(0, 8);
  return `<span class="k-logo" aria-hidden="true" data-length="${Math.min(text.length, 8)}">${esc(text)}</span>`;
}

function homeView() {
  const results = state.query ? searchResults(state.query) : null;
  return `
    <section class="k-home">
      <div class="k-home-head">
      <h1 class="k-title">${_("Silakan pilih instansi")}</h1>
      <div class="k-search">
        <label for="search" class="k-search-label">${icon("search")}<span>${_("Cari layanan")}</span></label>
        <input id="search" type="search" autocomplete="off" inputmode="${MODE === "kiosk" ? "none" : "search"}"
          placeholder="${esc(_(SEARCH_HINT))}" value="${esc(state.query)}">
        ${state.query ? `<button type="button" class="k-btn k-btn-ghost" data-action="clear-search">${pgettext("search", "Hapus")}</button>` : ""}
      </div>
      </div>
      ${MODE === "kiosk" ? keyboard() : ""}
      <div id="results">${results === null ? agencyGrid() : resultList(results)}</div>
    </section>`;
}

// Real MPPs have 15–40 agencies: the kiosk shows the ones that fit above the check-in bar and pages the
// rest with big buttons and "1 / 3", so no agency hides below the fold; the search's services likewise.
// The phone scrolls its page.
function agencyGrid() {
  return pagedList("k-grid", state.agencies, (a) => `<button type="button" class="k-card k-agency" data-agency="${a.id}" style="${agencyStyle(a.color)}">
        ${badge(a)}
        <span class="k-card-title">${esc(a.name)}</span>
        <span class="k-card-meta"><span class="k-wait">${a.waiting ? esc(_("{waiting} menunggu", { waiting: a.waiting })) : _("Tidak ada antrean")}</span>
        ${a.zone ? `<span class="k-chip">${esc(a.zone)}</span>` : ""}</span>
      </button>`);
}

// One page of a list: state.breaks holds the index each page starts at (measured by fitPages; null: one page).
function pagedList(className, items, card) {
  const breaks = MODE === "kiosk" && state.breaks ? state.breaks : [0];
  state.page = Math.max(Math.min(state.page, breaks.length - 1), 0);
  const shown = items.slice(breaks[state.page], breaks[state.page + 1] ?? items.length);
  return `<div class="${className}" id="paged-list">${shown.map(card).join("")}</div>${breaks.length > 1 ? pager(breaks.length) : ""}`;
}

function pager(pages) {
  return `<nav class="k-pager" aria-label="${esc(_(PAGES_LABEL))}">
      <button type="button" class="k-btn k-pager-btn" data-action="page-prev"${state.page === 0 ? " disabled" : ""}>${icon("chevron-left")}<span>${_("Sebelumnya")}</span></button>
      <p class="k-pager-count" aria-live="polite"><span>${_("Halaman")}</span> <strong>${state.page + 1} / ${pages}</strong></p>
      <button type="button" class="k-btn k-pager-btn" data-action="page-next"${state.page === pages - 1 ? " disabled" : ""}><span>${_("Berikutnya")}</span>${icon("chevron-right")}</button>
    </nav>`;
}

function listHtml() {
  return state.query ? resultList(searchResults(state.query)) : agencyGrid();
}

// Where the pages break: the whole list is laid out once, then cut into runs of whole rows that fit
// between the list's top and the check-in bar (less the pager's room when it does not all fit). Measured
// again only when what is listed, the screen, the language or the keyboard changes.
function fitPages() {
  if (MODE !== "kiosk" || state.view !== "home") return;
  const box = document.getElementById("results");
  const keyboardOpen = !document.getElementById("keyboard")?.hidden;
  const key = `${state.query}|${state.agencies.map((a) => a.id)}|${innerWidth}x${innerHeight}|${lang()}|${keyboardOpen}`;
  if (!box || state.fitKey === key) return;
  const firstShown = state.breaks?.[state.page] ?? 0;
  state.breaks = null;
  box.innerHTML = listHtml();
  const list = document.getElementById("paged-list");
  if (!list) return;
  screen.scrollTop = 0;
  const top = list.getBoundingClientRect().top;
  const room = screen.getBoundingClientRect().bottom - parseFloat(getComputedStyle(screen).paddingBottom) - top;
  const rows = [];
  [...list.children].forEach((card, index) => {
    const r = card.getBoundingClientRect();
    if (rows.length && Math.abs(rows.at(-1).top - (r.top - top)) < 1) rows.at(-1).bottom = Math.max(rows.at(-1).bottom, r.bottom - top);
    else rows.push({ start: index, top: r.top - top, bottom: r.bottom - top });
  });
  const breaks = [0];
  if (rows.length && rows.at(-1).bottom > room) {
    const gap = parseFloat(getComputedStyle(list).rowGap) || 0;
    const limit = room - parseFloat(getComputedStyle(screen).getPropertyValue("--tap")) - gap;
    let pageTop = 0;
    for (const row of rows) {
      if (row.bottom - pageTop > limit && row.start !== breaks.at(-1)) {
        breaks.push(row.start);
        pageTop = row.top;
      }
    }
  }
  state.breaks = breaks;
  state.fitKey = key;
  state.page = Math.max(breaks.findLastIndex((b) => b <= firstShown), 0); // what the citizen was looking at stays on screen
  box.innerHTML = listHtml();
}

function turnPage(step) {
  state.page += step;
  document.getElementById("results").innerHTML = listHtml();
  document.querySelector(`.k-pager [data-action=page-${step > 0 ? "next" : "prev"}]:not(:disabled)`)?.focus();
}

function searchResults(query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return allServices().filter((s) => {
    const hay = `${s.name} ${s.name_en || ""} ${s.code} ${s.agency.name} ${s.agency.code} ${s.standard?.product || ""}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

function resultList(results) {
  if (!results.length) return `<p class="k-empty">${_("Layanan tidak ditemukan. Coba kata lain atau pilih instansi.")}</p>`;
  return pagedList("k-list", results, (s) => serviceCard(s, true));
}

function keyboard() {
  return kioskParts.keyboardHtml("search", { id: "keyboard", className: "k-keyboard", hidden: true });
}

function agencyView() {
  const agency = agencyById(state.agencyId);
  if (!agency) return homeView();
  return `
    <section class="k-agency-view" style="${agencyStyle(agency.color)}">
      <nav class="k-nav"><button type="button" class="k-btn k-btn-ghost" data-action="home">← ${_("Kembali")}</button></nav>
      <h1 class="k-title">${esc(agency.name)}</h1>
      <p class="k-sub">${_("Pilih layanan")}</p>
      <div class="k-list">${agency.services.map((s) => serviceCard({ ...s, agency })).join("")}</div>
    </section>`;
}

function standardItem(title, value, fallback = "") {
  if (!value && !fallback) return "";
  const parts = String(value || "").split(/;\s*/).filter(Boolean);
  const body = !value ? `<p class="k-muted">${esc(fallback)}</p>` : parts.length > 1 ? `<ul>${parts.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>` : `<p>${esc(value)}</p>`;
  return `<div class="k-std"><h2>${title}</h2>${body}</div>`;
}

// The six public components of the service standard (PermenPANRB 15/2014) and the agency's maklumat pelayanan.
function standardBlock(service) {
  const std = service.standard || {};
  const ask = _("Belum diumumkan. Tanyakan di meja informasi.");
  const channel = _("Pengaduan & saran: tombol di atas layar ini, meja informasi, atau /aduan/ dari ponsel.");
  const maklumat = service.agency.maklumat
    ? `<details class="k-maklumat"${MODE === "kiosk" ? " open" : ""}><summary>${_("Maklumat pelayanan")}</summary>
        <p>${esc(service.agency.maklumat)}</p>${service.agency.maklumat_signer ? `<p class="k-maklumat-signer">${esc(service.agency.maklumat_signer)}</p>` : ""}</details>`
    : "";
  return `
      <p class="k-sub">${_("Standar pelayanan: baca sebelum mengambil nomor.")}</p>
      <div class="k-standard">
        ${standardItem(_("Persyaratan"), localized(std, "requirements"), ask)}
        ${standardItem(_("Sistem, mekanisme & prosedur"), localized(std, "procedure"), ask)}
        ${standardItem(_("Jangka waktu penyelesaian"), std.completion_time, ask)}
        ${standardItem(_("Biaya/tarif"), std.fee, ask)}
        ${standardItem(_("Produk pelayanan"), std.product, ask)}
        ${standardItem(_("Penanganan pengaduan, saran & masukan"), std.complaint_channel, channel)}
      </div>
      ${std.sk_number ? `<p class="k-muted k-sk">${_("Ditetapkan dengan")} ${esc(std.sk_number)}</p>` : ""}
      ${maklumat}`;
}

function serviceView() {
  const service = serviceById(state.serviceId);
  if (!service) return homeView();
  const refusal = refusalOf(service);
  const priority = state.mpp.self_priority && !refusal
    ? `<button type="button" class="k-btn k-btn-priority" data-action="priority">${_("Antrean prioritas")}<small>${_("Disabilitas, lansia, ibu hamil, anak, korban bencana")}</small></button>`
    : "";
  // No counter open yet is a matter of minutes: "come back tomorrow" would send the citizen away.
  if (refusal && refusal.code !== "no_counter_open") loadOpening(service.id);
  return `
    <section class="k-service-view" style="${agencyStyle(service.agency.color)}">
      <div class="k-service-info">
        <nav class="k-nav"><button type="button" class="k-btn k-btn-ghost" data-action="back-agency">← ${_("Kembali")}</button></nav>
        <p class="k-sub">${esc(service.agency.name)}</p>
        <h1 class="k-title">${esc(localized(service, "name"))}</h1>
        <p class="k-stats"><span>${esc(waitText(service))}</span>${service.quota_left != null ? `<span>${_("Sisa kuota")}: ${service.quota_left}</span>` : ""}</p>
        ${counterNotes(service)}
        ${standardBlock(service)}
      </div>
      <div class="k-actions">
        ${refusal ? refusalBox(refusal, service) : `<button type="button" class="k-btn k-btn-primary" data-action="take">${_("Ambil nomor")}</button>`}
        ${priority}
      </div>
    </section>`;
}

// "Kuota hari ini sudah habis" once, then what the citizen needs: when to come back, and the phone ticket.
function refusalBox(refusal, service) {
  return `<div class="k-refusal" role="alert" data-code="${esc(refusal.code)}">
      <p class="k-refusal-title">${esc(t(REFUSALS[refusal.code] || N_("Tidak dapat mengambil nomor")))}</p>
      ${refusalDetail(refusal)}
      ${refusal.code === "no_counter_open" ? "" : `<div class="k-opening" id="opening">${service ? openingText(service.id) : ""}</div>`}
    </div>`;
}

const NO_COUNTER_NOTE = N_("Nomor tetap dapat diambil dan dipanggil menurut urutan saat petugas membuka loket.");

// What the title does not say already (the hours, the reason for closing), worded here in the page's
// language from the service's closed_detail (or an error's fields); the server's sentence only as a fallback.
function refusalDetailText(refusal) {
  const code = refusal.code;
  if (["quota_reached", "service_inactive"].includes(code)) return "";
  if (code === "service_closed" && "hours" in refusal) return /\d/.test(refusal.hours || "") ? _("Jam layanan: {hours}", { hours: refusal.hours }) : _("Tidak ada layanan hari ini.");
  if (code === "closed_today" && "reason" in refusal) return refusal.reason ? refusal.reason.replace(/^./, (c) => c.toUpperCase()) : _("Hari libur");
  if (code === "issuing_stopped" && refusal.cutoff) return _("Pengambilan nomor hari ini ditutup pukul {cutoff}.", { cutoff: refusal.cutoff });
  if (code === "on_break" && refusal.until) return _("{label}: pengambilan nomor dibuka kembali pukul {until}.", { label: refusal.label || _("Istirahat"), until: refusal.until });
  if (code === "no_counter_open") return _("Nomor antrean dapat diambil setelah petugas membuka loket. Silakan tunggu sebentar atau tanyakan di meja informasi.");
  return refusal.message || "";
}

function refusalDetail(refusal) {
  const text = refusalDetailText(refusal);
  return text ? `<p>${esc(text)}</p>` : "";
}

const openings = new Map(); // service id -> {at, answer}

async function loadOpening(serviceId) {
  const known = openings.get(serviceId);
  if (known && Date.now() - known.at < 60000) return;
  openings.set(serviceId, { at: Date.now(), answer: known?.answer || null });
  try {
    const answer = await api(`/api/services/${serviceId}/next-opening`);
    openings.set(serviceId, { at: Date.now(), answer });
    const box = document.getElementById("opening");
    if (box && (state.serviceId === serviceId)) box.innerHTML = openingText(serviceId);
  } catch (err) {
    openings.delete(serviceId);
  }
}

function openingText(serviceId) {
  const answer = openings.get(serviceId)?.answer;
  if (!answer) return "";
  const next = answer.next_opening;
  let when = `<p>${_("Belum ada jadwal buka dalam tiga minggu ke depan. Tanyakan di meja informasi.")}</p>`;
  if (next) {
    const tomorrow = new Date(Date.now() + 86400000);
    const isTomorrow = next.date === mppDay(state.mpp.timezone, tomorrow);
    const day = next.today ? _("hari ini") : isTomorrow ? `${_("besok")}, ${localDate(next.date)}` : localDate(next.date);
    const zone = mppTime(new Date(), state.mpp.timezone).zone;
    when = `<p class="k-opening-when">${_("Silakan datang kembali")} <strong>${esc(day)}</strong> ${_("mulai pukul")} <strong>${esc(next.time)} ${esc(zone)}</strong>.</p>`;
  }
  const phone = answer.phone_qr_svg
    ? `<div class="k-opening-phone">${answer.phone_qr_svg}<p>${_("Atau ambil nomor dari ponsel saat layanan buka: pindai kode ini, tanpa perlu antre di kios.")}</p></div>`
    : "";
  const booking = answer.booking_qr_svg
    ? `<div class="k-opening-phone k-opening-booking">${answer.booking_qr_svg}<p>${_("Atau pesan jam kedatangan (reservasi) dari ponsel: pindai kode ini, lalu check-in di kios saat tiba.")}</p></div>`
    : "";
  return when + phone + booking;
}

function priorityView() {
  const service = serviceById(state.serviceId);
  if (!service) return homeView();
  return `
    <section class="k-priority-view">
      <nav class="k-nav"><button type="button" class="k-btn k-btn-ghost" data-action="back-service">← ${_("Kembali")}</button></nav>
      <h1 class="k-title">${_("Antrean prioritas")}</h1>
      <p class="k-sub">${_("Layanan khusus menurut UU 25/2009 pasal 29. Mohon tidak digunakan oleh yang tidak berhak; petugas dapat memeriksa.")}</p>
      <div class="k-list">${Object.entries(state.mpp.priority_reasons || {}).map(([code, label]) => `<button type="button" class="k-card k-reason" data-reason="${esc(code)}"><span class="k-icon">${icon(REASON_ICONS[code] || "heart")}</span><span class="k-card-title">${esc(t(label))}</span></button>`).join("")}</div>
    </section>`;
}

function refusalView() {
  const r = state.refusal;
  if (state.serviceId) loadOpening(state.serviceId);
  return `
    <section class="k-state k-state-refused" data-code="${esc(r.code)}">
      <h1>${esc(t(REFUSALS[r.code] || N_("Nomor antrean tidak dapat diambil")))}</h1>
      ${refusalDetailText(r) ? `<p class="k-state-message">${esc(refusalDetailText(r))}</p>` : ""}
      ${state.serviceId && ["quota_reached", "service_closed", "issuing_stopped", "on_break", "closed_today"].includes(r.code) ? `<div class="k-opening" id="opening">${openingText(state.serviceId)}</div>` : ""}
      <button type="button" class="k-btn k-btn-primary" data-action="home">${_("Kembali ke awal")}</button>
    </section>`;
}

function ticketView() {
  return kioskParts.ticketHtml(state.ticket, {
    numberId: "issued-number",
    done: "home",
    timezone: state.mpp.timezone,
    printer: MODE === "kiosk" ? Boolean(state.kiosk?.printer) : null,
    notify: true,
    countdown: true,
  });
}

// live: a redraw for fresh numbers, not a citizen's doing, so it leaves the idle countdown (and a shown
// "Masih di sini?") as they are: a busy queue must not keep an abandoned choice on screen all day.
function render(live = false) {
  document.documentElement.lang = lang();
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  const views = { home: homeView, agency: agencyView, service: serviceView, priority: priorityView, refusal: refusalView, ticket: ticketView };
  screen.innerHTML = (views[state.view] || homeView)();
  if (state.view === "ticket") kioskParts.mountNotify(document.getElementById("notify-slot"), state.ticket, { pad: MODE === "kiosk" });
  document.getElementById("mpp-name").textContent = state.mpp.name || "Mal Pelayanan Publik";
  const aduan = document.querySelector(".k-aduan");
  if (aduan) aduan.textContent = _("Pengaduan & saran");
  const sub = document.getElementById("brand-sub");
  if (sub) sub.textContent = _("Nomor antrean tanpa kertas");
  tickClock();
  // A new view starts at its top (the phone scrolls the page, the kiosk its screen); a live redraw of
  // the same view keeps the citizen where they were reading.
  const shown = `${state.view}:${state.agencyId}:${state.serviceId}`;
  if (shown !== lastShown) {
    screen.scrollTop = 0;
    if (MODE === "phone") window.scrollTo(0, 0);
    lastShown = shown;
  }
  fitPages();
  if (!live || !idleTimer) armIdle();
}

function renderResults() {
  const box = document.getElementById("results");
  if (!box) return render();
  box.innerHTML = listHtml();
  fitPages();
}

// ---------------------------------------------------------------- actions

function go(view, extra = {}) {
  Object.assign(state, extra, { view });
  if (view === "home") {
    state.ticket = null;
    state.refusal = null;
    prints?.hidden();
    refreshAgencies();
  }
  render();
}

async function take(priorityReason = null) {
  if (state.busy) return;
  state.busy = true;
  const body = { service_id: state.serviceId };
  if (priorityReason) Object.assign(body, { priority: true, priority_reason: priorityReason });
  const path = MODE === "phone" ? "/api/phone/tickets" : KIOSK && state.kiosk ? `/api/kiosks/${encodeURIComponent(KIOSK)}/tickets` : "/api/tickets";
  screen.querySelectorAll("button").forEach((b) => (b.disabled = true));
  try {
    const answer = await api(path, { method: "POST", body, timeout: 12000, headers: kioskHeaders() });
    const ticket = answer.ticket || answer;
    if (MODE === "phone") {
      remember(ticket);
      location.assign(`/t/${encodeURIComponent(ticket.token)}`);
      return;
    }
    // Printing happens after the answer: its outcome may even arrive before it.
    state.ticket = ticket;
    prints?.shown(ticket, Boolean(state.kiosk?.printer));
    go("ticket");
  } catch (err) {
    if (err.code === "offline") showOffline(true);
    else go("refusal", { refusal: { ...err.body, code: err.code, message: err.message } });
  } finally {
    state.busy = false;
  }
}

// The ticket on screen follows its print (kiosk/static/ticketscreen.js); a report redraws it.
const prints = kioskParts?.printWatch(() => {
  if (state.view === "ticket") render();
});

function printed(report) {
  document.dispatchEvent(new CustomEvent("loket:ticket_printed", { detail: report })); // the check-in screen's too
  // Reports name the ticket by id: tokens never travel on the kiosk's public room.
  prints?.report(report);
}

function remember(ticket) {
  const list = JSON.parse(localStorage.getItem(MY_TICKETS) || "[]").filter((x) => x.issued_on === ticket.issued_on);
  list.unshift({ token: ticket.token, number: ticket.number, service: ticket.service, issued_on: ticket.issued_on });
  localStorage.setItem(MY_TICKETS, JSON.stringify(list.slice(0, 5)));
}

function showMine() {
  const box = document.getElementById("my-tickets");
  if (!box) return;
  const today = mppDay(state.mpp.timezone);
  const mine = JSON.parse(localStorage.getItem(MY_TICKETS) || "[]").filter((x) => x.issued_on === today);
  box.hidden = !mine.length;
  box.innerHTML = mine.length
    ? `<p>${pgettext("list", "Nomor antrean Anda")}:</p>${mine.map((x) => `<a class="k-btn k-btn-ghost" href="/t/${encodeURIComponent(x.token)}">${esc(x.number)} · ${esc(x.service)}</a>`).join("")}`
    : "";
}

screen.addEventListener("click", (event) => {
  const el = event.target.closest("button, [data-agency], [data-service]");
  if (!el) return;
  if (el.dataset.agency) return go("agency", { agencyId: Number(el.dataset.agency) });
  if (el.dataset.service) {
    const service = serviceById(Number(el.dataset.service));
    return go("service", { serviceId: service.id, agencyId: service.agency.id });
  }
  if (el.dataset.reason) return take(el.dataset.reason);
  const action = el.dataset.action;
  if (el.dataset.key && action !== "close-keyboard") return typeKey(el.dataset.key);
  // Back from an agency returns to its page of agencies; every other way home starts at the first page.
  if (action === "home") return go("home", { query: "", page: state.view === "agency" ? state.page : 0 });
  if (action === "page-prev") return turnPage(-1);
  if (action === "page-next") return turnPage(1);
  if (action === "back-agency") return go(state.query ? "home" : "agency");
  if (action === "back-service") return go("service");
  if (action === "take") return take();
  if (action === "priority") return go("priority");
  if (action === "reprint") return prints?.reprint();
  if (action === "clear-search") return go("home", { query: "", page: 0 });
  if (action === "close-keyboard") {
    document.getElementById("keyboard").hidden = true;
    fitPages();
  }
});

screen.addEventListener("input", (event) => {
  if (event.target.id !== "search") return;
  state.query = event.target.value;
  state.page = 0;
  renderResults();
});

screen.addEventListener("focusin", (event) => {
  if (event.target.id === "search" && document.getElementById("keyboard")) {
    document.getElementById("keyboard").hidden = false;
    fitPages();
  }
});
window.addEventListener("resize", () => fitPages());

function typeKey(key) {
  const input = document.getElementById("search");
  kioskParts.typeKey(input, key.length === 1 ? key.toLowerCase() : key); // its input event redraws the results
  if (!state.query && !document.querySelector("[data-action=clear-search]")) return;
  const clear = document.querySelector("[data-action=clear-search]");
  if (state.query && !clear) input.insertAdjacentHTML("afterend", `<button type="button" class="k-btn k-btn-ghost" data-action="clear-search">${pgettext("search", "Hapus")}</button>`);
  if (!state.query && clear) clear.remove();
}

onLanguageButtons(() => {
  render();
  showMine();
});

// ---------------------------------------------------------------- idle, attract, offline

const attract = document.getElementById("attract");

function armIdle() {
  clearTimeout(idleTimer);
  showIdleWarning(false);
  if (MODE !== "kiosk") return;
  let wait = IDLE_HOME;
  if (state.view === "home" && !state.query) wait = IDLE_ATTRACT;
  if (state.view === "ticket") wait = state.ticket?.printed === false ? FAILED_SHOWN : TICKET_SHOWN;
  if (state.view === "ticket" && document.querySelector(".n-form")) wait = IDLE_HOME; // typing a number for SMS/WhatsApp
  if (state.view === "ticket") countdown(wait);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (state.view === "home" && !state.query) showAttract(true);
    else if (state.view === "ticket") goHome();
    else warnIdle();
  }, wait);
}

function goHome() {
  showIdleWarning(false);
  go("home", { query: "", page: 0 });
}

// A citizen may be slowly reading the standard: before abandoning their choice the kiosk asks
// "Masih di sini?" with a countdown and a big button; any touch keeps the screen as it is.
function warnIdle() {
  showIdleWarning(true);
  countdown(IDLE_WARNING, "idle-countdown", (left) => _("Kembali ke awal dalam {seconds} detik", { seconds: left }));
  idleTimer = setTimeout(goHome, IDLE_WARNING);
}

function idleWarning() {
  let box = document.getElementById("idle-warning");
  if (box) return box;
  box = document.createElement("section");
  box.id = "idle-warning";
  box.className = "k-idle";
  box.hidden = true;
  box.setAttribute("role", "alertdialog");
  box.setAttribute("aria-modal", "true");
  box.setAttribute("aria-labelledby", "idle-title");
  box.setAttribute("aria-describedby", "idle-countdown");
  // The warning covers the screen, so the touch that answers it lands on it and never on the button
  // underneath; it stops the countdown at once and closes the warning with its click.
  box.addEventListener("pointerdown", () => clearTimeout(idleTimer));
  box.addEventListener("click", () => armIdle());
  app.append(box);
  return box;
}

function showIdleWarning(on) {
  const box = on ? idleWarning() : document.getElementById("idle-warning");
  if (!box || box.hidden === !on) return;
  if (on) {
    box.innerHTML = `<div class="k-idle-box">
        <p class="k-idle-title" id="idle-title">${_("Masih di sini?")}</p>
        <p class="k-idle-countdown" id="idle-countdown"></p>
        <button type="button" class="k-btn k-btn-primary k-idle-stay" data-action="stay">${_("Ya, saya masih di sini")}</button>
      </div>`;
  }
  box.hidden = !on;
  if (on) box.querySelector("[data-action=stay]").focus();
}

function countdown(ms, id = "countdown", format = (left) => `(${left})`) {
  const until = Date.now() + ms;
  const tick = () => {
    const el = document.getElementById(id);
    if (!el || el.closest("[hidden]")) return;
    el.textContent = format(Math.max(Math.ceil((until - Date.now()) / 1000), 0));
    if (Date.now() < until) setTimeout(tick, 500);
  };
  tick();
}

function showAttract(on) {
  if (!attract) return;
  attract.hidden = !on;
  if (on) {
    document.getElementById("attract-mpp").textContent = state.mpp.name;
    tickClock();
  }
}

// The tap that wakes the screen only wakes it. A touch sends pointerdown … pointerup and then a click
// (preventDefault on pointerdown does not stop that click), so the attract screen stays in place until
// its own click, and any click arriving just after waking is swallowed before it reaches a button.
let wokeAt = 0;
function wake(event) {
  event.preventDefault();
  event.stopPropagation();
  if (attract.hidden) return;
  wokeAt = Date.now();
  showAttract(false);
  go("home", { query: "", page: 0 });
}
if (attract) {
  attract.addEventListener("click", wake);
  attract.addEventListener("pointerdown", (event) => event.preventDefault());
  document.addEventListener("keydown", (event) => { if (!attract.hidden) wake(event); }, true);
  document.addEventListener("click", (event) => {
    if (Date.now() - wokeAt < 700 && !attract.contains(event.target)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
}
document.addEventListener("pointerdown", (event) => {
  if (!event.target.closest?.("#idle-warning")) armIdle();
}, true);
document.addEventListener("keydown", () => armIdle(), true);

function showOffline(on) {
  const box = document.getElementById("offline");
  clearTimeout(offlineTimer);
  if (on) offlineTimer = setTimeout(() => (box.hidden = false), OFFLINE_GRACE);
  else box.hidden = true;
}

function tickClock() {
  const now = mppTime(new Date(), state.mpp.timezone);
  const text = `${now.date} · ${now.time} ${now.zone}`;
  const clock = document.getElementById("clock");
  if (clock) clock.textContent = text;
  const big = document.getElementById("attract-clock");
  if (big) big.textContent = `${now.time} ${now.zone}`;
}

// ---------------------------------------------------------------- start

function snapshot(data) {
  state.mpp = data.mpp;
  applyAgencies(data.agencies);
  applyCounters(data.counters);
  // /ambil/?service=ID (the QR a refused citizen scanned at the kiosk) opens that service directly.
  const wanted = Number(params.get("service"));
  if (wanted && !state.serviceId && serviceById(wanted)) Object.assign(state, { view: "service", serviceId: wanted, agencyId: serviceById(wanted).agency.id });
  showOffline(false);
  // A citizen in the middle of taking a ticket keeps their screen; lists redraw with fresh numbers.
  if (["home", "agency", "service"].includes(state.view) || !state.agencies.length) {
    if (state.view === "home" && document.activeElement?.id === "search") renderResults();
    else render(true);
  }
  tickClock();
}

async function start() {
  if (MODE === "kiosk" && KIOSK) {
    try {
      state.kiosk = (await api(`/api/kiosks/${encodeURIComponent(KIOSK)}`, { headers: kioskHeaders() })).kiosk;
      // An unpaired kiosk PC issues nothing: say so to whoever sets it up.
      if (!state.kiosk.paired) document.getElementById("kiosk-note").textContent = ` · ${_("kios belum dipasangkan")}: ${KIOSK}`;
    } catch (err) {
      if (err.code === "kiosk_not_found") document.getElementById("kiosk-note").textContent = ` · ${_("kios belum terdaftar")}: ${KIOSK}`;
    }
  }
  // The phone's page carries its first snapshot (kiosk/views.py): drawn at once, the socket keeps it live.
  const first = document.getElementById("first-snapshot");
  if (first) {
    try {
      snapshot(JSON.parse(first.textContent));
    } catch {
      // a page cut short on a weak connection: the socket's snapshot draws it
    }
  }
  socket = live(
    MODE === "kiosk" && KIOSK ? { room: "kiosk", kiosk: KIOSK } : { room: "kiosk" },
    {
      connection(up) {
        if (!up) showOffline(true);
      },
      snapshot,
      queue_changed(change) {
        applyQueueChanged(change);
        applyCounters(change.counters);
        if (state.view === "home") renderResults();
        else if (["agency", "service"].includes(state.view) && !state.busy) render(true);
      },
      config_changed() {
        socket.follow();
      },
      ticket_printed: printed,
    },
  );
  setInterval(tickClock, 15000);
  tickClock();
  showMine();
}

start();
