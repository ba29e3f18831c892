// The officer's one-screen console: current ticket, actions by key or click, live waiting list.
import { _, api, counterReason, esc, live, mppTime, N_, t } from "/static/loket.js";
import { PRIORITY, applyTexts, bindLogout, duration, isAuthError, setPriorityLabels, text, toLogin } from "./common.js";

const root = document.querySelector("[data-counter-id]");
const counterId = Number(root.dataset.counterId);
// "KTP-el" never breaks as "KTP-" / "el": a hyphenated word is kept on one line.
const keepWords = (text) => esc(text).replace(/\S*-\S*/g, (word) => `<span class="nobr">${word}</span>`);
const $ = (id) => document.getElementById(id);

const view = {
  counter: null,
  waiting: [],
  held: [],
  counts: new Map(), // service_id -> waiting count (whole service, not only the first 200 listed)
  services: new Map(), // service_id -> name, for this counter's agency
  offset: 0, // server clock minus this PC's clock
  tz: "Asia/Jakarta",
  busy: false,
  pending: [],
  socketUp: false,
  ended: false, // the officer's session ended: nothing on screen is true any more until they log in again
};

const now = () => Date.now() + view.offset;
const current = () => view.counter?.current_ticket || null;

// ------------------------------------------------------------------ which actions make sense now

function allowed(action) {
  const c = view.counter;
  if (!c || view.busy || view.ended) return false;
  const cur = current();
  const open = c.state === "open";
  switch (action) {
    case "next": return open && (cur !== null || totalWaiting() > 0 || view.waiting.length > 0);
    case "call": return open;
    case "recall": case "start": case "noshow": return cur?.status === "called";
    case "complete": case "transfer": case "hold": return cur !== null;
    case "resume": return cur === null && view.held.length > 0;
    case "open": return c.state !== "open";
    case "pause": return c.state !== "paused";
    case "close": return c.state !== "closed" && cur === null;
    default: return false;
  }
}

const totalWaiting = () => [...view.counts.values()].reduce((a, b) => a + b, 0);

// ------------------------------------------------------------------ drawing

function render() {
  const c = view.counter;
  if (!c) return;
  $("counter-name").textContent = c.name;
  $("officer-name").textContent = c.officer || "—";
  for (const button of document.querySelectorAll(".states [data-action]")) {
    const state = { open: "open", pause: "paused", close: "closed" }[button.dataset.action];
    button.classList.toggle("active", c.state === state);
    button.setAttribute("aria-pressed", String(c.state === state));
  }
  document.body.dataset.state = c.state;
  renderCurrent();
  renderHeld();
  renderWaiting();
  for (const button of document.querySelectorAll("[data-action]")) button.disabled = !allowed(button.dataset.action);
}

function renderCurrent() {
  const cur = current();
  // Called is not yet served: the label says which, so the officer never starts the clock too early.
  $("current-label").textContent = text(cur?.status === "called" ? "current_called" : "current");
  $("current").classList.toggle("empty", !cur);
  $("current").classList.toggle("is-priority", Boolean(cur?.priority));
  $("current-number").textContent = cur ? cur.number : "—";
  $("current-service").innerHTML = cur ? keepWords(cur.service) : esc(stateHint());
  const badge = $("current-priority");
  badge.hidden = !cur?.priority;
  badge.textContent = cur?.priority ? `${t(N_("Prioritas"))}: ${t(PRIORITY[cur.priority_reason] || { id: "-" })}` : "";
  const note = $("current-note");
  note.hidden = !(cur && cur.transfer_count > 0);
  note.textContent = cur && cur.transfer_count > 0
    ? `${t(N_("Dialihkan"))}${cur.transfer_note ? ": " + cur.transfer_note : ""}`
    : "";
  tick();
}

function stateHint() {
  const c = view.counter;
  const why = counterReason(c);
  if (c.state === "paused") return t(N_("Loket istirahat: tidak menerima warga baru.")) + (why ? ` (${why})` : "");
  if (c.state === "closed") return t(N_("Loket tutup. Tekan Buka (B) untuk mulai.")) + (why ? ` (${why})` : "");
  return totalWaiting() > 0
    ? t(N_("Tekan Panggil berikutnya (N)."))
    : t(N_("Belum ada warga yang menunggu."));
}

