// The citizen's own ticket page (/t/<token>): live place in the queue, and the call to a counter.
import { _, api, esc, icon, lang, live, mppTime, setAgencyStyle, setLang } from "/static/loket.js";
import { mountNotify } from "/kiosk/static/notify.js";

let ticket = JSON.parse(document.getElementById("ticket-data").textContent);
const mpp = JSON.parse(document.getElementById("mpp-data").textContent);
const token = ticket.token;
let audio = null;
let refreshTimer = null;
let socket = null;

const $ = (id) => document.getElementById(id);

function statusHtml(tk) {
  const where = tk.counter_number != null ? _("Silakan menuju loket {counter_number}", { counter_number: tk.counter_number }) : "";
  switch (tk.status) {
    case "waiting": {
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
      return `<p class="k-t-big">${_("Layanan selesai. Terima kasih!")}</p>
        <p>${_("Bantu kami menjadi lebih baik: isi survei kepuasan (1 menit).")}</p>
        <a class="k-btn k-btn-primary" id="t-survey" href="/survey/?ticket=${encodeURIComponent(token)}" rel="noreferrer">${_("Isi survei kepuasan")}</a>`;
    case "no_show":
      return `<p class="k-t-big">${_("Anda tidak hadir saat dipanggil.")}</p><p>${_("Silakan hubungi petugas loket atau bagian informasi.")}</p>`;
    case "cancelled":
      return `<p class="k-t-big">${_("Nomor antrean ini telah dibatalkan.")}</p><p><a href="/ambil/">${_("Ambil nomor baru")}</a></p>`;
    default:
      return "";
  }
}

function render() {
  document.documentElement.lang = lang();
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  const card = $("ticket");
  card.className = `k-ticket status-${ticket.status}${ticket.held ? " is-held" : ""}`;
  setAgencyStyle(card, ticket.agency_color);
  $("t-agency").textContent = ticket.agency || "";
  $("t-service").textContent = ticket.service || "";
  $("t-number").textContent = ticket.number;
  $("t-label").textContent = _("Nomor antrean Anda");
  $("t-priority").hidden = !ticket.priority;
  $("t-priority").textContent = _("PRIORITAS");
  $("t-status").innerHTML = statusHtml(ticket);
  $("t-actions").innerHTML =
    ticket.status === "waiting" ? `<button type="button" class="k-btn k-btn-ghost" id="t-cancel">${_("Batalkan nomor ini")}</button>` : "";
  mountNotify($("t-notify"), ticket, { onChange: (notify) => (ticket.notify = notify) });
  $("t-qr-caption").textContent = _("Tunjukkan halaman ini kepada petugas bila diminta.");
  $("t-complaint").textContent = _("Sampaikan pengaduan atau saran");
  const issued = mppTime(new Date(ticket.issued_at), mpp.timezone);
  $("t-issued").textContent = `${_("Diambil")} ${issued.date}, ${issued.time} ${issued.zone}`;
  $("sound").innerHTML = `${icon(audio ? "bell-ring" : "bell")} ${esc(audio ? _("Suara panggilan aktif") : _("Aktifkan suara panggilan"))}`;
  document.title = `${ticket.number} — ${ticket.status === "called" ? _("Dipanggil!") : _("Nomor antrean")}`;
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
  render();
  // A transfer puts the ticket in another service's line: follow that line's changes instead.
  if (serviceMoved && socket) socket.emit("subscribe", { room: "ticket", token });
}

async function refresh() {
  try {
    update(await api(`/api/tickets/${encodeURIComponent(token)}`));
  } catch (err) {
    // Offline for a moment: the socket's reconnect brings a fresh snapshot.
  }
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

for (const b of document.querySelectorAll("[data-lang]")) {
  b.addEventListener("click", () => {
    setLang(b.dataset.lang);
    render();
  });
}

socket = live(
  { room: "ticket", token },
  {
    connection(up) {
      $("live-state").textContent = up ? _("Terhubung") : _("Menyambung ulang…");
      $("live-state").classList.toggle("is-offline", !up);
    },
    snapshot(data) {
      if (data.ticket) update(data.ticket);
      $("live-state").textContent = _("Terhubung · diperbarui langsung");
    },
    ticket_called(call) {
      ticket = { ...ticket, status: "called", counter_number: call.counter_number, counter: call.counter, call_count: call.call_count };
      render();
      alertCitizen();
    },
    ticket_changed: update,
    queue_changed() {
      // Others moving in the same line change "ahead"; ask once the burst of events settles.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, 800 + Math.random() * 700);
    },
  },
);

render();
