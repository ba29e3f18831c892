// The public page (/info/): every agency and service now — open or not, hours, waiting, estimate, quota
// and booking places — live over the socket, so a citizen at home can choose when to come.
import { _, N_, esc, lang, live, mppTime, onLanguageButtons, setAgencyStyle, api, t } from "/static/loket.js";

const state = { figures: null, offset: 0, open: new Set(), standards: new Set(), busy: new Map(), socket: null, timer: null };
const $ = (id) => document.getElementById(id);

const CLOSED = {
  service_closed: N_("Tutup"),
  closed_today: N_("Tutup hari ini"),
  issuing_stopped: N_("Pengambilan nomor sudah ditutup"),
  on_break: N_("Istirahat"),
  service_inactive: N_("Tidak tersedia"),
};
const STANDARD = [
  ["requirements", N_("Persyaratan")],
  ["procedure", N_("Sistem, mekanisme dan prosedur")],
  ["completion_time", N_("Jangka waktu penyelesaian")],
  ["fee", N_("Biaya/tarif")],
  ["product", N_("Produk pelayanan")],
  ["complaint_channel", N_("Penanganan pengaduan, saran dan masukan")],
];

const clock = (text) => String(text || "").replace(":", ".");

function stateWords(s) {
  if (s.state === "open") return { label: _("Buka"), note: "" };
  if (s.state === "no_counter") {
    return { label: _("Belum ada loket yang buka"), note: _("Nomor antrean bisa diambil, tetapi belum ada petugas yang melayani. Perkiraan waktu tunggu belum dapat dihitung.") };
  }
  const label = t(CLOSED[s.closed_reason] || N_("Tutup"));
  let note = "";
  if (s.closed_today) note = _("Alasan: {reason}", { reason: s.closed_today });
  else if (!s.hours) note = _("Tidak ada layanan hari ini.");
  return { label, note };
}

function hoursText(s) {
  if (!s.hours) return "—";
  return _("{opens}–{closes} (ambil nomor s.d. {until})", { opens: clock(s.hours.opens), closes: clock(s.hours.closes), until: clock(s.hours.issuing_until) });
}

function waitText(s) {
  if (s.state !== "open") return "—";
  if (!s.waiting) return _("Tanpa antrean");
  return _("± {minutes} menit", { minutes: s.estimated_wait_minutes ?? "?" });
}

function bookingText(s) {
  if (!s.booking) return "";
  const part = (n) => (n === null || n === undefined ? _("tidak ada sesi") : String(n));
  return _("Sisa tempat reservasi: hari ini {today}, besok {tomorrow}", { today: part(s.booking.today), tomorrow: part(s.booking.tomorrow) });
}

function serviceHtml(s, agency) {
  const words = stateWords(s);
  const standard = STANDARD.filter(([key]) => s.standard?.[key]).map(([key, label]) => `<dt>${esc(t(label))}</dt><dd>${esc(s.standard[key])}</dd>`).join("");
  const maklumat = agency.maklumat ? `<dt>${esc(_("Maklumat pelayanan"))}</dt><dd>${esc(agency.maklumat)}${agency.maklumat_signer ? `\n— ${esc(agency.maklumat_signer)}` : ""}</dd>` : "";
  const quota = s.quota === null ? _("Tanpa batas") : String(s.quota_left);
  const links = [
    s.booking ? `<a href="/reservasi/?service=${s.id}">${esc(_("Reservasi"))}</a>` : "",
    `<button type="button" data-busy="${s.id}" aria-expanded="${state.busy.has(s.id)}">${esc(_("Jam ramai"))}</button>`,
  ].join("");
  return `<article class="p-service" data-service="${s.id}">
    <h3>${esc(s.name)}</h3>
    <p class="p-state p-state-${s.state}">${esc(words.label)}</p>
    ${words.note ? `<p class="p-note">${esc(words.note)}</p>` : ""}
    <dl class="p-stats">
      <div><dt>${esc(_("Jam layanan hari ini"))}</dt><dd>${esc(hoursText(s))}</dd></div>
      <div><dt>${esc(_("Menunggu"))}</dt><dd>${s.waiting}</dd></div>
      <div><dt>${esc(_("Perkiraan waktu tunggu"))}</dt><dd>${esc(waitText(s))}</dd></div>
      <div><dt>${esc(_("Loket melayani"))}</dt><dd>${s.open_counters}</dd></div>
      <div><dt>${esc(_("Sisa kuota hari ini"))}</dt><dd>${esc(quota)}</dd></div>
    </dl>
    ${s.booking ? `<p class="p-note">${esc(bookingText(s))}</p>` : ""}
    <div class="p-actions">${links}</div>
    ${state.busy.has(s.id) ? `<div class="p-busy" id="busy-${s.id}">${busyHtml(s.id)}</div>` : ""}
    ${standard || maklumat ? `<details class="p-standard" data-standard="${s.id}"${state.standards.has(s.id) ? " open" : ""}><summary>${esc(_("Standar pelayanan"))}</summary><dl>${standard}${maklumat}</dl></details>` : ""}
  </article>`;
}

