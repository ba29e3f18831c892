// The citizen's own ticket page (/t/<token>): live place in the queue, and the call to a counter.
import { api, esc, icon, lang, live, mppTime, setAgencyStyle, setLang, t } from "/static/loket.js";

let ticket = JSON.parse(document.getElementById("ticket-data").textContent);
const mpp = JSON.parse(document.getElementById("mpp-data").textContent);
const token = ticket.token;
const L = (id, en) => t({ id, en });
let audio = null;
let refreshTimer = null;
let socket = null;

const $ = (id) => document.getElementById(id);

function statusHtml(tk) {
  const where = tk.counter_number != null ? L(`Silakan menuju loket ${tk.counter_number}`, `Please go to counter ${tk.counter_number}`) : "";
  switch (tk.status) {
    case "waiting": {
      // Next in line: say so plainly, no "± 0 menit" beside it.
      if (tk.ahead === 0) {
        return `<p class="k-t-big k-t-next" id="t-next">${L("Anda berikutnya!", "You are next!")}</p>
          <p>${L("Bersiaplah di dekat loket: nomor Anda segera dipanggil.", "Please stay near the counters: your number is called soon.")}</p>`;
      }
      const wait = tk.estimated_wait_minutes ? `<p>${L("Perkiraan waktu tunggu", "Estimated wait")}: ± ${tk.estimated_wait_minutes} ${L("menit", "min")}</p>` : "";
      return `<p class="k-t-big">${L("Antrean di depan Anda", "People ahead of you")}: <strong id="t-ahead">${tk.ahead}</strong></p>${wait}`;
    }
    case "called":
      return `<p class="k-t-call" id="t-call">${esc(where)}</p>${tk.call_count > 1 ? `<p>${L("Dipanggil ulang", "Called again")}</p>` : ""}`;
    case "serving":
      return `<p class="k-t-call">${esc(where)}</p><p>${L("Sedang dilayani.", "Being served.")}</p>`;
    case "done":
      return `<p class="k-t-big">${L("Layanan selesai. Terima kasih!", "Service complete. Thank you!")}</p>
        <p>${L("Bantu kami menjadi lebih baik: isi survei kepuasan (1 menit).", "Help us improve: take the satisfaction survey (1 minute).")}</p>
        <a class="k-btn k-btn-primary" id="t-survey" href="/survey/?ticket=${encodeURIComponent(token)}" rel="noreferrer">${L("Isi survei kepuasan", "Take the survey")}</a>`;
    case "no_show":
      return `<p class="k-t-big">${L("Anda tidak hadir saat dipanggil.", "You were not there when called.")}</p><p>${L("Silakan hubungi petugas loket atau bagian informasi.", "Please speak to the counter staff or the information desk.")}</p>`;
    case "cancelled":
      return `<p class="k-t-big">${L("Nomor antrean ini telah dibatalkan.", "This ticket has been cancelled.")}</p><p><a href="/ambil/">${L("Ambil nomor baru", "Take a new number")}</a></p>`;
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
  $("t-label").textContent = L("Nomor antrean Anda", "Your queue number");
  $("t-priority").hidden = !ticket.priority;
  $("t-priority").textContent = L("PRIORITAS", "PRIORITY");
  $("t-status").innerHTML = statusHtml(ticket);
  $("t-actions").innerHTML =
    ticket.status === "waiting" ? `<button type="button" class="k-btn k-btn-ghost" id="t-cancel">${L("Batalkan nomor ini", "Cancel this ticket")}</button>` : "";
  $("t-qr-caption").textContent = L("Tunjukkan halaman ini kepada petugas bila diminta.", "Show this page to staff if asked.");
  $("t-complaint").textContent = L("Sampaikan pengaduan atau saran", "Send a complaint or suggestion");
  const issued = mppTime(new Date(ticket.issued_at), mpp.timezone);
  $("t-issued").textContent = `${L("Diambil", "Taken")} ${issued.date}, ${issued.time} ${issued.zone}`;
  $("sound").innerHTML = `${icon(audio ? "bell-ring" : "bell")} ${esc(audio ? L("Suara panggilan aktif", "Call sound on") : L("Aktifkan suara panggilan", "Turn on the call sound"))}`;
  document.title = `${ticket.number} — ${ticket.status === "called" ? L("Dipanggil!", "Called!") : L("Nomor antrean", "Queue number")}`;
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
    if (!confirm(L("Batalkan nomor antrean ini? Nomor yang dibatalkan tidak dapat dipakai lagi.", "Cancel this ticket? It cannot be used again."))) return;
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
      $("live-state").textContent = up ? L("Terhubung", "Connected") : L("Menyambung ulang…", "Reconnecting…");
      $("live-state").classList.toggle("is-offline", !up);
    },
    snapshot(data) {
      if (data.ticket) update(data.ticket);
      $("live-state").textContent = L("Terhubung · diperbarui langsung", "Connected · live");
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
