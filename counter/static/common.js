// Shared by the counter pages: texts in both languages, labels, the language switch and logout.
import { api, lang, setLang, t } from "/static/loket.js";

export const TEXT = {
  login_title: { id: "Masuk", en: "Log in" },
  username: { id: "Nama pengguna", en: "Username" },
  password: { id: "Kata sandi", en: "Password" },
  login_button: { id: "Masuk", en: "Log in" },
  choose_title: { id: "Pilih loket", en: "Choose a counter" },
  logout: { id: "Keluar", en: "Log out" },
  supervisor_link: { id: "Pantauan supervisor", en: "Supervisor view" },
  supervisor_title: { id: "Pantauan loket", en: "Counters overview" },
  officer: { id: "Petugas", en: "Officer" },
  state_open: { id: "Buka", en: "Open" },
  state_paused: { id: "Istirahat", en: "Break" },
  state_closed: { id: "Tutup", en: "Closed" },
  offline: { id: "Terputus", en: "Offline" },
  online: { id: "Tersambung", en: "Online" },
  change_counter: { id: "Ganti loket", en: "Change counter" },
  current: { id: "Sedang dilayani", en: "Current ticket" },
  next: { id: "Panggil berikutnya", en: "Call next" },
  recall: { id: "Panggil ulang", en: "Recall" },
  start: { id: "Mulai layani", en: "Start service" },
  complete: { id: "Selesai", en: "Done" },
  noshow: { id: "Tidak hadir", en: "No-show" },
  transfer: { id: "Alihkan", en: "Transfer" },
  hold: { id: "Tunda", en: "Hold" },
  resume: { id: "Lanjutkan", en: "Resume" },
  call_number_label: { id: "Panggil nomor tertentu", en: "Call a specific number" },
  call_number: { id: "Panggil nomor", en: "Call number" },
  held_title: { id: "Ditunda", en: "On hold" },
  held_empty: { id: "Tidak ada yang ditunda.", en: "Nothing on hold." },
  waiting_title: { id: "Antrean menunggu", en: "Waiting" },
  waiting_empty: { id: "Tidak ada yang menunggu.", en: "Nobody is waiting." },
  col_number: { id: "Nomor", en: "Number" },
  col_service: { id: "Layanan", en: "Service" },
  col_priority: { id: "Prioritas", en: "Priority" },
  col_minutes: { id: "Menunggu", en: "Waiting" },
  today_title: { id: "Hari ini (Anda)", en: "Today (you)" },
  served: { id: "Dilayani", en: "Served" },
  average: { id: "Rata-rata layanan", en: "Average service" },
  no_shows: { id: "Tidak hadir", en: "No-shows" },
  noshow_explain: { id: "Nomor ini dapat dipanggil lagi dengan mengetik nomornya bila warga kembali.", en: "The number can be called again by typing it if the citizen returns." },
  cancel: { id: "Batal", en: "Cancel" },
  noshow_confirm: { id: "Ya, tidak hadir", en: "Yes, no-show" },
  transfer_search: { id: "Cari layanan atau instansi", en: "Search a service or agency" },
  transfer_note: { id: "Catatan untuk petugas penerima (opsional)", en: "Note for the receiving officer (optional)" },
  transfer_confirm: { id: "Alihkan", en: "Transfer" },
};

export const PRIORITY = {
  disability: { id: "Penyandang disabilitas", en: "Person with a disability" },
  elderly: { id: "Lansia (60+)", en: "Elderly (60+)" },
  pregnant: { id: "Ibu hamil", en: "Pregnant woman" },
  child: { id: "Anak-anak", en: "Child" },
  disaster: { id: "Korban bencana", en: "Disaster victim" },
};

export const STATE = { open: TEXT.state_open, paused: TEXT.state_paused, closed: TEXT.state_closed };

export const STATUS = {
  waiting: { id: "Menunggu", en: "Waiting" },
  called: { id: "Dipanggil", en: "Called" },
  serving: { id: "Dilayani", en: "Being served" },
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

export function bindLogout(button) {
  button?.addEventListener("click", async () => {
    await api("/api/logout", { method: "POST" }).catch(() => null);
    location.href = "/counter/";
  });
}

// "4:05" for under an hour, "1:02:05" beyond: how long the citizen has been at the counter.
export function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

// Session gone (expired or logged out elsewhere): back to the login page, returning here after.
export function toLogin(expired) {
  const params = new URLSearchParams({ next: location.pathname });
  if (expired) params.set("expired", "1");
  location.href = `/counter/?${params}`;
}

export const isAuthError = (err) => err && (err.code === "login_required" || err.code === "session_expired");
