// Small inline SVG charts drawn by our own code (no library): a grid of shares and a bar chart of
// percentages. Each chart has a <title> and its figures stay in the table beside it for screen readers.
const NS = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, text = "") {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text) n.textContent = text;
  return n;
}

function frame(width, height, label) {
  // its natural size, shrunk (never stretched) to the page's width
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label, class: "svg-chart", preserveAspectRatio: "xMinYMin meet" });
  svg.append(node("title", {}, label));
  return svg;
}

// A heat grid: rows (e.g. agencies) × columns (e.g. hours), each cell 0–100 (null: no figure), darker = higher.
export function heatGrid({ rows, columns, values, label, low = "#b3261e", high = "#1b7f3b" }) {
  const left = 290;
  const top = 28;
  const cell = 34;
  const svg = frame(left + columns.length * cell + 10, top + rows.length * cell + 10, label);
  columns.forEach((c, j) => svg.append(node("text", { x: left + j * cell + cell / 2, y: top - 8, "text-anchor": "middle", class: "axis" }, c)));
  rows.forEach((r, i) => {
    const y = top + i * cell;
    svg.append(node("text", { x: left - 8, y: y + cell / 2 + 5, "text-anchor": "end", class: "axis" }, r.length > 34 ? `${r.slice(0, 33)}…` : r));
    columns.forEach((_c, j) => {
      const v = values[i][j];
      const x = left + j * cell;
      if (v === null || v === undefined) {
        svg.append(node("rect", { x: x + 1, y: y + 1, width: cell - 2, height: cell - 2, fill: "#eef1f4" }));
        return;
      }
      const rect = node("rect", { x: x + 1, y: y + 1, width: cell - 2, height: cell - 2, fill: v >= 100 ? high : v <= 0 ? low : mix(low, high, v / 100), rx: 3 });
      rect.append(node("title", {}, `${r} · ${columns[j]}: ${v}%`));
      svg.append(rect, node("text", { x: x + cell / 2, y: y + cell / 2 + 5, "text-anchor": "middle", class: "cell" }, String(v)));
    });
  });
  return svg;
}

// Vertical bars of a percentage per label (e.g. share within target per day), with a target line.
export function percentBars({ labels, values, label, target = null }) {
  const left = 52;
  const bottom = 26;
  const height = 200;
  const bar = Math.max(18, Math.min(36, Math.floor(900 / Math.max(labels.length, 1))));
  const svg = frame(left + labels.length * bar + 10, height + bottom + 10, label);
  const y = (v) => 10 + height - (height * v) / 100;
  for (const tick of [0, 50, 100]) {
    svg.append(node("line", { x1: left, x2: left + labels.length * bar, y1: y(tick), y2: y(tick), class: "grid" }));
    svg.append(node("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "axis" }, `${tick}%`));
  }
  labels.forEach((l, i) => {
    const v = values[i];
    const x = left + i * bar;
    if (v !== null && v !== undefined) {
      const rect = node("rect", { x: x + 2, y: y(v), width: bar - 4, height: Math.max(height - (y(v) - 10), 0), class: target !== null && v < target ? "bar low" : "bar" });
      rect.append(node("title", {}, `${l}: ${v}%`));
      svg.append(rect);
    }
    svg.append(node("text", { x: x + bar / 2, y: height + bottom, "text-anchor": "middle", class: "axis" }, l));
  });
  if (target !== null) svg.append(node("line", { x1: left, x2: left + labels.length * bar, y1: y(target), y2: y(target), class: "target" }));
  return svg;
}

function mix(a, b, share) {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return `rgb(${pa.map((v, i) => Math.round(v + (pb[i] - v) * share)).join(", ")})`;
}