// The clock and "time since called/started" move every second without asking the server.
function tick() {
  const cur = current();
  const status = $("current-status");
  if (cur) {
    const serving = cur.status === "serving";
    const elapsed = duration(now() - Date.parse(serving ? cur.started_at : cur.called_at));
    // call_count travels with a transferred ticket; here only this counter's recalls mean anything
    const calls = !serving && cur.call_count > 1 && !cur.transfer_count ? ` · ${t(N_("dipanggil"))} ${cur.call_count}×` : "";
    status.textContent = serving
      ? _("Dilayani selama {elapsed}", { elapsed })
      : _("Dipanggil {elapsed} lalu", { elapsed }) + calls;
  } else {
    status.textContent = "";
  }
  const clock = mppTime(new Date(now()), view.tz);
  $("clock").textContent = `${clock.time} ${clock.zone}`;
  for (const cell of document.querySelectorAll("[data-since]")) {
    cell.textContent = `${Math.max(0, Math.floor((now() - Date.parse(cell.dataset.since)) / 60000))} ${t(N_("mnt"))}`;
  }
}

function renderHeld() {
  $("held-count").textContent = String(view.held.length);
  const canResume = current() === null && !view.busy;
  $("held-list").innerHTML = view.held.length
    ? view.held.map((h, i) => `
      <li><span class="held-number">${esc(h.number)}</span><span class="held-service">${keepWords(h.service)}</span>
        <button type="button" class="act small" data-resume="${h.id}" ${canResume ? "" : "disabled"}>${esc(text("resume"))}${i === 0 ? " <kbd>L</kbd>" : ""}</button></li>`).join("")
    : `<li class="empty">${esc(text("held_empty"))}</li>`;
}

function renderWaiting() {
  $("waiting-total").textContent = String(totalWaiting());
  const served = view.counter?.service_ids || [];
  $("service-counts").innerHTML = served.map((id) => `
    <span class="service-count"><strong data-service-count="${id}">${view.counts.get(id) || 0}</strong> ${keepWords(view.services.get(id) || "")}</span>`).join("");
  $("waiting-list").innerHTML = view.waiting.map((w) => `
    <tr class="${w.priority ? "priority" : ""}" data-ticket="${w.id}">
      <td class="num">${esc(w.number)}</td>
      <td>${keepWords(w.service)}${w.transfer_count ? ` <span class="tag">${esc(t(N_("dialihkan")))}</span>` : ""}${w.source === "booking" ? ` <span class="tag">${esc(t(N_("reservasi")))}</span>` : ""}</td>
      <td>${w.priority ? esc(t(PRIORITY[w.priority_reason] || N_("Ya"))) : ""}</td>
      <td data-since="${esc(w.issued_at)}"></td>
    </tr>`).join("");
  $("waiting-empty").hidden = view.waiting.length > 0;
  tick();
}

function say(message, kind = "bad") {
  const el = $("message");
  el.textContent = message || "";
  el.className = `message ${message ? kind : ""}`;
  clearTimeout(say.timer);
  if (message && kind !== "bad") say.timer = setTimeout(() => say(""), 6000);
}

// ------------------------------------------------------------------ state from the server

function applyDetail(detail) {
  view.counter = detail.counter;
  view.waiting = detail.waiting;
  view.held = detail.held;
  render();
}

async function refresh() {
  try {
    applyDetail(await api(`/api/counters/${counterId}`));
  } catch (err) {
    if (isAuthError(err)) sessionEnded(err);
    else say(err.message);
  }
}

// The session ended (expired, logged out on another screen, the account switched off): say so instead of
// a bare "Terputus", drop the ticket and the lists that are no longer true, and offer the login.
function sessionEnded(err) {
  if (view.ended) return;
  view.ended = true;
  view.pending = [];
  if (view.counter) view.counter = { ...view.counter, current_ticket: null };
  view.waiting = [];
  view.held = [];
  view.counts = new Map();
  say("");
  render();
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  const el = $("connection");
  el.textContent = text("session_ended");
  el.className = "conn off";
  const expired = (err?.code || err?.error) === "session_expired"; // an HTTP ApiError has .code, a socket refusal .error
  $("session-text").textContent = err?.message || t(expired ? N_("Sesi Anda telah berakhir. Silakan masuk kembali.") : N_("Silakan masuk terlebih dahulu."));
  $("session-login").onclick = () => toLogin(expired);
  $("session-dialog").showModal();
  $("session-login").focus();
  socket.disconnect();
}

