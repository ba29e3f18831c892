// The survey screen: on a counter's tablet it wakes for the ticket the officer just completed;
// from a citizen's ticket link it opens for that ticket. Answers are sent once, anonymously.
import { _, api, iconUrl, lang, live, N_, setLang, t } from "/static/loket.js";

const app = document.getElementById("app");
const counterId = Number(app.dataset.counter) || null;
const token = app.dataset.token || "";
const IDLE_AFTER_MS = 120_000; // a citizen who walked away must not leave the next one their half-filled survey
const THANKS_MS = 8_000;
const FACES = ["frown", "meh", "smile", "laugh"]; // SVG icons: a tablet may lack every emoji font

// A counter's tablet is paired by the admin's link /survey/?counter=N#pair=KEY: the key stays in
// localStorage (never in the address bar or a server log) and goes with every answer.
const TABLET_STORE = counterId ? `loket.survey.tablet.${counterId}` : null;
function takePairing() {
  if (!TABLET_STORE || !location.hash.startsWith("#pair=")) return false;
  localStorage.setItem(TABLET_STORE, decodeURIComponent(location.hash.slice(6)));
  history.replaceState(null, "", location.pathname + location.search);
  return true;
}
takePairing();
window.addEventListener("hashchange", () => { if (takePairing()) location.reload(); });
const tabletKey = () => (TABLET_STORE && localStorage.getItem(TABLET_STORE)) || "";

let form = null; // {mode, questions, quick, profile}
let current = null; // {ticket, answers, profile, step}
let idleTimer = null;

const $ = (id) => document.getElementById(id);

function show(name) {
  for (const view of document.querySelectorAll(".sv-view")) view.hidden = view.id !== `view-${name}`;
}

// The page's fixed words (the server drew them in the language it was asked for): redrawn here when the
// citizen switches language in the middle of a survey, from the same catalog texts.
const STATIC = {
  "sv-title": N_("Survei Kepuasan Masyarakat"),
  "sv-idle": N_("Terima kasih atas kunjungan Anda"),
  "sv-idle-more": N_("Setelah pelayanan Anda selesai, layar ini meminta penilaian Anda. Tanpa nama, hanya beberapa sentuhan."),
  "sv-pick": N_("Pilih loket untuk tablet ini"),
  "sv-back": N_("Kembali"),
  "sv-about": N_("Tentang Anda (boleh dilewati)"),
  skip: N_("Lewati dan kirim"),
  send: N_("Kirim penilaian"),
  "sv-thanks": N_("Terima kasih!"),
  "sv-thanks-more": N_("Penilaian Anda membantu kami memperbaiki pelayanan."),
};

function translateStatic() {
  document.documentElement.lang = lang();
  for (const [id, text] of Object.entries(STATIC)) $(id).textContent = t(text);
  document.title = t(STATIC["sv-title"]);
  $("lang").textContent = lang() === "en" ? "Bahasa Indonesia" : "English";
}

function touch() {
  clearTimeout(idleTimer);
  if (counterId) idleTimer = setTimeout(idle, IDLE_AFTER_MS);
}

function idle() {
  current = null;
  show("idle");
}

function message(text, detail = "") {
  $("message").textContent = text;
  $("message-ticket").textContent = detail;
  show("message");
}

function items() {
  return form.mode === "quick" ? [form.quick] : form.questions;
}

function start(ticket) {
  current = { ticket, answers: {}, profile: {}, step: 0 };
  renderQuestion();
}

function renderQuestion() {
  touch();
  const list = items();
  const item = list[current.step];
  $("ticket-label").textContent = current.ticket.number ? `${t(N_("Nomor antrean"))} ${current.ticket.number}` : "";
  $("progress").textContent = list.length > 1 ? _("Pertanyaan {step_1} dari {length}", { step_1: current.step + 1, length: list.length }) : "";
  $("question").textContent = t(item.question);
  const options = $("options");
  options.replaceChildren();
  for (const option of item.options) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sv-option";
    button.dataset.value = option.value;
    button.classList.toggle("chosen", current.answers[item.code] === option.value);
    const face = document.createElement("span");
    face.className = "face l-icon";
    face.setAttribute("aria-hidden", "true");
    face.style.setProperty("--icon", `url('${iconUrl(FACES[option.value - 1])}')`);
    const label = document.createElement("span");
    label.textContent = t(option);
    button.append(face, label);
    button.addEventListener("click", () => choose(item.code, option.value));
    options.append(button);
  }
  $("back").style.visibility = current.step > 0 ? "visible" : "hidden";
  show("question");
}

function choose(code, value) {
  current.answers[code] = value;
  if (current.step + 1 < items().length) {
    current.step += 1;
    renderQuestion();
  } else {
    renderProfile();
  }
}

