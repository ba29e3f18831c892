// "Kabari saya": the opt-in for SMS/WhatsApp messages about one ticket, on the kiosk after taking a
// ticket (a large number pad: the kiosk has no keyboard) and on the ticket page /t/<token> (the phone's
// own keyboard, and a button that stops the messages). The host screen gives it an empty element after
// each redraw; what was typed survives the host's redraws (kept per ticket here).
import { _, api, esc, lang, N_, t } from "/static/loket.js";
let keyboard = null; // the kiosk's number pad (/static/keyboard.js), loaded on the kiosk only: a phone types on its own

const kept = new Map(); // token -> {open, digits, channel, notify, busy, error}
let channels = null; // the MPP's channels, asked once per page

function setUpChannels() {
  channels = channels || api("/api/notify").then((a) => a.channels, () => []);
  return channels;
}

// Read where the number is typed (UU 27/2022 on personal data protection).
const CONSENT = () =>
  _("Dengan mengirim nomor ini, Anda setuju nomor ponsel Anda dipakai hanya untuk mengabarkan antrean ini (giliran hampir tiba, panggilan, survei). Nomor ditampilkan tersamar dan dihapus setelah hari layanan berakhir (UU 27/2022 tentang Pelindungan Data Pribadi).");

const CHANNEL_NAMES = { sms: () => _("SMS"), whatsapp: () => _("WhatsApp") };

/** Grouped as the citizen reads a number aloud: 0812-3456-7890. */
function grouped(digits) {
  return digits.replace(/^(\d{4})(\d{1,4})?(\d{1,5})?$/, (_m, a, b, c) => [a, b, c].filter(Boolean).join("-")) || digits;
}

const PAD = N_("Papan angka"); // marked here: the extractor cannot read it inside the attribute

function pad() {
  return `<div class="n-pad" role="group" aria-label="${esc(t(PAD))}">${keyboard.keysHtml("digits")}</div>`;
}

function view(s, opts, offered) {
  if (s.notify?.on) {
    const stop = opts.pad ? "" : `<button type="button" class="k-btn k-btn-ghost n-stop" data-notify-action="stop" ${s.busy ? "disabled" : ""}>${esc(_("Hentikan pesan"))}</button>`;
    return `<div class="n-on" role="status"><p>${esc(_("Kami akan mengabari {phone} lewat {channel} saat giliran Anda hampir tiba.", { phone: s.notify.phone, channel: CHANNEL_NAMES[s.notify.channel]?.() || s.notify.channel }))}</p>${stop}</div>`;
  }
  if (!s.open) {
    return `<button type="button" class="k-btn n-open" data-notify-action="open">${esc(offered.includes("whatsapp") && offered.includes("sms") ? _("Kabari saya lewat SMS/WhatsApp") : offered.includes("whatsapp") ? _("Kabari saya lewat WhatsApp") : _("Kabari saya lewat SMS"))}</button>`;
  }
  const choice = offered.length > 1
    ? `<div class="n-channels" role="radiogroup" aria-label="${esc(_("Kirim lewat"))}">${offered
        .map((c) => `<button type="button" role="radio" class="n-channel" data-channel="${c}" aria-checked="${s.channel === c}">${esc(CHANNEL_NAMES[c]())}</button>`)
        .join("")}</div>`
    : "";
  const input = opts.pad
    ? `<output class="n-number" id="n-number" aria-live="polite">${esc(grouped(s.digits)) || `<span class="n-placeholder">0812-3456-7890</span>`}</output>`
    : `<input class="n-number" id="n-number" type="tel" inputmode="tel" autocomplete="tel" maxlength="20" placeholder="0812 3456 7890" value="${esc(s.digits)}" aria-describedby="n-consent">`;
  return `<form class="n-form" novalidate>
      <label class="n-label" for="n-number">${esc(_("Nomor ponsel Anda"))}</label>
      ${input}
      ${s.error ? `<p class="n-error" role="alert">${esc(s.error)}</p>` : ""}
      ${opts.pad ? pad() : ""}
      ${choice}
      <p class="n-consent" id="n-consent">${esc(CONSENT())}</p>
      <div class="n-actions">
        <button type="button" class="k-btn k-btn-ghost" data-notify-action="close">${esc(_("Batal"))}</button>
        <button type="submit" class="k-btn k-btn-primary" ${s.busy ? "disabled" : ""}>${esc(s.busy ? _("Memproses…") : _("Setuju dan kirim"))}</button>
      </div>
    </form>`;
}

