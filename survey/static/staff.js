// Staff report pages rendered by the server: the language switch and the print button (no inline handlers).
import { setLang } from "/static/loket.js";

for (const button of document.querySelectorAll("[data-set-lang]")) {
  button.addEventListener("click", () => {
    setLang(button.dataset.setLang);
    const url = new URL(location.href);
    url.searchParams.delete("lang");
    location.assign(url);
  });
}
for (const button of document.querySelectorAll("[data-print]")) button.addEventListener("click", () => window.print());