async function refreshToday() {
  try {
    const { today } = await api("/api/me/today");
    $("today-served").textContent = String(today.served);
    $("today-noshows").textContent = String(today.no_shows);
    $("today-average").textContent = today.average_service_minutes === null
      ? "—"
      : `${today.average_service_minutes.toLocaleString(t(N_("id-ID")))} ${t(N_("menit"))}`;
  } catch (err) {
    if (isAuthError(err)) sessionEnded(err);
  }
}

// Several events arrive together (completed + called); one fetch answers them all.
function soon() {
  clearTimeout(soon.timer);
  soon.timer = setTimeout(() => { refresh(); refreshToday(); }, 80);
}

// ------------------------------------------------------------------ actions

const SUCCESS = {
  "call-next": (r) => r.ticket ? _("{number} dipanggil.", { number: r.ticket.number }) : N_("Tidak ada antrean yang menunggu."),
  call: (r) => (_("{number} dipanggil.", { number: r.ticket.number })),
  recall: (r) => (_("{number} dipanggil ulang.", { number: r.ticket.number })),
  start: (r) => (_("Mulai melayani {number}.", { number: r.ticket.number })),
  complete: (r) => (_("{number} selesai dilayani.", { number: r.ticket.number })),
  "no-show": (r) => (_("{number} ditandai tidak hadir.", { number: r.ticket.number })),
  hold: (r) => (_("{number} ditunda.", { number: r.ticket.number })),
  resume: (r) => (_("{number} dilanjutkan.", { number: r.ticket.number })),
  transfer: (r) => (_("{number} dialihkan ke {service}.", { number: r.ticket.number, service: r.ticket.service })),
  open: () => (N_("Loket dibuka.")),
  pause: () => (N_("Loket istirahat.")),
  close: (r) => (r.closure_request ? N_("Permintaan tutup dikirim: menunggu persetujuan supervisor.") : N_("Loket ditutup.")),
};

async function send(path, body) {
  if (view.busy) return null;
  view.busy = true;
  render();
  try {
    const result = await api(`/api/counters/${counterId}/${path}`, { method: "POST", body });
    const success = SUCCESS[path]?.(result);
    if (success) say(t(success), (path === "call-next" && !result.ticket) || result.closure_request ? "warn" : "ok");
    return result;
  } catch (err) {
    if (isAuthError(err)) sessionEnded(err);
    // Lost on the way: the server may or may not have done it; the snapshot after reconnecting tells.
    else if (err.code === "offline") say(t(N_("Sambungan terputus saat mengirim. Layar diperbarui begitu tersambung lagi: periksa nomor di layar sebelum menekan lagi.")));
    else say(err.message);
    return null;
  } finally {
    await refresh();
    view.busy = false;
    render();
    refreshToday();
    runPending();
  }
}

// Keys pressed while an action is on its way wait in order (a few at most) and each is judged
// against the refreshed screen, so a fast typist loses no keystroke and fires nothing stale.
const MAX_PENDING = 3;

function queue(action) {
  if (view.pending.length < MAX_PENDING) view.pending.push(action);
}

function runPending() {
  while (view.pending.length) {
    const action = view.pending.shift();
    if (!allowed(action)) continue; // made meaningless by the action before it
    if (action === "noshow" || action === "transfer") view.pending = []; // later keys belong to the dialog
    run(action);
    return;
  }
}

// The ticket this screen shows travels with "next": a stale tab is refused instead of skipping a citizen.
const expected = () => ({ expected_ticket_id: current()?.id ?? null });

const ACTIONS = {
  next: () => send("call-next", expected()),
  recall: () => send("recall"),
  start: () => send("start"),
  complete: () => send("complete"),
  noshow: confirmNoShow,
  transfer: openTransfer,
  hold: () => send("hold"),
  resume: () => view.held[0] && send("resume", { ticket_id: view.held[0].id }),
  call: callNumber,
  open: () => send("open"),
  pause: () => openReasons("pause"),
  close: () => openReasons("close"),
};

