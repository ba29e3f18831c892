// Staff workflow: the list (overdue first, highlighted), one complaint's detail, and its next steps.
import { _, api, lang, localDate, mppTime, pgettext } from "/static/loket.js";

const $ = (id) => document.getElementById(id);
const filters = $("filters");
const en = lang() === "en";
const ACTION_LABELS = {
  received: _("Laporan masuk"), verify: _("Verifikasi"), reject: _("Tolak"),
  not_our_authority: _("Bukan kewenangan"), assign: _("Teruskan ke instansi"),
  start: _("Mulai tindak lanjut"), answer: _("Jawab"), reopen: _("Buka kembali"),
  close: pgettext("button", "Tutup"), note: _("Tambah catatan"),
};
let selected = null;
let pendingAction = null;
let timezone = "Asia/Jakarta";

// Instants in the MPP's own zone, written as every other screen writes them.
const when = (iso) => { const m = mppTime(new Date(iso), timezone); return `${m.date}, ${m.time} ${m.zone}`; };
const pick = (row, key) => (en && row[`${key}_en`]) || row[key];

function cell(row, text, className = "") {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  row.append(td);
  return td;
}

function fillTable(id, rows, columns) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    columns.forEach(([key, cls]) => cell(tr, r[key], cls));
    body.append(tr);
  }
}

function query() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(filters)) if (v) params.set(k, v);
  return params.toString();
}

async function loadReport() {
  const agency = filters.agency_id?.value;
  const r = await api("/api/reports/complaints" + (agency ? `?agency_id=${agency}` : ""));
  $("r-total").textContent = r.total;
  $("r-answered").textContent = r.answered;
  const number = (value) => (en ? String(value) : String(value).replace(".", ","));
  $("r-median").textContent = r.median_days_to_answer === null ? "–" : `${number(r.median_days_to_answer)} ${_("hari")}`;
  $("r-ontime").textContent = r.on_time_percent === null ? "–" : `${number(r.on_time_percent)}%`;
  $("r-overdue").textContent = r.overdue_open;
  fillTable("r-kind", r.by_kind.map((k) => ({ ...k, label: pick(k, "label") })), [["label"], ["count", "num"]]);
  fillTable("r-status", r.by_status.filter((s) => s.count).map((k) => ({ ...k, label: pick(k, "label") })), [["label"], ["count", "num"]]);
  const agencies = r.by_agency.map((a) => ({ ...a, agency: a.agency_id ? a.agency : _("Belum ditentukan") }));
  fillTable("r-agency", agencies, [["agency"], ["count", "num"], ["overdue", "num"]]);
}

async function loadList() {
  const data = await api("/api/complaints?" + query());
  const body = $("list").querySelector("tbody");
  body.replaceChildren();
  for (const c of data.complaints) {
    const tr = document.createElement("tr");
    tr.className = "clickable" + (c.overdue ? " overdue" : "") + (selected === c.id ? " selected" : "");
    tr.dataset.id = c.id;
    cell(tr, c.code);
    cell(tr, localDate(c.received_on));
    cell(tr, pick(c, "kind_label"));
    cell(tr, c.agency || "—");
    cell(tr, c.title);
    cell(tr, pick(c, "status_label"));
    const due = cell(tr, localDate(c.due_on));
    if (c.overdue) {
      const pill = document.createElement("span");
      pill.className = "st-pill late";
      pill.textContent = _("terlambat");
      due.append(" ", pill);
    }
    tr.addEventListener("click", () => open(c.id));
    body.append(tr);
  }
  $("empty").hidden = data.complaints.length > 0;
  $("export").href = "/api/complaints/export.csv";
}

async function open(id) {
  selected = id;
  const c = await api(`/api/complaints/${id}`);
  for (const tr of $("list").querySelectorAll("tbody tr")) tr.classList.toggle("selected", Number(tr.dataset.id) === id);
  $("detail").hidden = false;
  $("d-title").textContent = c.title;
  $("d-code").textContent = c.code;
  $("d-status").textContent = pick(c, "status_label") + (c.overdue ? ` — ${_("TERLAMBAT")}` : "");
  $("d-kind").textContent = pick(c, "kind_label") + (c.category_label ? ` — ${pick(c, "category_label")}` : "");
  $("d-agency").textContent = c.agency || _("Belum ditentukan");
  $("d-ticket").textContent = c.ticket_number || "—";
  $("d-received").textContent = when(c.received_at);
  $("d-due").textContent = localDate(c.due_on);
  // Only the parts that exist, so no separator is left hanging at the end.
  const who = c.name === null
    ? _("Anonim (identitas hanya untuk pengelola MPP)")
    : [c.name || _("(tanpa nama)"), c.contact || _("(tanpa kontak)")].join(" · ") + (c.anonymous ? ` — ${_("minta dirahasiakan")}` : "");
  $("d-who").textContent = who;
  $("d-text").textContent = c.text;
  $("d-answer").textContent = c.answer || "—";
  $("d-photo").hidden = !c.has_photo;
  if (c.has_photo) $("d-photo").src = `/api/complaints/${id}/photo`;
  const actions = $("d-actions");
  actions.replaceChildren();
  for (const action of c.actions) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "st-btn" + (action === "reject" ? " st-danger" : "");
    b.dataset.action = action;
    b.textContent = ACTION_LABELS[action] || action;
    b.addEventListener("click", () => showStep(action, c));
    actions.append(b);
  }
  $("step-form").hidden = true;
  const steps = $("d-steps");
  steps.replaceChildren();
  for (const s of c.steps) {
    const li = document.createElement("li");
    const head = document.createElement("strong");
    head.textContent = `${ACTION_LABELS[s.action] || s.action} → ${pick(s, "status_label")}`;
    const meta = document.createElement("div");
    meta.className = "st-muted";
    meta.textContent = `${when(s.at)} · ${s.username || _("warga")}`;
    li.append(head, meta);
    if (s.note) {
      const note = document.createElement("div");
      note.className = "note";
      note.textContent = s.note;
      li.append(note);
    }
    steps.append(li);
  }
}

function showStep(action, c) {
  pendingAction = action;
  const form = $("step-form");
  form.reset();
  $("step-title").textContent = ACTION_LABELS[action];
  $("step-agency-box").hidden = action !== "assign";
  if (action === "assign" && c.agency_id) form.agency_id.value = String(c.agency_id);
  $("step-category-box").hidden = !(action === "verify" && c.kind === "complaint");
  $("step-answer-box").hidden = !["answer", "reject", "not_our_authority"].includes(action);
  $("step-error").textContent = "";
  form.hidden = false;
}

$("step-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { action: pendingAction, note: form.note.value };
  if (pendingAction === "assign") body.agency_id = Number(form.agency_id.value);
  if (pendingAction === "verify" && form.category.value) body.category = form.category.value;
  if (!$("step-answer-box").hidden) body.answer = form.answer.value;
  try {
    await api(`/api/complaints/${selected}/steps`, { method: "POST", body });
    await Promise.all([loadList(), loadReport()]);
    await open(selected);
  } catch (err) {
    $("step-error").textContent = err.message;
  }
});
$("step-cancel").addEventListener("click", () => { $("step-form").hidden = true; });
filters.addEventListener("change", () => { loadList(); loadReport(); });

try {
  timezone = (await api("/api/mpp")).timezone || timezone;
} catch (err) {
  // WIB until the server answers.
}
await Promise.all([loadList(), loadReport()]);
