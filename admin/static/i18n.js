// English for the admin and report screens: each Indonesian label the admin reads, and its English.
// tr() is called on Loket's own words only, never on what an admin typed (agency names stay as written).
import { lang } from "/static/loket.js";

const EN = {
  // navigation, top bar, login
  "Loket · Administrasi": "Loket · Administration", "Profil MPP": "MPP profile", Instansi: "Agency", Layanan: "Services", Loket: "Counters",
  "Kios & printer": "Kiosks & printers", Layar: "Displays", "Jam istirahat": "Breaks", "Hari libur & tutup": "Holidays & closures",
  Pengguna: "Users", "Log perubahan": "Change log", "Impor / ekspor": "Import / export", Laporan: "Reports", Pengaduan: "Complaints",
  "Survei kepuasan (IKM)": "Satisfaction survey (IKM)", "Menu administrasi": "Administration menu", Keluar: "Log out",
  "Masuk administrasi": "Administration login", "Nama pengguna": "Username", "Kata sandi": "Password", Masuk: "Log in",
  // entity titles and columns
  "Layar ruang tunggu": "Waiting-room displays", "Hari libur & tanggal tutup": "Holidays & closed dates",
  Kode: "Code", Nama: "Name", Zona: "Zone", Aktif: "Active", Awalan: "Prefix", "Kuota/hari": "Quota/day", "Jam layanan": "Hours",
  Nomor: "Number", Status: "Status", Lokasi: "Location", Printer: "Printer", "Status printer": "Printer state", "Galat terakhir": "Last error",
  "Terakhir terlihat": "Last seen", Suara: "Voice", Ulang: "Repeat", "Mode suara": "Voice mode", "Berlaku untuk": "Applies to", Hari: "Day",
  Mulai: "Starts", Selesai: "Ends", Keterangan: "Label", Tanggal: "Date", "Alasan (tampil di kios)": "Reason (shown on the kiosk)",
  "Nama lengkap": "Full name", Peran: "Role", Ya: "Yes", Tidak: "No", Semua: "All", "Seluruh MPP": "Whole MPP",
  "Belum ada jam: tutup": "No hours: closed",
  // form fields
  "Kode (mis. DUKCAPIL)": "Code (e.g. DUKCAPIL)", "Nama instansi": "Agency name", Warna: "Colour", "Zona/lantai": "Zone/floor", Urutan: "Order",
  "Maklumat pelayanan": "Service declaration (maklumat)", "Penanda tangan maklumat": "Declaration signed by",
  "Kode singkat di lencana kios (maks. 8, mis. BPJS-K)": "Short code on the kiosk badge (max. 8, e.g. BPJS-K)",
  "Logo di lencana kios (PNG/JPEG/WebP, maks. 64 KB)": "Logo on the kiosk badge (PNG/JPEG/WebP, max. 64 KB)",
  "Kode layanan": "Service code", "Nama layanan": "Service name", "Awalan nomor (mis. A)": "Number prefix (e.g. A)", "Jumlah digit": "Digits",
  "Kuota harian (kosong = tanpa batas)": "Daily quota (empty = no limit)", "Berhenti mengambil nomor … menit sebelum tutup": "Stop issuing … minutes before closing",
  "Waktu layanan dijanjikan (menit)": "Promised service time (minutes)", "Perkiraan lama layanan (menit)": "Expected service length (minutes)",
  "Jam layanan mingguan": "Weekly hours", Persyaratan: "Requirements", "Sistem, mekanisme dan prosedur": "Procedure",
  "Jangka waktu penyelesaian": "Time to complete", "Biaya/tarif": "Fee", "Produk pelayanan": "Product", "Penanganan pengaduan": "Complaint handling",
  "Nomor SK standar pelayanan": "Service standard decree number", "Nomor loket": "Counter number", "Layanan yang dilayani": "Services served",
  "Nama kios": "Kiosk name", "Alamat printer (tcp://…:9100, usb://, dummy)": "Printer address (tcp://…:9100, usb://, dummy)",
  "Profil printer (mis. TM-T82)": "Printer profile (e.g. TM-T82)", "Kode QR": "QR code", "native (ESC/POS)": "native (ESC/POS)", gambar: "image",
  "Nama layar": "Display name", "Instansi yang ditampilkan (kosong = semua)": "Agencies shown (empty = all)", "Tata letak": "Layout",
  Mendatar: "Landscape", Tegak: "Portrait", "Teks berjalan": "Running text", "Bacakan panggilan": "Announce calls aloud",
  "Ulangi panggilan (1–3)": "Repeat each call (1–3)", "Mode suara (dilaporkan layar)": "Voice mode (reported by the display)", Alasan: "Reason",
  "Petugas loket": "Counter officer", "Supervisor instansi": "Agency supervisor", "Admin MPP": "MPP admin", "Kata sandi awal (min. 8)": "Initial password (8+)",
  "Nama MPP": "MPP name", Alamat: "Address", "Alamat logo (URL)": "Logo address (URL)", "Zona waktu": "Time zone", "Kepala tiket": "Ticket header",
  "Kaki tiket": "Ticket footer", "Cara membaca nomor": "How numbers are read", "Per digit: A nol nol satu": "Digit by digit: A nol nol satu",
  "Utuh: A satu": "Whole: A satu", "Warga boleh memilih antrean prioritas sendiri di kios": "Citizens may choose a priority ticket at the kiosk",
  "Ambil nomor lewat ponsel": "Tickets by phone", "Batas nomor per ponsel per jam": "Tickets per phone per hour", "Aturan prioritas": "Priority rule",
  "Ketat: prioritas selalu didahulukan": "Strict: priority always first", "Selang-seling: 1 prioritas tiap N reguler": "Interleave: 1 priority every N regular",
  "N (untuk selang-seling)": "N (for interleave)", "Batas tunggu antrean reguler (menit, 0 = tanpa batas)": "Longest regular wait (minutes, 0 = no limit)",
  "Survei kepuasan": "Satisfaction survey", "SKM lengkap: 9 unsur (IKM)": "Full SKM: 9 elements (IKM)", "Cepat: 1 pertanyaan (bukan IKM)": "Quick: 1 question (not IKM)",
  // buttons and messages
  "+ Tambah": "+ Add", Ubah: "Edit", Lihat: "View", Simpan: "Save", Batal: "Cancel", Hapus: "Delete", "Simpan profil": "Save profile",
  "Cetak tiket uji": "Print a test ticket", "Atur ulang kata sandi": "Reset password", "Hapus logo": "Remove logo", "Belum ada data.": "Nothing yet.",
  "Profil tersimpan.": "Profile saved.", "Tiket uji tercetak.": "Test ticket printed.", "Kata sandi diperbarui.": "Password updated.",
  "Tidak ada hari yang dicentang: layanan ini akan tutup setiap hari dan kios tidak memberi nomor.": "No day is ticked: this service will be closed every day and the kiosk gives no numbers.",
  "Layanan ini belum punya jam layanan: kios tidak akan memberi nomor. Centang hari buka, atau tekan Simpan sekali lagi untuk menyimpan tanpa jam.":
    "This service has no hours: the kiosk will give no numbers. Tick the open days, or press Save again to save it without hours.",
  // audit and exchange
  Data: "Data", Dari: "From", Sampai: "To", Saring: "Filter", Waktu: "Time", Oleh: "By", Tindakan: "Action", "Sebelum → sesudah": "Before → after",
  "Impor / ekspor konfigurasi": "Import / export configuration", Ekspor: "Export", Impor: "Import", "Semua (JSON)": "Everything (JSON)",
  "Jenis CSV ": "CSV kind ", "Berkas CSV atau JSON": "CSV or JSON file", "Pilih berkas CSV atau JSON.": "Choose a CSV or JSON file.",
  "Unduh konfigurasi untuk disunting di spreadsheet atau dipindahkan ke MPP lain.": "Download the configuration to edit in a spreadsheet or move to another MPP.",
  "Baris dicocokkan dengan kode (instansi, layanan) atau nomor loket: yang ada diperbarui, yang baru ditambahkan. Satu baris salah membatalkan seluruh impor. Jam layanan di CSV: 0=08:00-15:00;4=08:00-11:30 (0 = Senin).":
    "Rows are matched by code (agencies, services) or counter number: existing ones are updated, new ones added. One bad row cancels the whole import. Hours in CSV: 0=08:00-15:00;4=08:00-11:30 (0 = Monday).",
  // days
  Senin: "Monday", Selasa: "Tuesday", Rabu: "Wednesday", Kamis: "Thursday", Jumat: "Friday", Sabtu: "Saturday", Minggu: "Sunday",
  // reports page
  "← Administrasi": "← Administration", "Rekap harian (cetak)": "Daily recap (print)", "Laporan pelayanan": "Service report", "Semua instansi": "All agencies",
  Tampilkan: "Show", "Saat ini": "Right now", "Ringkasan per": "Summary per", instansi: "agency", layanan: "service", loket: "counter", petugas: "officer",
  "Jam sibuk (nomor diambil per jam × hari)": "Busy hours (tickets taken per hour × day)", "Rekap bulanan per hari": "Monthly recap per day",
  "Grafik antrean saat ini": "Queue chart, now", "Grafik ringkasan": "Summary chart", "Grafik jam sibuk": "Busy-hours chart", "Grafik bulanan": "Monthly chart",
  "Kelompokkan menurut": "Group by", Bulan: "Month", Diambil: "Taken", Dilayani: "Served", "Tidak hadir": "No-show", Dialihkan: "Transferred",
  "Belum selesai": "Unfinished", "Tunggu rata-rata (mnt)": "Mean wait (min)", "Tunggu median": "Median wait", "Tunggu P90": "Wait P90",
  "Layanan rata-rata (mnt)": "Mean service (min)", "Layanan median": "Median service", "Layanan P90": "Service P90", "Tepat waktu (%)": "On time (%)",
  "Pemakaian kuota (%)": "Quota used (%)", "Hari kuota habis": "Days quota ran out", Menunggu: "Waiting", "Sedang dilayani": "Being served",
  "Tunggu terlama (mnt)": "Longest wait (min)", "Loket buka": "Open counters", "Tunggu median (mnt)": "Median wait (min)", "Instansi / layanan": "Agency / service",
  Jumlah: "Total",
  // daily recap
  "← Laporan": "← Reports", Cetak: "Print", "Rekap harian": "Daily recap", "Per instansi": "Per agency", "Per layanan": "Per service",
};

export const english = () => lang() === "en";

// Section names are plural where a column or field says one ("Instansi" is both in Indonesian).
const TITLES = { Instansi: "Agencies", Layanan: "Services", Loket: "Counters" };
export const trTitle = (text) => (english() && TITLES[text] ? TITLES[text] : tr(text));

/** The English of one of Loket's admin labels when the screen is in English; else the label as given. */
export const tr = (text) => (english() && typeof text === "string" && EN[text] !== undefined ? EN[text] : text);

/** Translate the fixed words of a server-rendered part of the page (text nodes and a few attributes). */
export function translateTree(root) {
  if (!english() || !root) return;
  document.documentElement.lang = "en";
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const key = node.nodeValue.trim();
    const english = node.parentElement?.closest("nav") && TITLES[key] ? TITLES[key] : EN[key];
    if (key && english !== undefined) node.nodeValue = node.nodeValue.replace(key, english);
  }
  for (const el of root.querySelectorAll("[aria-label], [placeholder]")) {
    for (const attr of ["aria-label", "placeholder"]) {
      const value = el.getAttribute(attr);
      if (value && EN[value] !== undefined) el.setAttribute(attr, EN[value]);
    }
  }
}