// After a reload the officer still learns the answer to today's last closure request (and why, if just rejected).
async function lastRequest() {
  try {
    const [latest] = (await api(`/api/counters/${counterId}/closure-requests`)).items;
    if (latest?.status === "pending") say(t(N_("Permintaan tutup dikirim: menunggu persetujuan supervisor.")), "warn");
    if (latest?.status === "rejected" && now() - Date.parse(latest.decided_at) < 10 * 60000) say(_("Permintaan tutup ditolak: {note}", { note: latest.decision_note }));
  } catch (err) {
    if (isAuthError(err)) toLogin(err.code === "session_expired");
  }
}

// ------------------------------------------------------------------ the reason sheet: two taps

// How long: the first chip is chosen already, so tapping a reason is the second and last tap.
const UNTIL = {
  pause: [[15, N_("15 mnt")], [30, N_("30 mnt")], [60, N_("1 jam")], [0, N_("Tidak tentu")]],
  close: [[-1, N_("Sampai akhir hari")], [30, N_("30 mnt")], [60, N_("1 jam")], [120, N_("2 jam")]],
};
let reasonList = null;

// "HH:MM" in the MPP's zone, `minutes` from now (whole minutes, so "30 mnt" is never longer than 30); null past midnight.
function untilIn(minutes) {
  const at = new Date(now() + minutes * 60000);
  const time = mppTime(at, view.tz).time;
  return time > mppTime(new Date(now()), view.tz).time ? time : null;
}

async function openReasons(action) {
  const dialog = $("reason-dialog");
  try {
    reasonList ||= (await api("/api/counter-reasons")).items;
  } catch (err) {
    say(err.message);
    return;
  }
  $("reason-title").textContent = action === "pause" ? t(N_("Istirahat — pilih alasan")) : t(N_("Tutup loket — pilih alasan"));
  const chips = $("until-chips");
  chips.querySelectorAll("label").forEach((n) => n.remove());
  UNTIL[action].forEach(([minutes, label], i) => {
    chips.insertAdjacentHTML("beforeend", `<label><input type="radio" name="until" value="${minutes}" ${i === 0 ? "checked" : ""}><span>${esc(t(label))}</span></label>`);
  });
  $("reason-note").value = "";
  $("reason-options").innerHTML = reasonList.map((r, i) => `
    <button class="big" value="${esc(r.code)}" data-reason="${esc(r.code)}">${esc(t({ id: r.label, en: r.label_en || r.label }))}${i < 9 ? ` <kbd>${i + 1}</kbd>` : ""}</button>`).join("");
  dialog.returnValue = "";
  dialog.showModal();
  dialog.querySelector("#reason-options button")?.focus();
  dialog.onkeydown = (event) => {
    const n = Number(event.key);
    if (event.target.closest("input[type=text], input:not([type])") || !(n >= 1 && n <= 9) || !reasonList[n - 1]) return;
    event.preventDefault();
    dialog.close(reasonList[n - 1].code);
  };
  dialog.onclose = () => {
    const code = dialog.returnValue;
    if (!code || code === "cancel") return;
    const minutes = Number(new FormData($("reason-form")).get("until") || 0);
    const body = { reason: code, note: $("reason-note").value.trim() };
    if (minutes > 0) {
      const until = untilIn(minutes);
      if (until) body.until = until;
      else if (action === "close") body.rest_of_day = true;
    }
    if (minutes === -1) body.rest_of_day = true;
    send(action, body);
  };
}

const KEYS = { n: "next", F1: "next", r: "recall", s: "start", d: "complete", x: "noshow", t: "transfer", h: "hold", l: "resume", c: "call", b: "open", i: "pause", k: "close" };

// A key pressed while the screen is not live is refused, not kept for later: what the officer saw may be
// stale, and a call sent a minute late would call a citizen the officer no longer expects.
function refusedOffline() {
  if (view.socketUp || view.ended) return false;
  say(t(N_("Tidak tersambung ke server: tindakan tidak dikirim. Tunggu sampai tersambung, lalu tekan lagi.")));
  return true;
}

function run(action) {
  if (refusedOffline()) return null;
  if (action === "call") {
    if (!allowed("call")) return say(t(N_("Loket belum dibuka atau sedang istirahat.")));
    return callNumber();
  }
  if (!allowed(action)) return null;
  return ACTIONS[action]();
}

