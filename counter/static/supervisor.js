// The supervisor's view: every counter of the agency (admin: all agencies), live from the staff room.
import { esc, live, mppTime, N_, t } from "/static/loket.js";
import { PRIORITY, STATE, STATUS, applyTexts, bindLogout, isAuthError, minutesSince, text, toLogin } from "./common.js";

const main = document.getElementById("agencies");
const view = { agencies: [], counters: new Map(), offset: 0, tz: "Asia/Jakarta" };
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
      <span class="sv-current ${cur ? "" : "none"}">${cur ? esc(cur.number) : "—"}</span>
      <span class="muted">${cur ? `${esc(t(STATUS[cur.status] || { id: cur.status }))}${cur.priority ? " · " + esc(t(PRIORITY[cur.priority_reason] || { id: "prioritas" })) : ""}
        · <span data-since="${esc(cur.status === "serving" ? cur.started_at : cur.called_at)}"></span>` : ""}</span>
      <span class="muted">${c.service_ids.map((id) => esc(serviceName.get(id) || "")).join(", ")}</span>
    </article>`;
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
    setConnection(true);
    view.offset = Date.parse(snap.server_time) - Date.now();
    view.tz = snap.mpp?.timezone || view.tz;
    view.agencies = snap.agencies;
    view.counters = new Map(snap.counters.map((c) => [c.id, c]));
    render();
  },
  queue_changed(change) {
    for (const s of change.services) {
      for (const agency of view.agencies) {
        const service = agency.services.find((x) => x.id === s.id);
        if (service) service.waiting = s.waiting;
      }
    }
    for (const c of change.counters) {
      if (view.agencies.some((a) => a.id === c.agency_id)) view.counters.set(c.id, c);
    }
    render();
  },
  ticket_called(call) {
    const counter = view.counters.get(call.counter_id);
    if (counter?.current_ticket?.id === call.ticket_id) {
      counter.current_ticket.call_count = call.call_count;
      render();
    }
  },
  config_changed() {
    socket.emit("subscribe", subscription);
  },
  error(err) {
    if (isAuthError(err)) toLogin(err.code === "session_expired");
  },
});

applyTexts();
bindLogout(document.getElementById("logout"));
setConnection(false);
setInterval(tick, 1000);
