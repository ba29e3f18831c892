// The public tracking page: status, dates, the public answer and the step history, pushed live.
import { api, lang, live, localDate, mppTime, N_, t } from "/static/loket.js";

const root = document.getElementById("status");
const code = root.dataset.code;
const $ = (id) => document.getElementById(id);
const en = lang() === "en";
let timezone = "Asia/Jakarta";

// The page's fixed words come from the server in the reader's language (?lang=en or the lang cookie).
document.documentElement.lang = lang();

// Instants in the MPP's zone (WITA in Makassar, WIT in Jayapura), not always WIB.
function when(iso) {
  const m = mppTime(new Date(iso), timezone);
  return `${m.date}, ${m.time} ${m.zone}`;
}

function render(c) {
  $("status-error").hidden = true;
  $("status-card").hidden = false;
  $("code").textContent = c.code;
  $("status-label").textContent = en ? c.status_label_en || c.status_label : c.status_label;
  $("status-label").dataset.status = c.status;
  $("kind").textContent = en ? c.kind_label_en || c.kind_label : c.kind_label;
  $("agency").textContent = c.agency || t(N_("Pengelola MPP"));
  $("received").textContent = localDate(c.received_on);
  $("due").textContent = localDate(c.due_on);
  $("answer-box").hidden = !c.answer;
  $("answer").textContent = c.answer || "";
  const list = $("timeline");
  list.replaceChildren();
  for (const step of c.timeline) {
    const li = document.createElement("li");
    li.dataset.status = step.status;
    const label = document.createElement("strong");
    label.textContent = en ? step.label_en || step.label : step.label;
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

try {
  timezone = (await api("/api/mpp")).timezone || timezone;
} catch (err) {
  // WIB until the server answers; the dates themselves are still right.
}

if (await load()) {
  live({ code }, {
    connection(up) {
      $("live-dot").classList.toggle("on", up);
      if (up) load(); // steps taken while we were offline
    },
    complaint_changed: render,
  }, "follow_complaint");
}
