// The issued ticket on the kiosk's screen, a walk-in's (kiosk.js) and a checked-in booking's (checkin.js):
// the number, its place in line, the QR, and what the printer did. The printer's outcome comes as
// ticket_printed, possibly before the answer that issued the ticket; none within PRINT_WAIT is "not printed".
import { _, agencyStyle, api, esc, localized, pgettext } from "/static/loket.js";
import { placeHtml } from "./place.js";

const PRINT_WAIT = 8000; // no report from the server's printer or the print agent by then: treat as not printed

/** "Sedang mencetak…", "ambil tiket", or not printed with a reprint offer; printer false: this kiosk prints nothing. */
export function printStatus(ticket, printer = true) {
  if (!printer) return `<p class="k-print k-print-none">${_("Kios ini tidak mencetak tiket. Pindai kode QR atau catat nomor Anda.")}</p>`;
  if (ticket.printed === true) return `<p class="k-print k-print-ok">${_("Silakan ambil tiket Anda di bawah layar.")}</p>`;
  if (ticket.printed === null || ticket.printed === undefined) return `<p class="k-print k-print-wait">${_("Sedang mencetak tiket…")}</p>`;
  return `<div class="k-print k-print-failed" role="alert">
      <p><strong>${_("Tiket tidak tercetak.")}</strong> ${_("Nomor Anda tetap berlaku: ingat nomor ini atau pindai kode QR.")}</p>
      <button type="button" class="k-btn k-btn-primary" data-action="reprint">${_("Cetak ulang")}</button>
    </div>`;
}

/**
 * The ticket screen. opts: numberId (the number's element id), done (the data-action of "Selesai"), timezone,
 * printer (as printStatus; null: no print line), heading (HTML above the agency), label (above the number),
 * className (added to k-issued), notify (an empty #notify-slot for mountNotify), countdown (a #countdown in "Selesai").
 */
export function ticketHtml(tk, opts) {
  return `<section class="k-issued${opts.className ? ` ${opts.className}` : ""}" style="${agencyStyle(tk.agency_color)}">
      ${opts.heading || ""}
      <p class="k-sub">${esc(tk.agency)}</p>
      <p class="k-issued-service">${esc(localized(tk, "service"))}</p>
      <p class="k-issued-label">${opts.label || _("Nomor antrean Anda")}</p>
      <p class="k-issued-number" id="${opts.numberId}">${esc(tk.number)}</p>
      ${tk.priority ? `<p class="k-t-priority">${_("PRIORITAS")}</p>` : ""}
      ${placeHtml(tk, opts.timezone || "Asia/Jakarta")}
      ${tk.qr_svg ? `<div class="k-issued-qr">${tk.qr_svg}<p>${_("Pindai untuk memantau antrean di ponsel Anda")}</p></div>` : ""}
      ${opts.printer === null ? "" : printStatus(tk, opts.printer)}
      ${opts.notify ? `<div id="notify-slot"></div>` : ""}
      <button type="button" class="k-btn k-btn-ghost" data-action="${opts.done}">${pgettext("button", "Selesai")}${opts.countdown ? ` <span id="countdown"></span>` : ""}</button>
    </section>`;
}

/**
 * Follows the print of the ticket on screen: `shown(ticket)` once it is (a report that came first is applied),
 * `report(r)` for each ticket_printed, `reprint()` for the button, `hidden()` when the screen leaves it.
 * onChange(ticket) redraws whenever ticket.printed changes.
 */
export function printWatch(onChange) {
  const early = new Map(); // reports that came before the ticket's answer
  let ticket = null;
  let timer = null;
  const wait = () => {
    clearTimeout(timer);
    const waited = ticket;
    if (waited?.printed == null) timer = setTimeout(() => report({ ticket_id: waited.id, printed: false }), PRINT_WAIT);
  };
  function report(r) {
    if (!ticket || ticket.id !== r.ticket_id) {
      if (early.size < 50) early.set(r.ticket_id, r);
      return;
    }
    clearTimeout(timer);
    ticket.printed = r.printed;
    onChange(ticket);
  }
  return {
    report,
    shown(tk, printing = true) {
      ticket = tk;
      const first = early.get(tk.id);
      early.clear();
      if (first && tk.printed == null) tk.printed = first.printed;
      if (printing) wait();
      else clearTimeout(timer);
    },
    hidden() {
      clearTimeout(timer);
      ticket = null;
    },
    async reprint() {
      const tk = ticket;
      if (!tk?.token) return;
      clearTimeout(timer);
      tk.printed = null;
      onChange(tk);
      try {
        const answer = await api(`/api/tickets/${encodeURIComponent(tk.token)}/reprint`, { method: "POST", timeout: 12000 });
        if (ticket !== tk) return;
        if (answer.ticket.printed != null) tk.printed = answer.ticket.printed;
        onChange(tk);
        wait();
      } catch (err) {
        if (ticket !== tk) return;
        tk.printed = false;
        onChange(tk);
      }
    },
  };
}