function callNumber() {
  const input = $("call-number");
  const number = input.value.trim();
  if (!number) {
    input.focus();
    return null;
  }
  if (view.busy) {
    queue("call");
    return null;
  }
  input.blur(); // back to the shortcuts at once: the next key is an action, not more typing
  return send("call", { number, ...expected() }).then((result) => {
    if (result) input.value = "";
    else input.select();
  });
}

function confirmNoShow() {
  const cur = current();
  const dialog = $("noshow-dialog");
  $("noshow-title").textContent = _("Tandai {number} tidak hadir?", { number: cur.number });
  dialog.returnValue = "";
  dialog.showModal();
  $("noshow-confirm").focus();
  dialog.onclose = () => {
    if (dialog.returnValue === "confirm") send("no-show");
  };
}

// ------------------------------------------------------------------ transfer picker

const picker = { options: [], index: 0, chosen: null };

async function openTransfer() {
  const cur = current();
  const dialog = $("transfer-dialog");
  $("transfer-title").textContent = _("Alihkan {number} ke layanan lain", { number: cur.number });
  $("transfer-search").value = "";
  $("transfer-note").value = "";
  $("transfer-message").textContent = "";
  picker.chosen = null;
  picker.options = [];
  showTarget();
  dialog.returnValue = "";
  dialog.showModal();
  $("transfer-search").focus();
  try {
    const agencies = await api("/api/agencies");
    picker.options = agencies.flatMap((a) => a.services
      .filter((s) => s.id !== cur.service_id)
      .map((s) => ({ ...s, agency: a.name, agency_code: a.code, color: a.color, haystack: `${a.name} ${a.code} ${s.name} ${s.code} ${s.prefix}`.toLowerCase() })));
  } catch (err) {
    $("transfer-message").textContent = err.message;
  }
  filterOptions();
}

function matches() {
  const words = $("transfer-search").value.toLowerCase().split(/\s+/).filter(Boolean);
  return picker.options.filter((o) => words.every((w) => o.haystack.includes(w)));
}

function filterOptions() {
  const found = matches();
  picker.index = Math.min(picker.index, Math.max(found.length - 1, 0));
  $("transfer-options").innerHTML = found.length
    ? found.map((o, i) => `
      <li role="option" id="opt-${o.id}" data-service="${o.id}" aria-selected="${i === picker.index}" class="${i === picker.index ? "highlight" : ""}${picker.chosen?.id === o.id ? " chosen" : ""}">
        <span class="swatch" style="background:${esc(o.color)}"></span>
        <span class="opt-service">${esc(o.name)} <span class="muted">(${esc(o.prefix)})</span></span>
        <span class="opt-agency">${esc(o.agency)}</span>
        <span class="opt-waiting">${o.waiting} ${esc(t(N_("menunggu")))}</span>
      </li>`).join("")
    : `<li class="empty">${esc(t(N_("Tidak ada layanan yang cocok.")))}</li>`;
  $("transfer-options").querySelector(".highlight")?.scrollIntoView({ block: "nearest" });
  $("transfer-search").setAttribute("aria-activedescendant", found[picker.index] ? `opt-${found[picker.index].id}` : "");
}

function choose(option) {
  picker.chosen = option;
  showTarget();
  filterOptions();
  $("transfer-note").focus();
}

function showTarget() {
  const o = picker.chosen;
  $("transfer-target").textContent = o ? `${t(N_("Tujuan"))}: ${o.name} — ${o.agency}` : t(N_("Pilih layanan tujuan."));
  $("transfer-confirm").disabled = !o;
}

$("transfer-search").addEventListener("input", () => { picker.index = 0; filterOptions(); });
$("transfer-search").addEventListener("keydown", (event) => {
  const found = matches();
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    picker.index = (picker.index + (event.key === "ArrowDown" ? 1 : -1) + found.length) % Math.max(found.length, 1);
    filterOptions();
  } else if (event.key === "Enter") {
    event.preventDefault();
    if (found[picker.index]) choose(found[picker.index]);
  }
});
$("transfer-options").addEventListener("click", (event) => {
  const item = event.target.closest("[data-service]");
  if (item) choose(picker.options.find((o) => o.id === Number(item.dataset.service)));
});
$("transfer-note").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    if (picker.chosen) submitTransfer();
  }
});
$("transfer-form").addEventListener("submit", (event) => {
  if (event.submitter?.value === "confirm") {
    event.preventDefault();
    submitTransfer();
  }
});

