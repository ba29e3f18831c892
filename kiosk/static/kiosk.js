// The kiosk touchscreen (/kiosk/) and the phone page (/ambil/): agency → service → its standard → a ticket.
import { _, agencyStyle, api, esc, icon, lang, live, localDate, mppTime, N_, onLanguageButtons, pgettext, t } from "/static/loket.js";
import { mountNotify } from "/kiosk/static/notify.js";

const app = document.getElementById("app");
const MODE = app.dataset.mode; // "kiosk" or "phone"
const KIOSK = app.dataset.kiosk || "";
const params = new URLSearchParams(location.search);
const seconds = (name, fallback) => Math.min(Math.max(Number(params.get(name)) || fallback, 2), 600);
const IDLE_HOME = seconds("idle", 45) * 1000; // a half-finished choice is abandoned
const IDLE_ATTRACT = seconds("attract", 60) * 1000; // an untouched start screen turns into the attract screen
const TICKET_SHOWN = seconds("ticket_seconds", 12) * 1000; // the ticket screen goes back to the start
const FAILED_SHOWN = 45 * 1000; // a failed print stays long enough to photograph the number or reprint
const PRINT_WAIT = 8000; // no report from the server's printer or the print agent by then: treat as not printed
const printReports = new Map(); // ticket_printed reports that came before the ticket's answer
const OFFLINE_GRACE = 1500; // a blip of the network must not flash the "Mohon tunggu" screen
const MY_TICKETS = "loket.mytickets";

const REASONS = [
  ["disability", N_("Penyandang disabilitas"), "accessibility"],
  ["elderly", N_("Lansia (60 tahun ke atas)"), "elderly"],
  ["pregnant", N_("Ibu hamil"), "pregnant"],
  ["child", N_("Anak-anak"), "baby"],
  ["disaster", N_("Korban bencana"), "life-buoy"],
];