/**
 * Show the opt-in for `ticket` in `slot`. opts.pad: the kiosk's number pad (tap only); opts.onChange(notify):
 * told when messages were switched on or off. Its style, notify.css, is linked by the host page (kiosk.html, ticket.html).
 */
export async function mountNotify(slot, ticket, opts = {}) {
  if (!slot || !ticket?.token) return;
  if (opts.pad) keyboard ??= await import("/static/keyboard.js");
  const offered = await setUpChannels();
  if (!offered.length || !["waiting", "called", "serving"].includes(ticket.status)) {
    slot.innerHTML = "";
    return;
  }
  // A live update of the host page (every call in the line) must not redraw a form being typed in.
  const shown = `${ticket.token}:${lang()}`;
  if (slot.firstElementChild && slot.dataset.notifyShown === shown) return;
  slot.dataset.notifyShown = shown;
  const s = kept.get(ticket.token) || { open: false, digits: "", channel: offered[0], notify: ticket.notify || null, busy: false, error: "" };
  if (ticket.notify && !s.busy) s.notify = ticket.notify;
  kept.set(ticket.token, s);
  const draw = () => {
    slot.innerHTML = `<section class="n-box${opts.pad ? " n-kiosk" : ""}" aria-label="${esc(_("Pemberitahuan SMS/WhatsApp"))}">${view(s, opts, offered)}</section>`;
  };
  draw();
  if (slot.dataset.notifyBound) return;
  slot.dataset.notifyBound = "1";
  slot.addEventListener("click", (event) => {
    const current = kept.get(ticket.token);
    const el = event.target.closest("button");
    if (!el || !slot.contains(el) || !current) return;
    if (el.dataset.key) {
      if (el.dataset.key === "Backspace") current.digits = current.digits.slice(0, -1);
      else if (el.dataset.key === "Clear") current.digits = "";
      else if (current.digits.length < 13) current.digits += el.dataset.key;
      current.error = "";
    } else if (el.dataset.channel) {
      current.channel = el.dataset.channel;
    } else if (el.dataset.notifyAction === "open") {
      current.open = true;
    } else if (el.dataset.notifyAction === "close") {
      Object.assign(current, { open: false, digits: "", error: "" });
    } else if (el.dataset.notifyAction === "stop") {
      send(current, "DELETE");
      return;
    } else {
      return;
    }
    draw();
    if (el.dataset.notifyAction === "open" && opts.pad) slot.scrollIntoView({ block: "start" }); // the number and the pad in view
    if (current.open && !opts.pad) slot.querySelector("#n-number")?.focus();
  });
  slot.addEventListener("input", (event) => {
    if (event.target.id === "n-number") kept.get(ticket.token).digits = event.target.value;
  });
  slot.addEventListener("submit", (event) => {
    event.preventDefault();
    send(kept.get(ticket.token), "POST");
  });

  async function send(current, method) {
    if (current.busy) return;
    current.busy = true;
    current.error = "";
    draw();
    try {
      const body = method === "POST" ? { phone: current.digits, channel: current.channel } : undefined;
      const answer = await api(`/api/tickets/${encodeURIComponent(ticket.token)}/notify`, { method, body });
      current.notify = answer.notify;
      if (!answer.notify.on) Object.assign(current, { open: false, digits: "" });
      opts.onChange?.(answer.notify);
    } catch (err) {
      current.error = err.message;
    } finally {
      current.busy = false;
      draw();
    }
  }
}
