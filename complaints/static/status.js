// The public tracking page: status, dates, the public answer and the step history, pushed live.
import { io } from "/vendor/socket.io.esm.min.js";
import { api, mppTime } from "/static/loket.js";

const root = document.getElementById("status");
const code = root.dataset.code;
const $ = (id) => document.getElementById(id);

function when(iso) {
  const m = mppTime(new Date(iso));
  return `${m.date}, ${m.time} ${m.zone}`;
}

function render(c) {
  $("status-error").hidden = true;
  $("status-card").hidden = false;
  $("code").textContent = c.code;
  $("status-label").textContent = c.status_label;
  $("status-label").dataset.status = c.status;
  $("kind").textContent = c.kind_label;
  $("agency").textContent = c.agency || "Pengelola MPP";
  $("received").textContent = c.received_on;
  $("due").textContent = c.due_on;
  $("answer-box").hidden = !c.answer;
  $("answer").textContent = c.answer || "";
  const list = $("timeline");
  list.replaceChildren();
  for (const step of c.timeline) {
    const li = document.createElement("li");
    li.dataset.status = step.status;
    const label = document.createElement("strong");
    label.textContent = step.label;
    const time = document.createElement("time");
    time.dateTime = step.at;
    time.textContent = when(step.at);
    li.append(label, time);
    list.append(li);
  }
}

async function load() {
  try {
    render(await api(`/api/complaints/track/${encodeURIComponent(code)}`));
    return true;
  } catch (err) {
    $("status-card").hidden = true;
    $("status-error").textContent = err.message;
    $("status-error").hidden = false;
    return false;
  }
}

if (await load()) {
  const socket = io({ transports: ["websocket", "polling"], reconnectionDelay: 500, reconnectionDelayMax: 3000 });
  socket.on("connect", () => {
    $("live-dot").classList.add("on");
    socket.emit("follow_complaint", { code });
    load(); // steps taken while we were offline
  });
  socket.on("disconnect", () => $("live-dot").classList.remove("on"));
  socket.on("complaint_changed", render);
}
