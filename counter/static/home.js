// Login, then the choice of counter (remembered on this PC), which is opened before the console loads.
import { api, esc, N_, t } from "/static/loket.js";
import { STATE, applyTexts, bindLogout } from "./common.js";

const REMEMBER = "loket.counter";
const main = document.querySelector("main.home");
const loginForm = document.getElementById("login");
const loginMessage = document.getElementById("login-message");
const choose = document.getElementById("choose");
const chooseMessage = document.getElementById("choose-message");
const list = document.getElementById("counter-list");
const params = new URLSearchParams(location.search);

// Only our own console pages: never an open redirect to another site.
function nextPage() {
  const next = params.get("next") || "";
  return /^\/counter\/(\d+|supervisor)$/.test(next) ? next : null;
}

function say(el, message, kind = "bad") {
  el.textContent = message;
  el.className = `message ${message ? kind : ""}`;
}

async function showChooser() {
  let me;
  try {
    me = (await api("/api/me")).user;
  } catch (err) {
    loginForm.hidden = false;
    choose.hidden = true;
    if (err.code === "session_expired") say(loginMessage, err.message, "warn");
    document.getElementById("username").focus();
    return;
  }
  const next = nextPage();
  if (next) {
    location.replace(next);
    return;
  }
  loginForm.hidden = true;
  choose.hidden = false;
  document.getElementById("who").textContent = `${me.full_name || me.username}${me.agency ? " · " + me.agency : ""}`;
  document.getElementById("supervisor-link").hidden = !["supervisor", "admin"].includes(me.role);
  const query = me.role === "admin" ? "" : `?agency_id=${me.agency_id}`;
  const [counters, agencies] = await Promise.all([api(`/api/counters${query}`), api("/api/agencies")]);
  const agencyName = Object.fromEntries(agencies.map((a) => [a.id, a.name]));
  const serviceName = Object.fromEntries(agencies.flatMap((a) => a.services.map((s) => [s.id, s.name])));
  const remembered = Number(localStorage.getItem(REMEMBER));
  list.innerHTML = counters.map((c) => `
    <div role="listitem"><button type="button" class="counter-choice state-${esc(c.state)}${c.id === remembered ? " remembered" : ""}" data-id="${c.id}">
      <strong>${esc(c.name)}</strong>
      <span class="muted">${me.role === "admin" ? esc(agencyName[c.agency_id] || "") + " · " : ""}${c.service_ids.map((id) => esc(serviceName[id] || "")).join(", ")}</span>
      <span class="choice-state">${esc(t(STATE[c.state]))}${c.officer ? " · " + esc(c.officer) : ""}${c.id === remembered ? ` · ${esc(t(N_("terakhir dipakai di PC ini")))}` : ""}</span>
    </button></div>`).join("");
  if (!counters.length) say(chooseMessage, t(N_("Instansi Anda belum memiliki loket.")), "warn");
  const first = list.querySelector(".remembered") || list.querySelector("button");
  first?.focus();
}

list.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-id]");
  if (!button) return;
  const id = Number(button.dataset.id);
  for (const b of list.querySelectorAll("button")) b.disabled = true;
  try {
    await api(`/api/counters/${id}/open`, { method: "POST" });
    localStorage.setItem(REMEMBER, String(id));
    location.href = `/counter/${id}`;
  } catch (err) {
    say(chooseMessage, err.message);
    for (const b of list.querySelectorAll("button")) b.disabled = false;
  }
});

loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = loginForm.querySelector("button[type=submit]");
  submit.disabled = true;
  say(loginMessage, "");
  try {
    await api("/api/login", { method: "POST", body: { username: loginForm.username.value.trim(), password: loginForm.password.value } });
    loginForm.password.value = "";
    await showChooser();
  } catch (err) {
    say(loginMessage, err.message);
    loginForm.password.select();
  } finally {
    submit.disabled = false;
  }
});
loginForm.querySelector("button[type=submit]").disabled = false; // disabled in the page until this handler is bound

applyTexts();
bindLogout(document.getElementById("logout"));
if (main.dataset.loggedIn === "1") showChooser();
