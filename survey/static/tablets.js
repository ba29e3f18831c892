// Admin › Survey tablets: pair a counter's tablet (a key shown once inside a link) or unpair it.
import { api } from "/static/loket.js";

const $ = (id) => document.getElementById(id);

async function pair(row) {
  const answer = await api(`/api/survey/tablets/${row.dataset.counter}/pair`, { method: "POST" });
  $("pair-title").textContent = `${row.dataset.name}: tablet siap dipasangkan / ready to pair`;
  $("pair-link").textContent = answer.pair_url;
  $("pair-link").href = answer.pair_url;
  $("pair-result").hidden = false;
  row.querySelector(".state").textContent = "Terpasang baru saja / paired just now";
  row.querySelector(".pair").textContent = "Pasangkan ulang";
  row.querySelector(".unpair").hidden = false;
}

async function unpair(row) {
  await api(`/api/survey/tablets/${row.dataset.counter}`, { method: "DELETE" });
  row.querySelector(".state").textContent = "Belum dipasangkan";
  row.querySelector(".pair").textContent = "Pasangkan tablet";
  row.querySelector(".unpair").hidden = true;
  $("pair-result").hidden = true;
}

$("tablets").addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const row = button.closest("tr");
  $("tablets-error").textContent = "";
  try {
    if (button.classList.contains("pair")) await pair(row);
    else if (button.classList.contains("unpair")) await unpair(row);
  } catch (err) {
    $("tablets-error").textContent = err.message;
  }
});
