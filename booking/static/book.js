// The citizen's booking on a phone (/reservasi/): service → day → time slot → name and phone → the booking page.
import { _, api, esc, lang, live, localized, N_, onLanguageButtons, pgettext, setLang, t } from "/static/loket.js";

const app = document.getElementById("app");
const screen = document.getElementById("screen");
const TODAY = app.dataset.today;
const MINE = "loket.mybookings";

const state = {
  step: "service", // service, day, details
  agencies: [],
  agencyId: null,
  serviceId: null,
  days: null,
  date: null,
  slots: null,
  slotsError: null,
  start: null,
  form: { name: "", phone: "", nik: "" },
  error: null,
  notice: null,
  busy: false,
};

const safeColor = (value) => (/^#[0-9a-f]{3,8}$/i.test(value || "") ? value : "#0b5394");
const services = () => state.agencies.flatMap((a) => a.services.map((s) => ({ ...s, agency: a })));
const service = () => services().find((s) => s.id === state.serviceId);
const agency = () => state.agencies.find((a) => a.id === state.agencyId);

// "Rabu, 25 November" / "Wednesday 25 November" for a local date "2026-11-25".
function dayName(iso, options = { weekday: "long", day: "numeric", month: "long" }) {
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", { timeZone: "UTC", ...options }).format(new Date(`${iso}T00:00:00Z`));
}

// ---------------------------------------------------------------- views

function steps() {
  const names = [["service", _("Layanan")], ["day", _("Jadwal")], ["details", _("Data diri")]];
  const at = names.findIndex(([key]) => key === state.step);
  document.getElementById("steps").innerHTML = names
    .map(([, label], i) => `<li class="${i < at ? "done" : i === at ? "current" : ""}"${i === at ? ' aria-current="step"' : ""}><span>${i + 1}</span> ${esc(label)}</li>`)
    .join("");
}

function mine() {
  const list = JSON.parse(localStorage.getItem(MINE) || "[]").filter((b) => b.date >= TODAY);
  if (!list.length) return "";
  return `<section class="b-mine"><h2>${_("Reservasi Anda")}</h2>${list
    .map((b) => `<a class="b-mine-item" href="/reservasi/${encodeURIComponent(b.token)}"><strong>${esc(b.code)}</strong> <span>${esc(b.service)} · ${esc(dayName(b.date, { weekday: "short", day: "numeric", month: "short" }))} ${esc(b.start)}</span></a>`)
    .join("")}</section>`;
}

function serviceStep() {
  if (!state.agencies.length) {
    return `<p class="b-empty">${_("Belum ada layanan yang menerima reservasi. Silakan datang langsung dan ambil nomor di kios.")}</p>`;
  }
  const intro = `<h1>${_("Reservasi antrean")}</h1>
    <p class="b-lead">${_("Pilih jam kedatangan. Saat tiba, check-in di kios (\"Sudah reservasi?\") dan Anda masuk antrean sesuai jam reservasi.")}</p>`;
  const chosen = agency();
  if (!chosen) {
    return `${mine()}${intro}<h2 class="b-q">${_("Pilih instansi")}</h2><div class="b-list">${state.agencies
      .map((a) => `<button type="button" class="b-card" data-agency="${a.id}" style="--agency:${safeColor(a.color)}"><span class="b-card-title">${esc(a.name)}</span><span class="b-card-meta">${a.services.length === 1 ? pgettext("one", "{n} layanan dapat direservasi", { n: 1 }) : _("{n} layanan dapat direservasi", { n: a.services.length })}</span></button>`)
      .join("")}</div>`;
  }
  return `<button type="button" class="b-back" data-action="agencies">← ${_("Instansi lain")}</button>
    <h1>${esc(chosen.name)}</h1><h2 class="b-q">${_("Pilih layanan")}</h2>
    <div class="b-list">${chosen.services.map((s) => serviceCard(s, chosen)).join("")}</div>`;
}

function standardList(value) {
  const parts = String(value || "").split(/;\s*/).filter(Boolean);
  return parts.length ? `<ul>${parts.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>` : "";
}

function serviceCard(s, a) {
  const std = s.standard || {};
  return `<div class="b-card b-service" style="--agency:${safeColor(a.color)}">
      <span class="b-card-title">${esc(localized(s, "name"))}</span>
      <details><summary>${_("Persyaratan & biaya")}</summary>${standardList(localized(std, "requirements"))}
        ${std.fee ? `<p><strong>${_("Biaya")}:</strong> ${esc(std.fee)}</p>` : ""}
        ${std.completion_time ? `<p><strong>${_("Waktu penyelesaian")}:</strong> ${esc(std.completion_time)}</p>` : ""}</details>
      <button type="button" class="b-btn b-btn-primary" data-service="${s.id}">${_("Pilih layanan ini")}</button>
    </div>`;
}

function dayStep() {
  const s = service();
  const head = `<button type="button" class="b-back" data-action="services">← ${_("Ganti layanan")}</button>
    <p class="b-sub">${esc(s.agency.name)}</p><h1>${esc(localized(s, "name"))}</h1>`;
  if (!state.days) return `${head}<p class="b-muted">${_("Memuat hari…")}</p>`;
  const days = state.days.days.map((d) => {
    const full = d.open && d.left === 0;
    const note = !d.open ? _("Tutup") : full ? _("Penuh") : _("{left} tempat", { left: d.left });
    return `<button type="button" class="b-day${d.date === state.date ? " is-chosen" : ""}" data-date="${d.date}" ${!d.open || full ? "disabled" : ""} aria-pressed="${d.date === state.date}" title="${esc(d.reason || "")}">
        <span class="b-day-name">${esc(dayName(d.date, { weekday: "short" }))}</span><span class="b-day-num">${esc(dayName(d.date, { day: "numeric", month: "short" }))}</span><span class="b-day-note">${esc(note)}</span></button>`;
  }).join("");
  const notice = state.notice ? `<p class="b-error" role="alert">${esc(state.notice)}</p>` : "";
  return `${head}${notice}<h2 class="b-q">${_("Pilih hari")}</h2><div class="b-days" role="group">${days}</div>${slotPart()}`;
}

function slotPart() {
  if (!state.date) return "";
  const title = `<h2 class="b-q">${_("Pilih jam")} · ${esc(dayName(state.date))}</h2>`;
  if (state.slotsError) return `${title}<p class="b-error" role="alert">${esc(state.slotsError)}</p>`;
  if (!state.slots) return `${title}<p class="b-muted">${_("Memuat jam…")}</p>`;
  if (!state.slots.length) return `${title}<p class="b-empty">${_("Tidak ada sesi lagi pada hari ini. Pilih hari lain.")}</p>`;
  return `${title}<div class="b-slots" id="slots">${state.slots
    .map((x) => `<button type="button" class="b-slot${x.start === state.start ? " is-chosen" : ""}" data-start="${x.start}" ${x.left ? "" : "disabled"} aria-pressed="${x.start === state.start}">
        <span class="b-slot-time">${esc(x.start)}–${esc(x.end)}</span><span class="b-slot-left">${x.left ? _("sisa {left}", { left: x.left }) : _("penuh")}</span></button>`)
    .join("")}</div>`;
}

function field(name, label, attrs, hint = "") {
  const err = state.invalid?.[name] || (state.error?.field === name ? state.error.message : "");
  const invalid = err ? ` aria-invalid="true" aria-describedby="f-${name}-error"` : "";
  return `<div class="b-field${err ? " invalid" : ""}"><label for="f-${name}">${label}</label>
      <input id="f-${name}" name="${name}" value="${esc(state.form[name])}" ${attrs}${invalid}>
      ${hint ? `<p class="b-hint">${hint}</p>` : ""}<p class="b-field-error" id="f-${name}-error" role="alert">${esc(err)}</p></div>`;
}

// Every field's problem at once, beside each field, before anything is sent: the same rules the server
// applies (booking/views.py, loket/bookings.py), which still has the last word.
function invalidFields() {
  const found = {};
  if (state.form.name.trim().length < 2) found.name = t(FIELD_HELP.name);
  let phone = (state.form.phone || "").replace(/[\s\-.()]/g, "");
  if (phone.startsWith("+62")) phone = `0${phone.slice(3)}`;
  else if (phone.startsWith("62") && phone.length >= 11) phone = `0${phone.slice(2)}`;
  if (!/^08\d{7,11}$/.test(phone)) found.phone = t(FIELD_HELP.phone);
  if (state.days?.ask_nik && !/^\d{16}$/.test((state.form.nik || "").replace(/\s/g, ""))) found.nik = t(FIELD_HELP.nik);
  return found;
}

// Consent where the number is typed (UU 27/2022): reminders and the turn-near message for this booking only.
function notifyConsent() {
  const how = state.channels.length > 1 ? _("SMS/WhatsApp") : state.channels[0] === "whatsapp" ? _("WhatsApp") : _("SMS");
  return `<div class="b-field b-consent"><label class="b-check"><input type="checkbox" name="notify" ${state.form.notify ? "checked" : ""}>
      ${esc(_("Kirimi saya pengingat (sehari dan satu jam sebelum jadwal) dan kabar giliran lewat {how}", { how }))}</label>
      <p class="b-hint">${esc(_("Nomor ini hanya dipakai untuk reservasi ini, ditampilkan tersamar, dan dihapus setelah hari layanan berakhir (UU 27/2022 tentang Pelindungan Data Pribadi)."))}</p></div>`;
}

function detailsStep() {
  const s = service();
  const slot = (state.slots || []).find((x) => x.start === state.start);
  const askNik = state.days?.ask_nik;
  const general = state.error && !state.error.field ? `<p class="b-error" role="alert">${esc(state.error.message)}</p>` : "";
  return `<button type="button" class="b-back" data-action="days">← ${_("Ganti jam")}</button>
    <div class="b-summary" style="--agency:${safeColor(s.agency.color)}"><strong>${esc(localized(s, "name"))}</strong><span>${esc(dayName(state.date))} · ${esc(state.start)}–${esc(slot?.end || "")}</span></div>
    <h1>${_("Data diri")}</h1>
    <form id="details-form" novalidate>
      ${field("name", _("Nama lengkap"), 'autocomplete="name" maxlength="100" required')}
      ${field("phone", _("Nomor ponsel"), 'type="tel" inputmode="tel" autocomplete="tel" maxlength="20" placeholder="0812 3456 7890" required',
        _("Satu reservasi aktif per nomor ponsel per layanan dan hari."))}
      ${state.channels?.length ? notifyConsent() : ""}
      ${askNik ? field("nik", _("NIK (16 angka, sesuai KTP-el)"), 'inputmode="numeric" autocomplete="off" maxlength="16" pattern="[0-9]*" required',
        _("NIK tidak disimpan; hanya 4 angka terakhir yang ditampilkan.")) : ""}
      ${general}
      <button type="submit" class="b-btn b-btn-primary" ${state.busy ? "disabled" : ""}>${state.busy ? _("Memproses…") : _("Pesan jam ini")}</button>
    </form>`;
}

function render() {
  document.documentElement.lang = lang();
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  document.getElementById("b-tagline").textContent = _("Reservasi antrean");
  document.getElementById("b-walk-in").textContent = _("Ambil nomor antrean hari ini tanpa reservasi");
  steps();
  const views = { service: serviceStep, day: dayStep, details: detailsStep };
  const scrolled = screen.querySelector(".b-days")?.scrollLeft || 0; // the row of days keeps its place on redraws
  screen.innerHTML = views[state.step]();
  const row = screen.querySelector(".b-days");
  if (row) row.scrollLeft = scrolled;
}

// ---------------------------------------------------------------- data

async function loadDays() {
  state.days = null;
  render();
  try {
    state.days = await api(`/api/bookings/days?service_id=${state.serviceId}`);
  } catch (err) {
    state.days = { days: [], ask_nik: false };
    state.notice = err.message;
  }
  const first = state.days.days.find((d) => d.open && d.left > 0);
  if (first && !state.date) return chooseDay(first.date);
  render();
}

async function chooseDay(date) {
  Object.assign(state, { date, slots: null, slotsError: null, start: null });
  socket.follow();
  render();
  try {
    const answer = await api(`/api/bookings/slots?service_id=${state.serviceId}&date=${date}`);
    // The socket's places (sent on joining, then at every change) are never older than this read.
    if (state.date === date && !state.slots) state.slots = answer.slots;
  } catch (err) {
    if (state.date === date) state.slotsError = err.message;
  }
  render();
}

async function submit() {
  if (state.busy) return;
  const form = document.getElementById("details-form");
  for (const input of form.querySelectorAll("input")) state.form[input.name] = input.type === "checkbox" ? input.checked : input.value;
  state.invalid = invalidFields();
  if (Object.keys(state.invalid).length) {
    state.error = null;
    render();
    document.querySelector(".b-field.invalid input")?.focus();
    return;
  }
  state.busy = true;
  state.error = null;
  render();
  const body = { service_id: state.serviceId, date: state.date, start: state.start, name: state.form.name, phone: state.form.phone };
  if (state.days?.ask_nik) body.nik = state.form.nik;
  if (state.form.notify) Object.assign(body, { notify: true, notify_channel: state.channels.includes("sms") ? "sms" : state.channels[0] });
  try {
    const booking = await api("/api/bookings", { method: "POST", body, timeout: 12000 });
    const list = JSON.parse(localStorage.getItem(MINE) || "[]").filter((b) => b.date >= TODAY && b.token !== booking.token);
    list.unshift({ token: booking.token, code: booking.code, service: booking.service, date: booking.date, start: booking.start });
    localStorage.setItem(MINE, JSON.stringify(list.slice(0, 10)));
    location.assign(`/reservasi/${encodeURIComponent(booking.token)}`);
    return;
  } catch (err) {
    const field = err.body?.field && err.code !== "booking_exists" ? err.body.field : null;
    state.error = { field, message: FIELD_HELP[field] ? t(FIELD_HELP[field]) : err.message };
    if (err.code === "slot_full" || err.code === "booking_closed") {
      // Someone took the last place meanwhile: back to the times, with fresh places left.
      Object.assign(state, { step: "day", busy: false, error: null, notice: err.message });
      return chooseDay(state.date);
    }
  }
  state.busy = false;
  render();
  document.querySelector(".b-field.invalid input")?.focus();
}

// ---------------------------------------------------------------- live places left

const socket = live(() => (state.serviceId && state.date ? { service_id: state.serviceId, date: state.date } : null), {
  booking_slots_changed(data) {
    if (data.service_id !== state.serviceId || data.date !== state.date) return;
    state.slots = data.slots;
    const day = state.days?.days.find((d) => d.date === data.date);
    if (day) day.left = data.slots.reduce((sum, s) => sum + s.left, 0);
    if (state.step === "day") render();
  },
}, "follow_booking_slots");

// ---------------------------------------------------------------- events

screen.addEventListener("click", (event) => {
  const el = event.target.closest("button");
  if (!el || el.disabled) return;
  if (el.dataset.agency) return Object.assign(state, { agencyId: Number(el.dataset.agency) }), render(), window.scrollTo(0, 0);
  if (el.dataset.service) {
    Object.assign(state, { serviceId: Number(el.dataset.service), step: "day", date: null, slots: null, start: null, error: null });
    window.scrollTo(0, 0);
    return loadDays();
  }
  state.notice = null;
  if (el.dataset.date) return chooseDay(el.dataset.date);
  if (el.dataset.start) {
    Object.assign(state, { start: el.dataset.start, step: "details", error: null, invalid: {} });
    render();
    window.scrollTo(0, 0);
    return document.getElementById("f-name")?.focus();
  }
  const action = el.dataset.action;
  if (action === "agencies") return Object.assign(state, { agencyId: null }), render();
  if (action === "services") return Object.assign(state, { step: "service", serviceId: null, date: null }), render();
  if (action === "days") return Object.assign(state, { step: "day", error: null }), render();
});

screen.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

for (const b of document.querySelectorAll("[data-lang]")) {
  b.addEventListener("click", () => {
    const form = document.getElementById("details-form");
    if (form) for (const input of form.querySelectorAll("input")) state.form[input.name] = input.type === "checkbox" ? input.checked : input.value;
  });
}
onLanguageButtons(render);

// Field errors in the citizen's language (the server names the field; its reason is for developers).
const FIELD_HELP = {
  name: N_("Tulis nama lengkap Anda (minimal 2 huruf)."),
  phone: N_("Masukkan nomor ponsel Indonesia, misalnya 0812 3456 7890."),
  nik: N_("NIK terdiri dari 16 angka, sesuai KTP-el."),
};

// Data the page itself carries (booking/views.py), or null when it is missing or cut short.
function inPage(id) {
  try {
    return JSON.parse(document.getElementById(id)?.textContent || "null");
  } catch {
    return null;
  }
}

async function start() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked === "id" || asked === "en") setLang(asked); // the booking page that follows keeps the language
  api("/api/notify").then((a) => { state.channels = a.channels; }).catch(() => {});
  try {
    const agencies = inPage("agencies-data") || (await api("/api/agencies"));
    state.agencies = agencies.map((a) => ({ ...a, services: a.services.filter((s) => s.booking_enabled) })).filter((a) => a.services.length);
    const wanted = Number(new URLSearchParams(location.search).get("service"));
    const match = services().find((s) => s.id === wanted);
    if (match) {
      Object.assign(state, { agencyId: match.agency.id, serviceId: match.id, step: "day" });
      return loadDays();
    }
    if (state.agencies.length === 1) state.agencyId = state.agencies[0].id;
  } catch (err) {
    screen.innerHTML = `<p class="b-error" role="alert">${esc(err.message)}</p>`;
    return;
  }
  render();
}

start();