const REFUSALS = {
  quota_reached: N_("Kuota hari ini sudah habis"),
  service_closed: N_("Layanan sedang tutup"),
  issuing_stopped: N_("Pengambilan nomor sudah ditutup"),
  on_break: N_("Sedang istirahat"),
  closed_today: N_("Tutup hari ini"),
  service_inactive: N_("Layanan tidak tersedia"),
  rate_limited: N_("Batas pengambilan nomor tercapai"),
  self_priority_disabled: N_("Prioritas diberikan petugas"),
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
  printTimer: null,
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

function applyAgencies(agencies) {
  state.agencies = agencies;
}

function applyQueueChanged(change) {
  for (const update of change.services || []) {
    for (const agency of state.agencies) {
      const service = agency.services.find((s) => s.id === update.id);
      if (!service) continue;
      Object.assign(service, {
        waiting: update.waiting,
        issued_today: update.issued_today,
        open_counters: update.open_counters,
        quota_left: update.quota_left,
        estimated_wait_minutes: update.estimated_wait_minutes,
      });
      agency.waiting = agency.services.reduce((sum, s) => sum + s.waiting, 0);
    }
  }
}

// Hours pass without any event, so the start screen re-reads open/closed when a citizen comes back to it.
async function refreshAgencies() {
  try {
    applyAgencies(await api("/api/agencies"));
    if (["home", "agency", "service"].includes(state.view)) render();
  } catch (err) {
    // The socket's own reconnect brings a fresh snapshot; nothing to do here.
  }
}

// ---------------------------------------------------------------- rendering

function refusalOf(service) {
  if (!service.open) return { code: service.closed_reason, message: service.closed_message };
  if (service.quota_left === 0) return { code: "quota_reached", message: _("Kuota antrean hari ini sudah terpenuhi.") };
  return null;
}

function waitText(service) {
  if (!service.waiting) return _("Tidak ada antrean");
  const people = _("{waiting} menunggu", { waiting: service.waiting });
  return service.estimated_wait_minutes ? `${people} · ± ${service.estimated_wait_minutes} ${_("menit")}` : people;
}

function serviceCard(service, showAgency = false) {
  const refusal = refusalOf(service);
  const quota = service.quota_left != null && !refusal ? `<span class="k-chip">${_("Sisa kuota")} ${service.quota_left}</span>` : "";
  const status = refusal
    ? `<span class="k-badge k-closed">${esc(t(REFUSALS[refusal.code] || N_("Tutup")))}</span>`
    : `<span class="k-badge k-open">${_("Buka")}</span>`;
  return `<button type="button" class="k-card k-service${refusal ? " is-closed" : ""}" data-service="${service.id}" style="${agencyStyle(service.agency?.color)}">
      ${showAgency ? `<span class="k-card-agency">${esc(service.agency.name)}</span>` : ""}
      <span class="k-card-title">${esc(service.name)}</span>
      <span class="k-card-meta">${status}${quota}<span class="k-wait">${esc(waitText(service))}</span></span>
      ${refusal && refusalDetailText(refusal) ? `<span class="k-card-note">${esc(refusalDetailText(refusal))}</span>` : ""}
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
      <h1 class="k-title">${_("Silakan pilih instansi")}</h1>
      <div class="k-search">
        <label for="search" class="k-visually-hidden">${_("Cari layanan")}</label>
        <input id="search" type="search" autocomplete="off" inputmode="${MODE === "kiosk" ? "none" : "search"}"
          placeholder="${esc(_(SEARCH_HINT))}" value="${esc(state.query)}">
        ${state.query ? `<button type="button" class="k-btn k-btn-ghost" data-action="clear-search">${pgettext("search", "Hapus")}</button>` : ""}
      </div>
      ${MODE === "kiosk" ? keyboard() : ""}
      <div id="results">${results === null ? agencyGrid() : resultList(results)}</div>
    </section>`;
}

function agencyGrid() {
  return `<div class="k-grid">${state.agencies
    .map(
      (a) => `<button type="button" class="k-card k-agency" data-agency="${a.id}" style="${agencyStyle(a.color)}">
        ${badge(a)}
        <span class="k-card-title">${esc(a.name)}</span>
        <span class="k-card-meta"><span class="k-wait">${a.waiting ? esc(_("{waiting} menunggu", { waiting: a.waiting })) : _("Tidak ada antrean")}</span>
        ${a.zone ? `<span class="k-chip">${esc(a.zone)}</span>` : ""}</span>
      </button>`,
    )
    .join("")}</div>`;
}

function searchResults(query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return allServices().filter((s) => {
    const hay = `${s.name} ${s.code} ${s.agency.name} ${s.agency.code} ${s.standard?.product || ""}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

function resultList(results) {
  if (!results.length) return `<p class="k-empty">${_("Layanan tidak ditemukan. Coba kata lain atau pilih instansi.")}</p>`;
  return `<div class="k-list">${results.map((s) => serviceCard(s, true)).join("")}</div>`;
}

function keyboard() {
  const rows = ["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"];
  return `<div class="k-keyboard" id="keyboard" hidden>${rows
    .map((row) => `<div>${[...row].map((k) => `<button type="button" data-key="${k}">${k}</button>`).join("")}</div>`)
    .join("")}<div><button type="button" data-key=" " class="k-key-wide">${_("spasi")}</button><button type="button" data-key="Backspace" class="k-key-wide">${icon("delete", _("Hapus satu huruf"))}</button><button type="button" data-action="close-keyboard" class="k-key-wide">${pgettext("button", "Tutup")}</button></div></div>`;
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
        ${standardItem(_("Persyaratan"), std.requirements, ask)}
        ${standardItem(_("Sistem, mekanisme & prosedur"), std.procedure, ask)}
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
  if (refusal) loadOpening(service.id);
  return `
    <section class="k-service-view" style="${agencyStyle(service.agency.color)}">
      <div class="k-service-info">
        <nav class="k-nav"><button type="button" class="k-btn k-btn-ghost" data-action="back-agency">← ${_("Kembali")}</button></nav>
        <p class="k-sub">${esc(service.agency.name)}</p>
        <h1 class="k-title">${esc(service.name)}</h1>
        <p class="k-stats"><span>${esc(waitText(service))}</span>${service.quota_left != null ? `<span>${_("Sisa kuota")}: ${service.quota_left}</span>` : ""}</p>
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
      <div class="k-opening" id="opening">${service ? openingText(service.id) : ""}</div>
    </div>`;
}

// The server's message adds only what the title does not say already (the hours, the reason for closing).
function refusalDetailText(refusal) {
  const message = refusal.message || "";
  if (["quota_reached", "service_inactive"].includes(refusal.code)) return "";
  if (refusal.code === "service_closed") return message.replace(/^[^.]*\.\s*/, "");
  if (refusal.code === "closed_today") return message.replace(/^[^:]*:\s*/, "").replace(/^./, (c) => c.toUpperCase());
  return message;
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
    const isTomorrow = next.date === new Intl.DateTimeFormat("en-CA", { timeZone: state.mpp.timezone || "Asia/Jakarta" }).format(tomorrow);
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
      <div class="k-list">${REASONS.map(([code, label, glyph]) => `<button type="button" class="k-card k-reason" data-reason="${code}"><span class="k-icon">${icon(glyph)}</span><span class="k-card-title">${esc(t(label))}</span></button>`).join("")}</div>
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

function printStatus(ticket) {
  if (MODE !== "kiosk") return "";
  const printer = state.kiosk?.printer;
  if (!printer) return `<p class="k-print k-print-none">${_("Kios ini tidak mencetak tiket. Pindai kode QR atau catat nomor Anda.")}</p>`;
  if (ticket.printed === true) return `<p class="k-print k-print-ok">${_("Silakan ambil tiket Anda di bawah layar.")}</p>`;
  if (ticket.printed === null || ticket.printed === undefined) return `<p class="k-print k-print-wait">${_("Sedang mencetak tiket…")}</p>`;
  return `<div class="k-print k-print-failed" role="alert">
      <p><strong>${_("Tiket tidak tercetak.")}</strong> ${_("Nomor Anda tetap berlaku: ingat nomor ini atau pindai kode QR.")}</p>
      <button type="button" class="k-btn k-btn-primary" data-action="reprint">${_("Cetak ulang")}</button>
    </div>`;
}

function ticketView() {
  const tk = state.ticket;
  const wait = tk.ahead === 0
    ? `<p><strong>${_("Anda berikutnya. Mohon tunggu panggilan.")}</strong></p>`
    : tk.estimated_wait_minutes ? `<p>${_("Perkiraan waktu tunggu")}: <strong>± ${tk.estimated_wait_minutes} ${_("menit")}</strong></p>` : "";
  return `
    <section class="k-issued" style="${agencyStyle(tk.agency_color)}">
      <p class="k-sub">${esc(tk.agency)}</p>
      <p class="k-issued-service">${esc(tk.service)}</p>
      <p class="k-issued-label">${_("Nomor antrean Anda")}</p>
      <p class="k-issued-number" id="issued-number">${esc(tk.number)}</p>
      ${tk.priority ? `<p class="k-t-priority">${_("PRIORITAS")}</p>` : ""}
      <p>${_("Antrean di depan Anda")}: <strong>${tk.ahead}</strong></p>
      ${wait}
      <div class="k-issued-qr">${tk.qr_svg || ""}<p>${_("Pindai untuk memantau antrean di ponsel Anda")}</p></div>
      ${printStatus(tk)}
      <div id="notify-slot"></div>
      <button type="button" class="k-btn k-btn-ghost" data-action="home">${_("Selesai")} <span id="countdown"></span></button>
    </section>`;
}

function render() {
  document.documentElement.lang = lang();
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  const views = { home: homeView, agency: agencyView, service: serviceView, priority: priorityView, refusal: refusalView, ticket: ticketView };
  screen.innerHTML = (views[state.view] || homeView)();
  if (state.view === "ticket") mountNotify(document.getElementById("notify-slot"), state.ticket, { pad: MODE === "kiosk" });
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
  armIdle();
}

function renderResults() {
  const box = document.getElementById("results");
  if (!box) return render();
  box.innerHTML = state.query ? resultList(searchResults(state.query)) : agencyGrid();
}

// ---------------------------------------------------------------- actions

function go(view, extra = {}) {
  Object.assign(state, extra, { view });
  if (view === "home") {
    state.ticket = null;
    state.refusal = null;
    clearTimeout(state.printTimer);
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
    const answer = await api(path, { method: "POST", body, timeout: 12000 });
    const ticket = answer.ticket || answer;
    if (MODE === "phone") {
      remember(ticket);
      location.assign(`/t/${encodeURIComponent(ticket.token)}`);
      return;
    }
    // Printing happens after the answer: its outcome may even arrive before it.
    const early = printReports.get(ticket.id);
    printReports.clear();
    if (early && ticket.printed == null) ticket.printed = early.printed;
    state.ticket = ticket;
    go("ticket");
    if (state.kiosk?.printer && ticket.printed == null) {
      state.printTimer = setTimeout(() => printed({ ticket_id: ticket.id, printed: false }), PRINT_WAIT);
    }
  } catch (err) {
    if (err.code === "offline") showOffline(true);
    else go("refusal", { refusal: { code: err.code, message: err.message } });
  } finally {
    state.busy = false;
  }
}

function printed(report) {
  document.dispatchEvent(new CustomEvent("loket:ticket_printed", { detail: report })); // the check-in screen's too
  // Reports name the ticket by id: tokens never travel on the kiosk's public room.
  if (state.view !== "ticket" || !state.ticket || state.ticket.id !== report.ticket_id) {
    if (printReports.size < 50) printReports.set(report.ticket_id, report);
    return;
  }
  clearTimeout(state.printTimer);
  state.ticket.printed = report.printed;
  render();
}

async function reprint() {
  const token = state.ticket?.token;
  if (!token) return;
  state.ticket.printed = null;
  render();
  try {
    const answer = await api(`/api/tickets/${encodeURIComponent(token)}/reprint`, { method: "POST", timeout: 12000 });
    if (state.ticket?.token !== token) return;
    state.ticket.printed = answer.ticket.printed;
    render();
    if (answer.ticket.printed == null) state.printTimer = setTimeout(() => printed({ ticket_id: answer.ticket.id, printed: false }), PRINT_WAIT);
  } catch (err) {
    if (state.ticket?.token !== token) return;
    state.ticket.printed = false;
    render();
  }
}

function remember(ticket) {
  const list = JSON.parse(localStorage.getItem(MY_TICKETS) || "[]").filter((x) => x.issued_on === ticket.issued_on);
  list.unshift({ token: ticket.token, number: ticket.number, service: ticket.service, issued_on: ticket.issued_on });
  localStorage.setItem(MY_TICKETS, JSON.stringify(list.slice(0, 5)));
}

function showMine() {
  const box = document.getElementById("my-tickets");
  if (!box) return;
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: state.mpp.timezone || "Asia/Jakarta" }).format(new Date());
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
  if (el.dataset.key) return typeKey(el.dataset.key);
  const action = el.dataset.action;
  if (action === "home") return go("home", { query: "" });
  if (action === "back-agency") return go(state.query ? "home" : "agency");
  if (action === "back-service") return go("service");
  if (action === "take") return take();
  if (action === "priority") return go("priority");
  if (action === "reprint") return reprint();
  if (action === "clear-search") return go("home", { query: "" });
  if (action === "close-keyboard") document.getElementById("keyboard").hidden = true;
});

screen.addEventListener("input", (event) => {
  if (event.target.id !== "search") return;
  state.query = event.target.value;
  renderResults();
});

screen.addEventListener("focusin", (event) => {
  if (event.target.id === "search" && document.getElementById("keyboard")) document.getElementById("keyboard").hidden = false;
});

function typeKey(key) {
  const input = document.getElementById("search");
  input.value = key === "Backspace" ? input.value.slice(0, -1) : input.value + key.toLowerCase();
  state.query = input.value;
  renderResults();
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
  if (MODE !== "kiosk") return;
  let wait = IDLE_HOME;
  if (state.view === "home" && !state.query) wait = IDLE_ATTRACT;
  if (state.view === "ticket") wait = state.ticket?.printed === false ? FAILED_SHOWN : TICKET_SHOWN;
  if (state.view === "ticket" && document.querySelector(".n-form")) wait = IDLE_HOME; // typing a number for SMS/WhatsApp
  if (state.view === "ticket") countdown(wait);
  idleTimer = setTimeout(() => {
    if (state.view === "home" && !state.query) showAttract(true);
    else go("home", { query: "" });
  }, wait);
}

function countdown(ms) {
  const until = Date.now() + ms;
  const tick = () => {
    const el = document.getElementById("countdown");
    if (!el) return;
    el.textContent = `(${Math.max(Math.ceil((until - Date.now()) / 1000), 0)})`;
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
  go("home", { query: "" });
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
document.addEventListener("pointerdown", () => armIdle(), true);
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

async function start() {
  if (MODE === "kiosk" && KIOSK) {
    try {
      state.kiosk = (await api(`/api/kiosks/${encodeURIComponent(KIOSK)}`)).kiosk;
    } catch (err) {
      if (err.code === "kiosk_not_found") document.getElementById("kiosk-note").textContent = ` · ${_("kios belum terdaftar")}: ${KIOSK}`;
    }
  }
  socket = live(
    MODE === "kiosk" && KIOSK ? { room: "kiosk", kiosk: KIOSK } : { room: "kiosk" },
    {
      connection(up) {
        if (!up) showOffline(true);
      },
      snapshot(data) {
        state.mpp = data.mpp;
        applyAgencies(data.agencies);
        // /ambil/?service=ID (the QR a refused citizen scanned at the kiosk) opens that service directly.
        const wanted = Number(params.get("service"));
        if (wanted && !state.serviceId && serviceById(wanted)) Object.assign(state, { view: "service", serviceId: wanted, agencyId: serviceById(wanted).agency.id });
        showOffline(false);
        // A citizen in the middle of taking a ticket keeps their screen; lists redraw with fresh numbers.
        if (["home", "agency", "service"].includes(state.view) || !state.agencies.length) {
          if (state.view === "home" && document.activeElement?.id === "search") renderResults();
          else render();
        }
        tickClock();
      },
      queue_changed(change) {
        applyQueueChanged(change);
        if (state.view === "home") renderResults();
        else if (["agency", "service"].includes(state.view) && !state.busy) render();
      },
      config_changed() {
        socket.emit("subscribe", MODE === "kiosk" && KIOSK ? { room: "kiosk", kiosk: KIOSK } : { room: "kiosk" });
      },
      ticket_printed: printed,
    },
  );
  setInterval(tickClock, 15000);
  tickClock();
  showMine();
}

start();
