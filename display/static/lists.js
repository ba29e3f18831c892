// The counter list and the waiting list: measured cards and rows, paged evenly when they do not fit.
import { counterReason, lang, t } from "/static/loket.js";
import { $, PAGE_MS, TEXT, el, evenPages, fontPx, inFilter, state, textWidth } from "./screen.js";

const pagers = {};

// Lay out rows or cards of at least minWidth × minHeight in the box; more than fit are paged, and the
// pages are made even (evenPages), the rows stretched to fill the panel: never a page of two cards in an
// empty panel.
function pagedGrid(name, box, elements, minWidth, minHeight, label) {
  const gap = parseFloat(getComputedStyle(box).rowGap) || 0;
  const width = box.clientWidth || 600;
  const height = box.clientHeight || 300;
  let cols = Math.max(1, Math.floor((width + gap) / (minWidth + gap)));
  const rowsFit = Math.max(1, Math.floor((height + gap) / (minHeight + gap)));
  const sizes = evenPages(elements.length, cols * rowsFit);
  const pages = sizes.length;
  const perPage = Math.max(1, sizes[0]);
  cols = Math.min(cols, perPage);
  const rows = Math.ceil(perPage / cols);
  box.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
  box.style.gridTemplateRows = `repeat(${rows}, minmax(0, ${Math.floor(Math.min(height / rows, minHeight * 1.6))}px))`;
  box.style.gridAutoFlow = name === "waiting" ? "column" : "row";
  const pageOf = [];
  sizes.forEach((size, page) => { for (let i = 0; i < size; i++) pageOf.push(page); });
  // A redraw (every issue or call changes a count) keeps the page on show and its timer.
  const pager = (pagers[name] ||= { page: 0, timer: null });
  pager.pages = pages;
  pager.sizes = sizes;
  pager.page %= pages;
  pager.show = () => {
    elements.forEach((node, i) => { node.hidden = pageOf[i] !== pager.page; });
    if (label) label.textContent = pages > 1 ? `${pager.page + 1}/${pages}` : "";
  };
  box.replaceChildren(...elements);
  pager.show();
  if (pages > 1 && !pager.timer) pager.timer = setInterval(() => { pager.page = (pager.page + 1) % pager.pages; pager.show(); }, PAGE_MS);
  if (pages === 1 && pager.timer) { clearInterval(pager.timer); pager.timer = null; }
}

export function drawCounters() {
  const box = $("counters");
  const counters = [...state.counters.values()].filter((c) => inFilter(c.agency_id));
  const cards = counters.map((c) => {
    const card = el("div", `counter-card state-${c.state}`);
    card.dataset.counterId = c.id;
    card.style.setProperty("--agency", state.agencies.get(c.agency_id)?.color || "");
    const current = c.current_ticket;
    let word = t(TEXT.free);
    if (c.state === "closed") word = t(TEXT.closed);
    else if (current) word = current.number;
    else if (c.state === "paused") word = t(TEXT.paused);
    const number = el("span", "c-number", word);
    number.classList.toggle("c-word", !current || c.state === "closed");
    // A paused or closed counter says why in the agency's place (its colour still names the agency).
    const reason = counterReason(c);
    const agency = state.agencies.get(c.agency_id);
    const second = reason ? el("span", "c-reason", reason) : el("span", "c-agency", agency?.code || "");
    if (reason) second.title = [agency?.code, reason].filter(Boolean).join(" · ");
    card.append(el("span", "c-name", `${t(TEXT.counter)} ${c.number}`), second, number);
    return card;
  });
  if (!cards.length) cards.push(el("p", "empty", t(TEXT.no_counters)));
  // The widest card ("Loket 17  BPJSKES  Istirahat") in one line at the minimum size.
  const fs = fontPx();
  const widest = Math.max(fs * 6, ...cards.map((card) => {
    const parts = [...card.children];
    return parts.reduce((sum, part) => sum + textWidth(part.textContent, 800), 0) + fs * 0.3 * (parts.length - 1);
  }));
  pagedGrid("counters", box, cards, widest + fs * 0.7, fs * 1.3, $("counters-page"));
}

export function drawWaiting() {
  const box = $("waiting");
  const rows = [];
  for (const agency of state.agencies.values()) {
    for (const service of agency.services) {
      const s = state.services.get(service.id) || service;
      const row = el("div", "w-row");
      row.dataset.serviceId = service.id;
      row.style.setProperty("--agency", agency.color || "");
      const name = el("span", "w-name", (lang() === "en" && service.name_en) || service.short_name || service.name);
      name.title = service.name;
      const count = el("span", "w-count", String(s.waiting));
      count.title = t(TEXT.people);
      row.append(el("span", "w-prefix", service.prefix), name);
      // Taking numbers but no counter calling yet: the count alone would look like a moving line. The note
      // itself at a readable size leaves no room for the name, so the row carries a mark and the legend
      // under the list says what it means (as printed timetables do).
      if (s.open && s.open_counters === 0) {
        row.classList.add("no-counter");
        const mark = el("span", "w-note", "*");
        mark.title = t(TEXT.no_counter_open);
        row.append(mark);
      }
      row.append(count);
      rows.push(row);
    }
  }
  const legend = $("waiting-legend");
  legend.hidden = !rows.some((row) => row.classList.contains("no-counter"));
  legend.replaceChildren(el("span", "w-note", "*"), document.createTextNode(` ${t(TEXT.no_counter_open)}`));
  const fs = fontPx();
  const widest = Math.max(fs * 5, ...rows.map((row) => {
    const [prefix, name, ...rest] = row.children;
    const tail = rest.reduce((sum, part) => sum + textWidth(part.textContent, 800) + fs * 0.12, 0);
    return Math.max(fs, textWidth(prefix.textContent, 800) + fs * 0.16) + textWidth(name.textContent) + tail;
  }));
  pagedGrid("waiting", box, rows, widest + fs * 0.5, fs * 1.25, $("waiting-page"));
}

// For tests: which page each list shows and how many cards or rows each page holds.
export function pagerState() {
  return Object.fromEntries(Object.entries(pagers).map(([name, p]) => [name, { page: p.page, pages: p.pages, sizes: p.sizes }]));
}
