// The on-screen keyboard of a keyboardless kiosk: types into whichever text field has focus.
import { _, icon, pgettext } from "/static/loket.js";

const ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM", ".,-@/?!"];

function insert(field, text) {
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? field.value.length;
  field.setRangeText(text, start, end, "end");
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

function erase(field) {
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? field.value.length;
  if (start === end && start > 0) field.setRangeText("", start - 1, end, "end");
  else field.setRangeText("", start, end, "end");
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

/** Attach a keyboard to the text fields inside `root`; it appears under the focused field's form. */
export function attachKeyboard(root) {
    const board = document.createElement("div");
  board.className = "l-keyboard";
  board.id = "onscreen-keyboard";
  board.hidden = true;
  board.setAttribute("role", "group");
  board.setAttribute("aria-label", _("Papan ketik layar"));
  let shift = false;
  let target = null;

  function draw() {
    const keys = ROWS.map((row) => `<div>${[...row].map((k) => {
      const ch = /[A-Z]/.test(k) && !shift ? k.toLowerCase() : k;
      return `<button type="button" data-key="${ch}">${ch}</button>`;
    }).join("")}</div>`).join("");
    board.innerHTML = `${keys}<div>
      <button type="button" data-key="Shift" class="l-key-wide" aria-pressed="${shift}">${_("Huruf besar")}</button>
      <button type="button" data-key=" " class="l-key-space">${_("spasi")}</button>
      <button type="button" data-key="Backspace" class="l-key-wide">${icon("delete", _("Hapus"))}</button>
      <button type="button" data-key="Enter" class="l-key-wide">${_("Baris baru")}</button>
      <button type="button" data-key="Close" class="l-key-wide">${pgettext("button", "Tutup")}</button></div>`;
  }

  // Keys never take the focus: the caret stays in the field being typed.
  board.addEventListener("pointerdown", (event) => event.preventDefault());
  board.addEventListener("mousedown", (event) => event.preventDefault());
  board.addEventListener("click", (event) => {
    const key = event.target.closest("button")?.dataset.key;
    if (!key || !target) return;
    if (key === "Close") { board.hidden = true; target.blur(); return; }
    if (key === "Shift") { shift = !shift; draw(); return; }
    if (key === "Backspace") erase(target);
    else if (key === "Enter") { if (target.tagName === "TEXTAREA") insert(target, "\n"); }
    else {
      insert(target, key);
      if (shift) { shift = false; draw(); }
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
