// Admin › Survey tablets: pair a counter's tablet (a key shown once inside a link and its QR code) or unpair it.
import { _, api } from "/static/loket.js";

const $ = (id) => document.getElementById(id);

async function pair(row) {
  const answer = await api(`/api/survey/tablets/${row.dataset.counter}/pair`, { method: "POST" });
  $("pair-title").textContent = _("{counter}: tablet siap dipasangkan", { counter: row.dataset.name });
  // The server draws the QR from integers only (loket/qr.py): nothing in it comes from a user.
  $("pair-qr").innerHTML = answer.pair_qr_svg;
  $("pair-qr").querySelector("svg")?.setAttribute("aria-label", _("Kode QR pemasangan tablet {counter}", { counter: row.dataset.name }));
  $("pair-link").textContent = answer.pair_url;
  $("pair-link").href = answer.pair_url;
  $("pair-result").hidden = false;
  row.querySelector(".state").textContent = _("Terpasang baru saja");
  row.querySelector(".pair").textContent = _("Pasangkan ulang");
  row.querySelector(".unpair").hidden = false;
  $("pair-result").scrollIntoView({ block: "nearest" });
}

async function unpair(row) {
  await api(`/api/survey/tablets/${row.dataset.counter}`, { method: "DELETE" });
  row.querySelector(".state").textContent = _("Belum dipasangkan");
  row.querySelector(".pair").textContent = _("Pasangkan tablet");
  row.querySelector(".unpair").hidden = true;
  $("pair-result").hidden = true;
}

$("tablets").addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button || button.closest("[data-set-lang]")) return;
  const row = button.closest("tr");
  $("tablets-error").textContent = "";
  try {
    if (button.classList.contains("pair")) await pair(row);
    else if (button.classList.contains("unpair")) await unpair(row);
  } catch (err) {
    $("tablets-error").textContent = err.message;
  }
});
// The buttons come disabled from the server: a press before this module listens would do nothing at all.
for (const button of document.querySelectorAll("#tablets button.pair, #tablets button.unpair")) button.disabled = false;
