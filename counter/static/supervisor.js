// The supervisor's view: every counter of the agency (admin: all agencies), live from the staff room.
import { _, api, counterReason, esc, live, mppTime, N_, t } from "/static/loket.js";
import { PRIORITY, STATE, STATUS, applyTexts, bindLogout, isAuthError, minutesSince, setPriorityLabels, text, toLogin } from "./common.js";

const main = document.getElementById("agencies");
const view = { agencies: [], counters: new Map(), offset: 0, tz: "Asia/Jakarta", requests: new Map(), alerts: new Map(), standards: [] };
const now = () => Date.now() + view.offset;

function render() {
  const serviceName = new Map(view.agencies.flatMap((a) => a.services.map((s) => [s.id, s.name])));
  main.innerHTML = view.agencies.map((agency) => {
    const counters = [...view.counters.values()].filter((c) => c.agency_id === agency.id);
    const waiting = agency.services.reduce((sum, s) => sum + s.waiting, 0);
    return `
    <section class="card agency-block" data-agency="${agency.id}">
      <h2><span class="swatch" style="background:${esc(agency.color)}"></span>${esc(agency.name)}
        <span class="count" title="${esc(t(N_("menunggu")))}">${waiting}</span></h2>
      <div class="sv-services">${agency.services.map((s) => `
        <span class="service-count" data-service="${s.id}"><strong>${s.waiting}</strong> ${esc(s.name)}</span>`).join("")}</div>
      <div class="sv-counters">${counters.map((c) => counterCard(c, serviceName)).join("") ||
        `<p class="empty">${esc(t(N_("Belum ada loket.")))}</p>`}</div>
    </section>`;
  }).join("");
  tick();
}

function counterCard(c, serviceName) {
  const cur = c.current_ticket;
  return `
    <article class="sv-counter state-${esc(c.state)}" data-counter="${c.id}">
      <strong>${esc(c.name)}</strong>
      <span class="sv-state">${esc(t(STATE[c.state]))}${c.officer ? " · " + esc(c.officer) : ""}</span>
      ${counterReason(c) ? `<span class="sv-reason">${esc(counterReason(c))}${c.reason_note ? ` — ${esc(c.reason_note)}` : ""}</span>` : ""}
      <span class="sv-current ${cur ? "" : "none"}">${cur ? esc(cur.number) : "—"}</span>
      <span class="muted">${cur ? `${esc(t(STATUS[cur.status] || { id: cur.status }))}${cur.priority ? " · " + esc(t(PRIORITY[cur.priority_reason] || { id: "prioritas" })) : ""}
        · <span data-since="${esc(cur.status === "serving" ? cur.started_at : cur.called_at)}"></span>` : ""}</span>
      <span class="muted">${c.service_ids.map((id) => esc(serviceName.get(id) || "")).join(", ")}</span>
    </article>`;
}

// ------------------------------------------------------------------ closures, standards, alerts (issue 24)

const hhmm = (instant) => (instant ? mppTime(new Date(instant), view.tz).time : "");
const reasonOf = (r) => t({ id: r.reason_label, en: r.reason_label_en });

function renderRequests() {
  const pending = [...view.requests.values()].filter((r) => r.status === "pending").sort((a, b) => a.id - b.id);
  document.getElementById("request-list").innerHTML = pending.map((r) => `
    <article class="sv-request" data-request="${r.id}">
      <div>
        <p class="who">${esc(r.counter)} · ${esc(r.officer || "—")}</p>
        <p>${esc(reasonOf(r))} · ${r.rest_of_day ? esc(t(N_("sampai akhir hari"))) : esc(_("kembali ±{time}", { time: r.until || "" }))}
          <span class="muted">· ${esc(_("diminta {time}", { time: hhmm(r.requested_at) }))}</span></p>
        ${r.note ? `<p class="muted">“${esc(r.note)}”</p>` : ""}
      </div>
      <form class="sv-decide">
        <input name="note" maxlength="500" autocomplete="off" aria-label="${esc(t(N_("Catatan untuk petugas")))}" placeholder="${esc(t(N_("Catatan untuk petugas")))}">
        <button type="submit" class="big approve" value="approve">${esc(t(N_("Setujui")))}</button>
        <button type="submit" class="big danger" value="reject">${esc(t(N_("Tolak")))}</button>
      </form>
      <p class="message bad" role="alert"></p>
    </article>`).join("") || `<p class="empty">${esc(text("requests_empty"))}</p>`;
  for (const form of document.querySelectorAll(".sv-decide")) form.onsubmit = decide;
}

async function decide(event) {
  event.preventDefault();
  const item = event.target.closest("[data-request]");
  const action = event.submitter?.value || "approve";
  const note = event.target.elements.note.value.trim();
  try {
    const { request } = await api(`/api/closure-requests/${item.dataset.request}/${action}`, { method: "POST", body: { note } });
    view.requests.set(request.id, request);
    renderRequests();
  } catch (err) {
    if (isAuthError(err)) toLogin(err.code === "session_expired");
    item.querySelector(".message").textContent = err.message;
  }
}

