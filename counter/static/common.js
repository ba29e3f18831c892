// Shared by the counter pages: texts in both languages, labels, the language switch and logout.
import { api, lang, N_, NC_, setLang, t } from "/static/loket.js";

export const TEXT = {
  login_title: N_("Masuk"),
  username: N_("Nama pengguna"),
  password: N_("Kata sandi"),
  login_button: N_("Masuk"),
  choose_title: N_("Pilih loket"),
  logout: N_("Keluar"),
  supervisor_link: N_("Pantauan supervisor"),
  supervisor_title: N_("Pantauan loket"),
  officer: N_("Petugas"),
  state_open: N_("Buka"),
  state_paused: N_("Istirahat"),
  state_closed: N_("Tutup"),
  offline: N_("Terputus"),
  session_ended: N_("Sesi berakhir"),
  session_title: N_("Sesi berakhir"),
  session_login: N_("Masuk kembali"),
  online: N_("Tersambung"),
  change_counter: N_("Ganti loket"),
  current: N_("Sedang dilayani"),
  current_called: N_("Dipanggil"),
  next: N_("Panggil berikutnya"),
  recall: N_("Panggil ulang"),
  start: N_("Mulai layani"),
  complete: NC_("button", "Selesai"),
  noshow: N_("Tidak hadir"),
  transfer: N_("Alihkan"),
  hold: N_("Tunda"),
  resume: N_("Lanjutkan"),
  call_number_label: N_("Panggil nomor tertentu"),
  call_number: N_("Panggil nomor"),
  held_title: N_("Ditunda"),
  held_empty: N_("Tidak ada yang ditunda."),
  waiting_title: N_("Antrean menunggu"),
  waiting_empty: N_("Tidak ada yang menunggu."),
  col_number: N_("Nomor"),
  col_service: N_("Layanan"),
  col_priority: N_("Prioritas"),
  col_minutes: N_("Menunggu"),
  today_title: N_("Hari ini (Anda)"),
  served: N_("Dilayani"),
  average: N_("Rata-rata layanan"),
  no_shows: NC_("count", "Tidak hadir"),
  noshow_explain: N_("Nomor ini dapat dipanggil lagi dengan mengetik nomornya bila warga kembali."),
  cancel: N_("Batal"),
  noshow_confirm: N_("Ya, tidak hadir"),
  transfer_search: N_("Cari layanan atau instansi"),
  transfer_note: N_("Catatan untuk petugas penerima (opsional)"),
  transfer_confirm: N_("Alihkan"),
  until_label: N_("Kembali"),
  reason_note: N_("Catatan untuk supervisor (opsional)"),
  reason_hint: N_("Pilih alasan: loket langsung berubah."),
  requests_title: N_("Permintaan tutup loket"),
  requests_empty: N_("Tidak ada permintaan yang menunggu."),
  standards_title: N_("Standar waktu layanan saat ini"),
};

// Priority reason -> its label: the server's one table (loket/priority.py), filled from the snapshot's mpp.
export const PRIORITY = {};
export const setPriorityLabels = (mpp) => Object.assign(PRIORITY, mpp?.priority_reasons || {});

export const STATE = { open: TEXT.state_open, paused: TEXT.state_paused, closed: TEXT.state_closed };

export const STATUS = {
  waiting: N_("Menunggu"),
  called: N_("Dipanggil"),
  serving: NC_("state", "Dilayani"),
};

export const text = (key) => t(TEXT[key]);

export function applyTexts(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    if (TEXT[el.dataset.i18n]) el.textContent = text(el.dataset.i18n);
  }
  document.documentElement.lang = lang();
  for (const button of root.querySelectorAll("[data-lang-switch]")) {
    button.textContent = lang() === "en" ? "Bahasa Indonesia" : "English";
    button.onclick = () => {
      setLang(lang() === "en" ? "id" : "en");
      const url = new URL(location.href);
      url.searchParams.delete("lang");
      location.replace(url);
    };
  }
}

// The button starts disabled in the page: a tap before this ran would have done nothing.
export function bindLogout(button) {
  if (!button) return;
  button.addEventListener("click", async () => {
    await api("/api/logout", { method: "POST" }).catch(() => null);
    location.href = "/counter/";
  });
  button.disabled = false;
}

// "4:05" for under an hour, "1:02:05" beyond: how long the citizen has been at the counter.
export function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

// How long a ticket has been called or served, for the supervisor: whole minutes with their unit, so
// "12 mnt" or "1 j 5 mnt" is never read as the clock time 12:12.
export function minutesSince(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 1) return t(N_("< 1 mnt"));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? t(N_("{h} j {m} mnt"), { h, m }) : t(N_("{m} mnt"), { m });
}

// Session gone (expired or logged out elsewhere): back to the login page, returning here after.
export function toLogin(expired) {
  const params = new URLSearchParams({ next: location.pathname });
  if (expired) params.set("expired", "1");
  location.href = `/counter/?${params}`;
}

// An HTTP refusal (ApiError) names its code in .code, the socket's `error` event in .error: both count.
export const isAuthError = (err) => ["login_required", "session_expired"].includes(err?.code || err?.error);
