// The citizen's own ticket page (/t/<token>): live place in the queue, and the call to a counter.
import { _, api, esc, icon, lang, live, localized, mppTime, onLanguageButtons, setAgencyStyle } from "/static/loket.js";
import { mountNotify } from "/kiosk/static/notify.js";

let ticket = JSON.parse(document.getElementById("ticket-data").textContent);
const mpp = JSON.parse(document.getElementById("mpp-data").textContent);
const token = ticket.token;
let audio = null;
let socket = null;
let wakeLock = null;
const ACTIVE = ["waiting", "called", "serving"];
let survey = null; // the survey's answer for this finished ticket: {open, reason}; null until asked

const $ = (id) => document.getElementById(id);

function statusHtml(tk) {
  const where = tk.counter_number != null ? _("Silakan menuju loket {counter_number}", { counter_number: tk.counter_number }) : "";
  switch (tk.status) {
    case "waiting": {
      // A booking before its slot: walk-ins until then go first, so a time, not a count.
      if (tk.called_around) {
        const at = mppTime(new Date(tk.called_around), mpp.timezone);
        const time = `${lang() === "id" ? at.time.replace(":", ".") : at.time} ${at.zone}`;
        return `<p class="k-t-big" id="t-around">${_("Dipanggil sekitar pukul {time}", { time })}</p>
          <p>${_("Nomor reservasi dipanggil mulai jam sesinya; pengunjung yang datang sebelum jam itu dilayani lebih dulu.")}</p>`;
      }
      if (tk.open_counters === 0) {
        return `<p class="k-t-big" id="t-no-counter">${_("Belum ada loket yang buka")}</p>
          <p>${_("Antrean di depan Anda")}: <strong id="t-ahead">${tk.ahead}</strong></p>
          <p>${_("Nomor Anda tetap berlaku. Pemanggilan dimulai saat petugas membuka loket; perkiraan waktu tunggu muncul setelah itu.")}</p>`;
      }
      // Next in line: say so plainly, no "± 0 menit" beside it.
      if (tk.ahead === 0) {
        return `<p class="k-t-big k-t-next" id="t-next">${_("Anda berikutnya!")}</p>
          <p>${_("Bersiaplah di dekat loket: nomor Anda segera dipanggil.")}</p>`;
      }
      const wait = tk.estimated_wait_minutes ? `<p>${_("Perkiraan waktu tunggu")}: ± ${tk.estimated_wait_minutes} ${_("menit")}</p>` : "";
      return `<p class="k-t-big">${_("Antrean di depan Anda")}: <strong id="t-ahead">${tk.ahead}</strong></p>${wait}`;
    }
    case "called":
      return `<p class="k-t-call" id="t-call">${esc(where)}</p>${tk.call_count > 1 ? `<p>${_("Dipanggil ulang")}</p>` : ""}`;
    case "serving":
      return `<p class="k-t-call">${esc(where)}</p><p>${_("Sedang dilayani.")}</p>`;
    case "done":
      return `<p class="k-t-big">${_("Layanan selesai. Terima kasih!")}</p>${surveyHtml()}`;
    case "no_show":
      return `<p class="k-t-big">${_("Anda tidak hadir saat dipanggil.")}</p><p>${_("Silakan hubungi petugas loket atau bagian informasi.")}</p>`;
    case "cancelled":
      return `<p class="k-t-big">${_("Nomor antrean ini telah dibatalkan.")}</p><p><a href="/ambil/">${_("Ambil nomor baru")}</a></p>`;
    default:
      return "";
  }
}

// The survey is offered only while the server would take it: not twice for one ticket, not after its window.
function surveyHtml() {
  if (survey?.reason === "survey_already_answered") return `<p id="t-survey-done">${_("Survei Anda sudah kami terima.")}</p>`;
  if (!survey?.open) return "";
  return `<p>${_("Bantu kami menjadi lebih baik: isi survei kepuasan (1 menit).")}</p>
        <a class="k-btn k-btn-primary" id="t-survey" href="/survey/?ticket=${encodeURIComponent(token)}" rel="noreferrer">${_("Isi survei kepuasan")}</a>`;
}

let surveyAsked = false;
async function loadSurvey() {
  if (ticket.status !== "done" || surveyAsked) return;
  surveyAsked = true;
  try {
    survey = (await api(`/api/survey/tickets/${encodeURIComponent(token)}`)).survey;
    render();
  } catch (err) {
    surveyAsked = false; // offline: ask again with the next redraw
  }
}

// Back from the survey (the browser's back button, or another tab): ask again, the answer may have come.
function recheckSurvey() {
  if (document.visibilityState !== "visible" || ticket.status !== "done") return;
  surveyAsked = false;
  loadSurvey();
}
document.addEventListener("visibilitychange", recheckSurvey);
window.addEventListener("pageshow", recheckSurvey);

// The connection's state in the header, said again in the page's language when it changes.
const LIVE_TEXT = {
  connecting: () => _("Menghubungkan…"),
  up: () => _("Terhubung"),
  live: () => _("Terhubung · diperbarui langsung"),
  down: () => _("Menyambung ulang…"),
};
let liveState = "connecting";

function showLive(state = liveState) {
  liveState = state;
  $("live-state").textContent = LIVE_TEXT[state]();
  $("live-state").classList.toggle("is-offline", state === "down");
}

