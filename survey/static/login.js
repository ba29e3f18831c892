// The staff pages' login form (/admin/ikm, /admin/complaints, /admin/survey-tablets): log in, then reload.
import { api } from "/static/loket.js";

const form = document.getElementById("login-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("/api/login", { method: "POST", body: { username: form.username.value, password: form.password.value } });
    location.reload();
  } catch (err) {
    document.getElementById("login-error").textContent = err.message;
  }
});
form.querySelector("button[type=submit]").disabled = false; // disabled in the page until this handler is bound