const PROFILE_LABELS = {
  sex: N_("Jenis kelamin"),
  age_group: N_("Usia"),
  education: N_("Pendidikan terakhir"),
  occupation: N_("Pekerjaan"),
};

function renderProfile() {
  touch();
  const box = $("profile");
  box.replaceChildren();
  for (const [field, options] of Object.entries(form.profile)) {
    const set = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = t(PROFILE_LABELS[field]);
    set.append(legend);
    for (const option of options) {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "sv-chip";
      chip.dataset.field = field;
      chip.dataset.value = option.value;
      chip.textContent = t(option);
      chip.setAttribute("aria-pressed", String(current.profile[field] === option.value));
      chip.addEventListener("click", () => {
        touch();
        current.profile[field] = current.profile[field] === option.value ? undefined : option.value;
        for (const other of set.querySelectorAll(".sv-chip")) other.setAttribute("aria-pressed", String(current.profile[field] === other.dataset.value));
      });
      set.append(chip);
    }
    box.append(set);
  }
  show("profile");
}

async function send(withProfile) {
  if (!current) return;
  const answers = Object.fromEntries(Object.entries(current.answers).map(([k, v]) => [k === "QUICK" ? "quick" : k, v]));
  const body = { answers, profile: withProfile ? current.profile : {} };
  if (token) body.ticket_token = token;
  else Object.assign(body, { counter_id: counterId, ticket_id: current.ticket.id, tablet_key: tabletKey() });
  for (const b of document.querySelectorAll("#view-profile button")) b.disabled = true;
  try {
    await api("/api/survey/answers", { method: "POST", body });
    current = null;
    show("thanks");
    if (counterId) setTimeout(() => { if (!current) idle(); }, THANKS_MS);
  } catch (err) {
    message(err.message);
    if (counterId) setTimeout(() => { if (!current) idle(); }, THANKS_MS);
  } finally {
    for (const b of document.querySelectorAll("#view-profile button")) b.disabled = false;
  }
}

async function pickCounter() {
  const counters = await api("/api/counters");
  const box = $("counters");
  box.replaceChildren();
  for (const c of counters) {
    const a = document.createElement("a");
    a.href = `/survey/?counter=${c.id}`;
    a.textContent = c.name;
    box.append(a);
  }
  show("pick");
}

async function forCounter() {
  const counters = await api("/api/counters");
  const counter = counters.find((c) => c.id === counterId);
  if (!counter) return message(t(N_("Loket tidak ditemukan.")));
  $("where").textContent = counter.name;
  const status = await fetch(`/api/survey/tablets/${counterId}/status`, { headers: { "X-Tablet-Key": tabletKey(), Accept: "application/json" } })
    .then((r) => r.json()).catch(() => ({ paired: true })); // offline: the answer itself will say so
  if (!status.paired) {
    return message(
      t(N_("Tablet ini belum dipasangkan dengan loket.")),
      t(N_("Admin membuka tautan pemasangan dari Administrasi › Tablet survei.")),
    );
  }
  idle();
  live({ room: "display", agency_ids: [counter.agency_id] }, {
    connection: (up) => $("link").classList.toggle("on", up),
    queue_changed: (change) => {
      // A burst arrives as one message listing each change; the ticket JSON of a public room
      // carries no counter once done, so each change names its counters.
      for (const one of change.changes || [change]) {
        if (one.kind !== "completed" || !one.ticket) continue;
        const at = one.counter_ids || change.counters.map((c) => c.id);
        if (!at.includes(counterId)) continue;
        start({ id: one.ticket.id, number: one.ticket.number, service: one.ticket.service });
      }
    },
  });
}

async function forTicket() {
  try {
    const info = await api(`/api/survey/tickets/${encodeURIComponent(token)}`);
    $("where").textContent = info.ticket.agency;
    if (!info.survey.open) return message(info.survey.message, `${info.ticket.number} · ${info.ticket.service}`);
    start(info.ticket);
  } catch (err) {
    message(err.message);
  }
}

$("lang").addEventListener("click", async () => {
  await setLang(lang() === "en" ? "id" : "en");
  translateStatic();
  if (current && !$("view-question").hidden) renderQuestion();
  else if (current && !$("view-profile").hidden) renderProfile();
});
$("back").addEventListener("click", () => { if (current && current.step > 0) { current.step -= 1; renderQuestion(); } });
$("skip").addEventListener("click", () => send(false));
$("send").addEventListener("click", () => send(true));

translateStatic();
form = await api("/api/survey/questions");
$("mpp-name").textContent = form.mpp_name;
if (token) forTicket();
else if (counterId) forCounter();
else pickCounter();
