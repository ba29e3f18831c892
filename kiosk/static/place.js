// The place in line on a kiosk's ticket screen (a walk-in's and a checked-in booking's), as call-next will
// take it: a booking before its slot gets a time, a ticket no open counter can call says so, and "next" is
// said only when it is true.
import { _, lang, mppTime } from "/static/loket.js";

export function placeHtml(tk, timezone) {
  if (tk.called_around) {
    const at = mppTime(new Date(tk.called_around), timezone);
    const time = `${lang() === "id" ? at.time.replace(":", ".") : at.time} ${at.zone}`;
    return `<p class="k-issued-when"><strong>${_("Dipanggil sekitar pukul {time}", { time })}</strong></p>
      <p>${_("Nomor reservasi dipanggil mulai jam sesinya; pengunjung yang datang sebelum jam itu dilayani lebih dulu.")}</p>`;
  }
  const ahead = `<p>${_("Antrean di depan Anda")}: <strong>${tk.ahead}</strong></p>`;
  if (tk.open_counters === 0) {
    return `<p class="k-no-counter">${_("Belum ada loket yang buka")}</p>${ahead}
      <p>${_("Nomor Anda tetap berlaku. Pemanggilan dimulai saat petugas membuka loket; perkiraan waktu tunggu muncul setelah itu.")}</p>`;
  }
  if (tk.ahead === 0) return `${ahead}<p><strong>${_("Anda berikutnya. Mohon tunggu panggilan.")}</strong></p>`;
  return ahead + (tk.estimated_wait_minutes ? `<p>${_("Perkiraan waktu tunggu")}: <strong>± ${tk.estimated_wait_minutes} ${_("menit")}</strong></p>` : "");
}