async function submitTransfer() {
  const dialog = $("transfer-dialog");
  const result = await send("transfer", { service_id: picker.chosen.id, note: $("transfer-note").value.trim() });
  if (result) dialog.close();
  else $("transfer-message").textContent = $("message").textContent;
}

// ------------------------------------------------------------------ input

document.addEventListener("click", (event) => {
  const resume = event.target.closest("[data-resume]");
  if (resume) {
    if (!refusedOffline()) send("resume", { ticket_id: Number(resume.dataset.resume) });
    return;
  }
  const button = event.target.closest("button[data-action]");
  if (button && !button.disabled) {
    event.preventDefault();
    run(button.dataset.action);
  }
});

$("call-form").addEventListener("submit", (event) => event.preventDefault());
$("call-number").addEventListener("keydown", (event) => {
  if (event.key === "Escape") event.target.blur();
  // Enter is handled here, not by the form: while the previous action is in flight the submit
  // button is disabled and the browser would drop the submission.
  if (event.key === "Enter") {
    event.preventDefault();
    if (refusedOffline()) return;
    if (!allowed("call") && !view.busy) say(t(N_("Loket belum dibuka atau sedang istirahat.")));
    else callNumber();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
  if (document.querySelector("dialog[open]")) return; // the dialog's own keys (Enter, Esc) rule
  if (event.key === "F1") event.preventDefault(); // the browser's help page would hide the console
  const typing = event.target.closest("input, textarea, select");
  if (typing && event.key !== "F1") return;
  const action = KEYS[event.key] || KEYS[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault();
  if (action === "call" && !$("call-number").value.trim()) {
    $("call-number").focus();
    return;
  }
  if (view.busy) {
    queue(action);
    return;
  }
  run(action);
});

// ------------------------------------------------------------------ live

function setConnection(up) {
  view.socketUp = up;
  if (view.ended) return; // "Sesi berakhir" says more than "Terputus"
  const el = $("connection");
  el.textContent = text(up ? "online" : "offline");
  el.className = `conn ${up ? "on" : "off"}`;
}

const subscription = { room: "counter", counter_id: counterId };
const socket = live(subscription, {
  connection(up) {
    if (!up) setConnection(false); // "online" waits for the snapshot: only then is the screen true
  },
  snapshot(snap) {
    setConnection(true);
    setPriorityLabels(snap.mpp);
    view.offset = Date.parse(snap.server_time) - Date.now();
    view.tz = snap.mpp?.timezone || view.tz;
    view.counts = new Map();
    view.services = new Map();
    for (const agency of snap.agencies) {
      if (agency.id === snap.counter.agency_id) $("agency-name").textContent = agency.name;
      for (const s of agency.services) {
        view.services.set(s.id, s.name);
        if (snap.counter.service_ids.includes(s.id)) view.counts.set(s.id, s.waiting);
      }
    }
    applyDetail(snap);
    refreshToday();
    lastRequest();
  },
  queue_changed(change) {
    for (const s of change.services) {
      if (view.counts.has(s.id)) view.counts.set(s.id, s.waiting);
    }
    const mine = change.counters.find((c) => c.id === counterId);
    if (mine) view.counter = mine;
    render();
    soon();
  },
  ticket_called(call) {
    if (call.counter_id === counterId) soon();
  },
  closure_request_changed(request) {
    if (request.counter_id !== counterId) return;
    if (request.status === "approved") say(t(N_("Permintaan tutup disetujui supervisor.")), "ok");
    if (request.status === "rejected") say(_("Permintaan tutup ditolak: {note}", { note: request.decision_note }));
  },
  config_changed() {
    socket.follow();
  },
  error(err) {
    if (isAuthError(err)) sessionEnded(err);
    else say(err.message);
  },
});

applyTexts();
bindLogout($("logout"));
$("session-dialog").addEventListener("cancel", (event) => event.preventDefault()); // only a new login ends it
setConnection(false);
setInterval(tick, 1000);
refresh();
