// The one on-screen keyboard of Loket's touchscreens (a kiosk has no other), in four layouts: free text
// (a complaint), search (the kiosk's start screen), booking code (check-in) and digits (a phone number).
// Every key is a button with data-key: a character, or Shift, Backspace, Enter, Clear, Close.
import { _, esc, icon, pgettext } from "/static/loket.js";

const WORD_KEYS = ["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"];

// Each layout: rows of character keys, then its function keys; keyClass/wideClass style it where it is shown.
const LAYOUTS = {
  text: { rows: ["1234567890", ...WORD_KEYS, ".,-@/?!"], fns: ["Shift", " ", "Backspace", "Enter", "Close"], shift: true, wideClass: "l-key-wide" },
  search: { rows: WORD_KEYS, fns: [" ", "Backspace", "Close"], wideClass: "k-key-wide" },
  code: { rows: ["ABCDEFGH", "JKLMNPQR", "STUVWXYZ", "23456789"], fns: ["Backspace"], wideClass: "k-key-wide" }, // booking codes have no 0/O, 1/I
  digits: { grid: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Backspace", "0", "Clear"], keyClass: "n-key", wideClass: "n-key n-key-fn" },
};

function label(layout, key, shift) {
  if (key === " ") return _("spasi");
  if (key === "Backspace") {
    if (layout === "digits") return { text: "⌫", aria: _("Hapus satu angka") };
    if (layout === "code") return `${icon("delete")} ${_("Hapus")}`;
    return layout === "search" ? icon("delete", _("Hapus satu huruf")) : icon("delete", _("Hapus"));
  }
  if (key === "Shift") return _("Huruf besar");
  if (key === "Enter") return _("Baris baru");
  if (key === "Close") return pgettext("button", "Tutup");
  if (key === "Clear") return esc(_("Kosongkan"));
  return esc(/[A-Z]/.test(key) && layout === "text" && !shift ? key.toLowerCase() : key);
}

function keyHtml(layout, key, shift = false) {
  const spec = LAYOUTS[layout];
  const fn = key.length > 1 || key === " ";
  const value = !fn && layout === "text" && !shift ? key.toLowerCase() : key;
  const shown = label(layout, key, shift);
  const text = typeof shown === "object" ? shown.text : shown;
  const aria = typeof shown === "object" ? ` aria-label="${esc(shown.aria)}"` : "";
  const cls = (fn ? (key === " " && layout === "text" ? "l-key-space" : spec.wideClass) : spec.keyClass) || "";
  const extra = key === "Shift" ? ` aria-pressed="${shift}"` : key === "Close" ? ' data-action="close-keyboard"' : "";
  return `<button type="button" data-key="${esc(value)}"${cls ? ` class="${cls}"` : ""}${aria}${extra}>${text}</button>`;
}

/** The keys of a layout, rows in <div>s (the digits: one flat grid), for the element that holds them. */
export function keysHtml(layout, shift = false) {
  const spec = LAYOUTS[layout];
  if (spec.grid) return spec.grid.map((k) => keyHtml(layout, k)).join("");
  const row = (keys) => `<div>${keys.map((k) => keyHtml(layout, k, shift)).join("")}</div>`;
  return spec.rows.map((r) => row([...r])).join("") + row(spec.fns);
}

/** A keyboard as HTML: opts.id, opts.className, opts.label (its accessible name), opts.hidden. */
export function keyboardHtml(layout, opts = {}) {
  return `<div class="${opts.className || "l-keyboard"}"${opts.id ? ` id="${opts.id}"` : ""} role="group" aria-label="${esc(opts.label || _("Papan ketik layar"))}"${opts.hidden ? " hidden" : ""}>${keysHtml(layout)}</div>`;
}

/** What a key does to a text field, at its caret, announced with an input event as a real key would be. */
export function typeKey(field, key) {
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? field.value.length;
  if (key === "Backspace") {
    if (start === end && start > 0) field.setRangeText("", start - 1, end, "end");
    else field.setRangeText("", start, end, "end");
  } else if (key === "Clear") {
    field.value = "";
  } else if (key === "Enter") {
    if (field.tagName === "TEXTAREA") field.setRangeText("\n", start, end, "end");
  } else if (key.length === 1) {
    field.setRangeText(key, start, end, "end");
  } else {
    return;
  }
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

/** Attach the text keyboard to the fields inside `root`; it appears under the focused field (or its label). */
export function attachKeyboard(root) {
  const board = document.createElement("div");
  board.className = "l-keyboard";
  board.id = "onscreen-keyboard";
  board.hidden = true;
  board.setAttribute("role", "group");
  board.setAttribute("aria-label", _("Papan ketik layar"));
  let shift = false;
  let target = null;
  const draw = () => {
    board.innerHTML = keysHtml("text", shift);
  };

  // Keys never take the focus: the caret stays in the field being typed.
  board.addEventListener("pointerdown", (event) => event.preventDefault());
  board.addEventListener("mousedown", (event) => event.preventDefault());
  board.addEventListener("click", (event) => {
    const key = event.target.closest("button")?.dataset.key;
    if (!key || !target) return;
    if (key === "Close") {
      board.hidden = true;
      target.blur();
      return;
    }
    if (key === "Shift") {
      shift = !shift;
      draw();
      return;
    }
    typeKey(target, key);
    if (shift && key.length === 1) {
      shift = false;
      draw();
    }
    target.focus();
  });

  root.addEventListener("focusin", (event) => {
    const field = event.target;
    if (!field.matches("textarea, input:not([type]), input[type=text], input[type=search], input[type=email], input[type=tel]")) return;
    target = field;
    field.setAttribute("inputmode", "none"); // no second, system keyboard on a touchscreen that has one
    (field.closest("label") || field).insertAdjacentElement("afterend", board); // outside the label: not part of its name
    board.hidden = false;
    board.scrollIntoView({ block: "nearest" }); // the keys and the field above them both in view
  });
  draw();
  return board;
}