function renderAlerts() {
  document.getElementById("alerts").innerHTML = [...view.alerts.values()].map((a) => `
    <p class="sv-alert" data-alert="${a.id}">⚠ ${esc(a.kind === "wait"
      ? _("{service} ({agency}): {n} warga menunggu lebih dari target {target} menit", { service: a.service, agency: a.agency, n: a.tickets, target: a.target_minutes })
      : _("{service} ({agency}): {n} warga dilayani lebih dari target {target} menit", { service: a.service, agency: a.agency, n: a.tickets, target: a.target_minutes }))}
      <span class="muted">· ${esc(_("sejak {time}", { time: hhmm(a.started_at) }))}</span></p>`).join("");
}

function renderStandards() {
  const minutes = (v) => `${Math.round(v)} ${t(N_("mnt"))}`;
  const head = [N_("Layanan"), N_("Target tunggu"), N_("Menunggu"), N_("Lewat target"), N_("Tunggu terlama"), N_("Tak terlayani sebelum tutup (perkiraan)")];
  document.getElementById("standards-table").innerHTML = `<table class="standards-table">
    <thead><tr>${head.map((h, i) => `<th${i ? ' class="num"' : ""}>${esc(t(h))}</th>`).join("")}</tr></thead>
    <tbody>${view.standards.map((s) => `
      <tr class="${s.waiting_beyond_target ? "breach" : ""}" data-service="${s.id}">
        <td>${esc(s.name)} <span class="muted">${esc(s.agency)}</span></td>
        <td class="num">${s.wait_target_minutes ? minutes(s.wait_target_minutes) : "—"}</td>
        <td class="num">${s.waiting}</td>
        <td class="num late">${s.waiting_beyond_target}</td>
        <td class="num">${s.waiting ? minutes(s.longest_wait_minutes) : "—"}</td>
        <td class="num">${s.projected_unserved}</td>
      </tr>`).join("")}</tbody></table>`;
}

async function loadManagement() {
  try {
    const [requests, live] = await Promise.all([api("/api/closure-requests?status=pending"), api("/api/standards/live")]);
    view.requests = new Map(requests.items.map((r) => [r.id, r]));
    view.alerts = new Map(live.alerts.map((a) => [a.id, a]));
    view.standards = live.services;
    renderRequests();
    renderAlerts();
    renderStandards();
  } catch (err) {
    if (isAuthError(err)) toLogin(err.code === "session_expired");
  }
}

// The longest wait grows with the clock, not with events: the figures are read again on changes and each minute.
async function loadStandards() {
  try {
    const live = await api("/api/standards/live");
    view.standards = live.services;
    renderStandards();
  } catch (err) {
    if (isAuthError(err)) toLogin(err.code === "session_expired");
  }
}

function standardsSoon() {
  clearTimeout(standardsSoon.timer);
  standardsSoon.timer = setTimeout(loadStandards, 1500);
}

function tick() {
  const clock = mppTime(new Date(now()), view.tz);
  document.getElementById("clock").textContent = `${clock.time} ${clock.zone}`;
  for (const el of document.querySelectorAll("[data-since]")) el.textContent = minutesSince(now() - Date.parse(el.dataset.since));
}

function setConnection(up) {
  const el = document.getElementById("connection");
  el.textContent = text(up ? "online" : "offline");
  el.className = `conn ${up ? "on" : "off"}`;
}

const subscription = { room: "staff" };
const socket = live(subscription, {
  connection(up) {
    if (!up) setConnection(false);
  },
  snapshot(snap) {
    setPriorityLabels(snap.mpp);
    setConnection(true);
    view.offset = Date.parse(snap.server_time) - Date.now();
    view.tz = snap.mpp?.timezone || view.tz;
    view.agencies = snap.agencies;
    view.counters = new Map(snap.counters.map((c) => [c.id, c]));
    render();
    loadManagement();
  },
  queue_changed(change) {
    for (const s of change.services) {
      for (const agency of view.agencies) {
        const service = agency.services.find((x) => x.id === s.id);
        if (service) Object.assign(service, s);
      }
    }
    for (const c of change.counters) {
      if (view.agencies.some((a) => a.id === c.agency_id)) view.counters.set(c.id, c);
    }
    render();
    standardsSoon();
  },
  closure_request_changed(request) {
    view.requests.set(request.id, request);
    renderRequests();
  },
  standard_alert(alert) {
    if (alert.state === "raised") view.alerts.set(alert.id, alert);
    else view.alerts.delete(alert.id);
    renderAlerts();
    standardsSoon();
  },
  ticket_called(call) {
    const counter = view.counters.get(call.counter_id);
    if (counter?.current_ticket?.id === call.ticket_id) {
      counter.current_ticket.call_count = call.call_count;
      render();
    }
  },
  config_changed() {
    socket.follow();
  },
  error(err) {
    if (isAuthError(err)) toLogin(err.code === "session_expired");
  },
});

applyTexts();
bindLogout(document.getElementById("logout"));
setConnection(false);
setInterval(tick, 1000);
setInterval(loadStandards, 60000);