function matches(agency, s, words) {
  const text = `${agency.name} ${agency.code} ${s.name} ${s.short_name}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

function draw() {
  const figures = state.figures;
  if (!figures) return;
  const words = $("search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const parts = [];
  for (const agency of figures.agencies) {
    const services = agency.services.filter((s) => matches(agency, s, words));
    if (!services.length) continue;
    const open = agency.services.filter((s) => s.state === "open").length;
    const waiting = agency.services.reduce((n, s) => n + s.waiting, 0);
    const expanded = state.open.has(agency.id) || words.length > 0;
    parts.push(`<details class="p-agency" data-agency="${agency.id}" data-color="${esc(agency.color)}"${expanded ? " open" : ""}>
      <summary><span class="p-agency-name">${esc(agency.name)}</span>
      <span class="p-agency-sum">${esc(_("{waiting} menunggu · {open} dari {total} layanan buka", { waiting, open, total: agency.services.length }))}</span></summary>
      <div class="p-services">${services.map((s) => serviceHtml(s, agency)).join("")}</div>
    </details>`);
  }
  const box = $("agencies");
  box.innerHTML = parts.join("") || `<p class="p-empty">${esc(_("Tidak ada layanan yang cocok."))}</p>`;
  for (const node of box.querySelectorAll("[data-color]")) setAgencyStyle(node, node.dataset.color);
  const at = mppTime(new Date(figures.generated_at), figures.timezone);
  $("updated").textContent = _("Diperbarui {time} {zone}", { time: at.time.replace(":", "."), zone: at.zone });
}

// ---------------------------------------------------------------- busy hours

const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6];

function weekdayName(index, style = "short") {
  // 2024-01-01 was a Monday: index 0 = Monday, as the server counts
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", { weekday: style, timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + index)));
}

function busyHtml(serviceId) {
  const entry = state.busy.get(serviceId);
  if (!entry?.data) return `<p class="p-note">${esc(_("Memuat…"))}</p>`;
  const { data, day } = entry;
  const values = data.waiting[day];
  const hours = values.map((v, h) => [h, v]).filter(([h]) => data.waiting.some((d) => d[h] > 0));
  const days = WEEKDAYS.map((d) => `<button type="button" data-day="${d}" data-for="${serviceId}" aria-pressed="${d === day}" title="${esc(weekdayName(d, "long"))}">${esc(weekdayName(d))}</button>`).join("");
  if (!hours.length) {
    return `<div class="p-days">${days}</div><p class="p-note">${esc(_("Belum ada riwayat antrean untuk layanan ini."))}</p>`;
  }
  const top = Math.max(1, ...data.waiting.flat());
  const width = 320;
  const step = width / hours.length;
  const nowHour = Number(mppTime(new Date(Date.now() + state.offset), data.timezone).time.slice(0, 2));
  const today = (new Date(Date.now() + state.offset).getUTCDay() + 6) % 7;
  const bars = hours.map(([h, v], i) => {
    const height = Math.round((v / top) * 100);
    const current = day === today && h === nowHour ? " now" : "";
    return `<rect class="bar${current}" x="${(i * step + 2).toFixed(1)}" y="${110 - height}" width="${(step - 4).toFixed(1)}" height="${height}"><title>${esc(`${String(h).padStart(2, "0")}.00 — ${v}`)}</title></rect>
      <text x="${(i * step + step / 2).toFixed(1)}" y="124" text-anchor="middle">${h}</text>`;
  }).join("");
  const summary = hours.map(([h, v]) => `${String(h).padStart(2, "0")}.00: ${v}`).join(", ");
  return `<div class="p-days" role="group" aria-label="${esc(_("Pilih hari"))}">${days}</div>
    <svg class="p-chart" viewBox="0 0 ${width} 128" role="img" aria-label="${esc(_("Rata-rata warga menunggu per jam pada hari {day}: {values}", { day: weekdayName(day, "long"), values: summary }))}">${bars}</svg>
    <p class="p-note">${esc(_("Rata-rata jumlah warga menunggu per jam, {weeks} minggu terakhir. Datanglah pada jam yang batangnya rendah.", { weeks: data.weeks }))}</p>`;
}

async function toggleBusy(serviceId) {
  if (state.busy.has(serviceId)) {
    state.busy.delete(serviceId);
    draw();
    return;
  }
  const today = (new Date(Date.now() + state.offset).getUTCDay() + 6) % 7;
  state.busy.set(serviceId, { data: null, day: today });
  draw();
  try {
    const data = await api(`/api/public/busy-hours?service_id=${serviceId}`);
    if (state.busy.has(serviceId)) state.busy.set(serviceId, { data, day: today });
  } catch {
    state.busy.delete(serviceId);
  }
  draw();
}

// ---------------------------------------------------------------- live

function merge(changed) {
  const byId = new Map(changed.map((s) => [s.id, s]));
  for (const agency of state.figures?.agencies || []) {
    agency.services = agency.services.map((s) => (byId.has(s.id) ? { ...byId.get(s.id) } : s));
  }
}

// Ask again for the figures when a service opens, stops issuing or closes (a small random delay, so
// a thousand phones do not ask in the same second).
function scheduleNextChange() {
  clearTimeout(state.timer);
  const next = state.figures?.next_change_at;
  if (!next) return;
  const due = new Date(next).getTime() - (Date.now() + state.offset) + 1000 + Math.random() * 15000;
  state.timer = setTimeout(() => state.socket?.emit("subscribe", { room: "public" }), Math.max(due, 1000));
}

function start() {
  onLanguageButtons(() => location.reload());
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  $("search").addEventListener("input", draw);
  $("agencies").addEventListener("toggle", (event) => {
    const node = event.target;
    if (node.dataset?.agency) {
      const id = Number(node.dataset.agency);
      node.open ? state.open.add(id) : state.open.delete(id);
    } else if (node.dataset?.standard) {
      const id = Number(node.dataset.standard);
      node.open ? state.standards.add(id) : state.standards.delete(id);
    }
  }, true);
  $("agencies").addEventListener("click", (event) => {
    const busy = event.target.closest("[data-busy]");
    if (busy) toggleBusy(Number(busy.dataset.busy));
    const day = event.target.closest("[data-day]");
    if (day) {
      const entry = state.busy.get(Number(day.dataset.for));
      if (entry) entry.day = Number(day.dataset.day);
      draw();
    }
  });
  state.socket = live({ room: "public" }, {
    snapshot: (data) => {
      state.offset = new Date(data.server_time).getTime() - Date.now();
      state.figures = data.figures;
      draw();
      scheduleNextChange();
    },
    public_changed: (data) => {
      merge(data.services || []);
      if (state.figures && data.generated_at) state.figures.generated_at = data.generated_at;
      draw();
    },
    connection: (up) => {
      $("offline").hidden = up;
    },
  });
}

start();
