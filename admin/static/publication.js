// The admin chooses which closed months and quarters are published (/info/kinerja and the open data).
import { _, api, lang, mppTime } from "/static/loket.js";
import { el, session } from "./common.js";

const periodName = (period) => {
  const [year, part] = period.split("-");
  if (part.startsWith("Q")) return _("Triwulan {quarter} {year}", { quarter: part.slice(1), year });
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(Number(year), Number(part) - 1, 15)));
};

async function act(method, path, body) {
  const error = document.getElementById("publication-error");
  error.textContent = "";
  try {
    await api(path, { method, body });
  } catch (err) {
    error.textContent = err.message;
  }
  await load();
}

async function load() {
  const data = await api("/api/admin/publications");
  const rows = data.periods.map((p) => {
    const at = p.published_at ? mppTime(new Date(p.published_at), data.timezone) : null;
    const status = at ? _("Dipublikasikan {date} {time}", { date: at.day, time: at.time }) : _("Belum dipublikasikan");
    const buttons = [el("button", { type: "button", class: "primary", onclick: () => act("POST", "/api/admin/publications", { period: p.period }) },
      at ? _("Publikasikan ulang") : _("Publikasikan"))];
    if (at) {
      buttons.push(" ", el("button", { type: "button", class: "ghost", onclick: () => act("DELETE", `/api/admin/publications/${p.period}`) }, _("Tarik kembali")));
      buttons.push(" ", el("a", { href: `/info/kinerja?period=${p.period}` }, _("Lihat")));
    }
    return el("tr", { dataset: { period: p.period } }, el("td", {}, periodName(p.period)), el("td", {}, status), el("td", {}, buttons));
  });
  document.querySelector("#periods tbody").replaceChildren(...rows);
}

await session();
document.getElementById("publication").hidden = false;
await load();