function render() {
  document.documentElement.lang = lang();
  showLive();
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  const card = $("ticket");
  card.className = `k-ticket status-${ticket.status}${ticket.held ? " is-held" : ""}`;
  setAgencyStyle(card, ticket.agency_color);
  $("t-agency").textContent = ticket.agency || "";
  $("t-service").textContent = localized(ticket, "service");
  $("t-number").textContent = ticket.number;
  $("t-label").textContent = _("Nomor antrean Anda");
  $("t-priority").hidden = !ticket.priority;
  $("t-priority").textContent = _("PRIORITAS");
  $("t-status").innerHTML = statusHtml(ticket);
  $("t-keep").hidden = !ACTIVE.includes(ticket.status);
  $("t-keep").textContent = wakeLock
    ? _("Biarkan halaman ini tetap terbuka: nomor Anda dipanggil di sini juga. Layar dibiarkan menyala selama menunggu.")
    : _("Biarkan halaman ini tetap terbuka: nomor Anda dipanggil di sini juga.");
  $("t-actions").innerHTML =
    ticket.status === "waiting" ? `<button type="button" class="k-btn k-btn-ghost" id="t-cancel">${_("Batalkan nomor ini")}</button>` : "";
  mountNotify($("t-notify"), ticket, { onChange: (notify) => (ticket.notify = notify) });
  $("t-qr-caption").textContent = _("Tunjukkan halaman ini kepada petugas bila diminta.");
  $("t-complaint").textContent = _("Sampaikan pengaduan atau saran");
  const issued = mppTime(new Date(ticket.issued_at), mpp.timezone);
  $("t-issued").textContent = `${_("Diambil")} ${issued.date}, ${issued.time} ${issued.zone}`;
  $("sound").innerHTML = `${icon(audio ? "bell-ring" : "bell")} ${esc(audio ? _("Suara panggilan aktif") : _("Aktifkan suara panggilan"))}`;
  document.title = `${ticket.number} — ${ticket.status === "called" ? _("Dipanggil!") : _("Nomor antrean")}`;
  loadSurvey();
}

// A phone allows sound only after a tap; the chime is synthesised, so the page loads nothing more.
function unlockSound() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  audio = audio || new Context();
  audio.resume?.();
  render();
}

function chime() {
  if (!audio) return;
  const start = audio.currentTime + 0.05;
  [880, 660, 990].forEach((freq, i) => {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(0.4, start + i * 0.35 + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.35 + 0.32);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.35);
    osc.stop(start + i * 0.35 + 0.34);
  });
}

function alertCitizen() {
  chime();
  navigator.vibrate?.([400, 200, 400, 200, 800]);
  $("ticket").classList.add("is-alerting");
  setTimeout(() => $("ticket").classList.remove("is-alerting"), 6000);
}

function update(fresh) {
  const serviceMoved = fresh.service_id !== ticket.service_id;
  ticket = { ...ticket, ...fresh };
  if (!ACTIVE.includes(ticket.status) && wakeLock) wakeLock.release().catch(() => null);
  render();
  // A transfer puts the ticket in another service's line: follow that line's changes instead.
  if (serviceMoved && socket) socket.follow();
}

document.addEventListener("click", async (event) => {
  if (event.target.id === "sound") return unlockSound();
  if (event.target.id === "t-cancel") {
    if (!confirm(_("Batalkan nomor antrean ini? Nomor yang dibatalkan tidak dapat dipakai lagi."))) return;
    try {
      update(await api(`/api/tickets/${encodeURIComponent(token)}/cancel`, { method: "POST" }));
    } catch (err) {
      alert(err.message);
    }
  }
});

onLanguageButtons(render);

// The page is the citizen's pager: keep the phone's screen on while the ticket is live, where the browser
// allows it (Screen Wake Lock API). The browser drops the lock when the page is hidden: ask again on return.
async function keepAwake() {
  document.body.dataset.wakeLock = "wakeLock" in navigator ? (wakeLock ? "on" : "off") : "unsupported";
  if (!("wakeLock" in navigator) || wakeLock || document.visibilityState !== "visible" || !ACTIVE.includes(ticket.status)) return;
  try {
    wakeLock = await navigator.wakeLock.request("screen");
    wakeLock.addEventListener("release", () => {
      wakeLock = null;
      document.body.dataset.wakeLock = "off";
      render();
    });
    document.body.dataset.wakeLock = "on";
    render();
  } catch (err) {
    // Refused (battery saver, no user gesture on some browsers): the notice still asks to keep the page open.
    wakeLock = null;
  }
}

document.addEventListener("visibilitychange", keepAwake);
document.addEventListener("click", keepAwake); // some browsers grant the lock only after a tap

socket = live(
  { room: "ticket", token },
  {
    connection(up) {
      showLive(up ? "up" : "down");
    },
    snapshot(data) {
      if (data.ticket) update(data.ticket);
      showLive("live");
    },
    ticket_called(call) {
      ticket = { ...ticket, status: "called", counter_number: call.counter_number, counter: call.counter, call_count: call.call_count };
      render();
      alertCitizen();
    },
    ticket_changed: update,
    // Its place whenever its lines move (loket/places.py): nothing to ask for.
    ticket_place: update,
  },
);

render();
keepAwake();
