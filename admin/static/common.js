// Shared by the admin pages: the login gate, the top bar, and DOM helpers that never parse user text as HTML.
import { api, lang, N_, setLang, t } from "/static/loket.js";

// el("button", {class: "primary", onclick}, "Simpan") — children are text nodes or elements.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The MPP's profile (name, time zone), asked of the server once per page however many parts want it.
let profile;
export function mpp() {
  profile ??= api("/api/mpp");
  return profile;
}

// Resolves with the logged-in admin or supervisor; shows the login form until there is one.
export async function session() {
  document.getElementById("lang").textContent = lang() === "en" ? "Bahasa Indonesia" : "English";
  document.getElementById("lang").onclick = () => { setLang(lang() === "en" ? "id" : "en"); location.reload(); };
  document.getElementById("logout").onclick = async () => { await api("/api/logout", { method: "POST" }); location.reload(); };
  try {
    const { user } = await api("/api/me");
    if (["admin", "supervisor"].includes(user.role)) return show(user);
    return loginForm(t(N_("Akun ini bukan admin atau supervisor.")));
  } catch (err) {
    if (err.status === 401) return loginForm("");
    throw err;
  }
}

function show(user) {
  document.getElementById("login").hidden = true;
  document.getElementById("logout").hidden = false;
  const role = user.role === "admin" ? "Admin" : `Supervisor · ${user.agency || ""}`; // the same word in both languages
  document.getElementById("who").textContent = `${user.full_name || user.username} (${role})`;
  mpp().then((found) => { document.getElementById("mpp-name").textContent = found.name; }).catch(() => {});
  return user;
}

function loginForm(message) {
  const box = document.getElementById("login");
  const form = document.getElementById("login-form");
  box.hidden = false;
  form.querySelector(".form-error").textContent = message;
  return new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      try {
        const { user } = await api("/api/login", { method: "POST", body: data });
        if (!["admin", "supervisor"].includes(user.role)) {
          form.querySelector(".form-error").textContent = t(N_("Akun ini bukan admin atau supervisor."));
          return;
        }
        resolve(show(user));
      } catch (err) {
        form.querySelector(".form-error").textContent = err.message;
      }
    };
  });
}

// A CSV download of what the API serves at `url` (the same figures as the table on screen).
export function csvLink(url, label = "CSV") {
  return el("a", { class: "button ghost csv", href: url, download: "" }, label);
}
