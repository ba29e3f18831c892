// The configuration screen: one generic table + form per entity, all through /api/admin/…
import { _, api, badgeColors, lang, N_, t } from "/static/loket.js";
import { el, session } from "./common.js";
import { tr, trTitle } from "./i18n.js";

const DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
const view = document.getElementById("view");
const state = { user: null, agencies: [], services: [] };
// Online booking per service (booking/, loket/bookings.py): slots follow the weekly hours above.
const BOOKING_FIELDS = [
  ["booking_enabled", "Reservasi online aktif", "checkbox"], ["booking_slot_minutes", "Reservasi: lama satu sesi (menit)", "number"],
  ["booking_capacity", "Reservasi: kapasitas per sesi (orang)", "number"], ["booking_days_ahead", "Reservasi: dibuka berapa hari ke depan", "number"],
  ["booking_quota_percent", "Reservasi: bagian kuota harian (%) — sisanya untuk datang langsung", "number"],
  ["booking_checkin_before", "Check-in dibuka … menit sebelum sesi", "number"], ["booking_checkin_after", "Check-in ditutup … menit setelah sesi mulai", "number"],
  ["booking_ask_nik", "Reservasi meminta NIK (disimpan sebagai hash)", "checkbox"],
];

const yes = (v) => tr(v ? "Ya" : "Tidak");
const agencyName = (id) => (id == null ? "Seluruh MPP" : (state.agencies.find((a) => a.id === id) || {}).code || `#${id}`);
const agencyOptions = (withAll) => [...(withAll ? [["", "Seluruh MPP"]] : []), ...state.agencies.map((a) => [a.id, `${a.code} — ${a.name}`])];
const STANDARD = [
  ["requirements", "Persyaratan"], ["procedure", "Sistem, mekanisme dan prosedur"], ["completion_time", "Jangka waktu penyelesaian"],
  ["fee", "Biaya/tarif"], ["product", "Produk pelayanan"], ["complaint_channel", "Penanganan pengaduan"], ["sk_number", "Nomor SK standar pelayanan"],
];

// Each entity: its table columns and its form fields. Field: [name, label, type, options].
const ENTITIES = {
  agencies: {
    title: "Instansi",
    columns: [["code", "Kode"], ["name", "Nama"], ["zone", "Zona"], ["active", "Aktif", yes]],
    fields: () => [
      ["code", "Kode (mis. DUKCAPIL)", "text"], ["name", "Nama instansi", "text"], ["color", "Warna", "color"], ["zone", "Zona/lantai", "text"],
      ["sort_order", "Urutan", "number"], ["active", "Aktif", "checkbox"],
      ["maklumat", "Maklumat pelayanan", "textarea"], ["maklumat_signer", "Penanda tangan maklumat", "text"],
      ["short_code", "Kode singkat di lencana kios (maks. 8, mis. BPJS-K)", "text"], ["logo", "Logo di lencana kios (PNG/JPEG/WebP, maks. 64 KB)", "image"],
    ],
  },
  services: {
    title: "Layanan",
    columns: [["agency_id", "Instansi", agencyName], ["code", "Kode"], ["name", "Nama"], ["prefix", "Awalan"], ["daily_quota", "Kuota/hari", (v) => v ?? "—"],
      ["hours", "Jam layanan", (h) => h.map((x) => `${tr(DAYS[x.weekday]).slice(0, 3)} ${x.opens}–${x.closes}`).join(", ") || tr("Belum ada jam: tutup")], ["active", "Aktif", yes]],
    fields: () => [
      ["agency_id", "Instansi", "select", agencyOptions(false)], ["code", "Kode layanan", "text"], ["name", "Nama layanan", "text"],
      ["name_en", "Nama layanan dalam bahasa Inggris (kosong = nama layanan)", "text"],
      ["short_name", "Nama singkat di layar (kosong = nama layanan)", "text"], ["prefix", "Awalan nomor (mis. A)", "text"], ["padding", "Jumlah digit", "number"], ["daily_quota", "Kuota harian (kosong = tanpa batas)", "number"],
      ["cutoff_minutes", "Berhenti mengambil nomor … menit sebelum tutup", "number"], ["promised_minutes", "Waktu layanan dijanjikan (menit)", "number"],
      ["default_service_minutes", "Perkiraan lama layanan (menit)", "number"], ["sort_order", "Urutan", "number"], ["active", "Aktif", "checkbox"],
      ["hours", "Jam layanan mingguan", "hours"],
      ...BOOKING_FIELDS,
      ...STANDARD.map(([name, label]) => [name, label, name === "sk_number" || name === "fee" || name === "completion_time" ? "text" : "textarea"]),
      ["requirements_en", "Persyaratan dalam bahasa Inggris (kosong = persyaratan di atas)", "textarea"],
      ["procedure_en", "Prosedur dalam bahasa Inggris (kosong = prosedur di atas)", "textarea"],
    ],
  },
  counters: {
    title: "Loket",
    columns: [["number", "Nomor"], ["name", "Nama"], ["agency_id", "Instansi", agencyName], ["service_ids", "Layanan",
      (ids) => ids.map((id) => (state.services.find((s) => s.id === id) || {}).name || id).join(", ")], ["state", "Status"]],
    fields: () => [["agency_id", "Instansi", "select", agencyOptions(false)], ["number", "Nomor loket", "number"], ["name", "Nama", "text"],
      ["zone", "Zona", "text"], ["service_ids", "Layanan yang dilayani", "services"]],
    deletable: true,
  },
  kiosks: {
    title: "Kios & printer",
    columns: [["name", "Nama"], ["location", "Lokasi"], ["printer_url", "Printer"], ["printer_state", "Status printer"], ["printer_error", "Galat terakhir", (v) => v || "—"],
      ["last_seen_at", "Terakhir terlihat", (v) => v || "—"]],
    fields: () => [["name", "Nama kios", "text"], ["location", "Lokasi", "text"], ["printer_url", "Alamat printer (tcp://…:9100, usb://, dummy)", "text"],
      ["printer_profile", "Profil printer (mis. TM-T82)", "text"], ["qr_mode", "Kode QR", "select", [["native", "native (ESC/POS)"], ["image", "gambar"]]]],
    deletable: true,
    actions: (item) => [el("button", { type: "button", class: "ghost", onclick: () => testPrint(item) }, tr("Cetak tiket uji"))],
  },
  displays: {
    title: "Layar ruang tunggu",
    columns: [["name", "Nama"], ["location", "Lokasi"], ["agency_ids", "Instansi", (ids) => (ids.length ? ids.map(agencyName).join(", ") : tr("Semua"))],
      ["zone", "Zona", (v) => v || "—"], ["speak", "Suara", yes], ["repeat_count", "Ulang"], ["voice_mode", "Mode suara"]],
    fields: () => [["name", "Nama layar", "text"], ["location", "Lokasi", "text"], ["agency_ids", "Instansi yang ditampilkan (kosong = semua)", "agencies"],
      ["zone", "Zona", "text"], ["layout", "Tata letak", "select", [["landscape", "Mendatar"], ["portrait", "Tegak"]]], ["running_text", "Teks berjalan", "textarea"],
      ["speak", "Bacakan panggilan", "checkbox"], ["repeat_count", "Ulangi panggilan (1–3)", "number"], ["voice_mode", "Mode suara (dilaporkan layar)", "readonly"]],
    deletable: true,
  },
  breaks: {
    title: "Jam istirahat",
    columns: [["agency_id", "Berlaku untuk", agencyName], ["weekday", "Hari", (d) => tr(DAYS[d])], ["starts", "Mulai"], ["ends", "Selesai"], ["label", "Keterangan"]],
    fields: () => [["agency_id", "Berlaku untuk", "select", agencyOptions(true)], ["weekday", "Hari", "select", DAYS.map((d, i) => [i, d])],
      ["starts", "Mulai", "time"], ["ends", "Selesai", "time"], ["label", "Keterangan", "text"]],
    deletable: true,
  },
  "closed-dates": {
    title: "Hari libur & tanggal tutup",
    columns: [["date", "Tanggal"], ["agency_id", "Berlaku untuk", agencyName], ["reason", "Alasan (tampil di kios)"]],
    fields: () => [["date", "Tanggal", "date"], ["agency_id", "Berlaku untuk", "select", agencyOptions(true)], ["reason", "Alasan", "text"]],
    deletable: true,
  },
  users: {
    title: "Pengguna",
    columns: [["username", "Nama pengguna"], ["full_name", "Nama lengkap"], ["role", "Peran"], ["agency_id", "Instansi", (v) => (v ? agencyName(v) : "—")], ["active", "Aktif", yes]],
    fields: (item) => [["username", "Nama pengguna", "text"], ["full_name", "Nama lengkap", "text"],
      ["role", "Peran", "select", [["officer", "Petugas loket"], ["supervisor", "Supervisor instansi"], ["admin", "Admin MPP"]]],
      ["agency_id", "Instansi", "select", agencyOptions(true)], ["active", "Aktif", "checkbox"], ...(item ? [] : [["password", "Kata sandi awal (min. 8)", "password"]])],
    actions: (item) => [el("button", { type: "button", class: "ghost", onclick: () => resetPassword(item) }, tr("Atur ulang kata sandi"))],
  },
};

// ---------------------------------------------------------------- form fields

// A time as the MPP writes it, 24-hour "HH:MM" whatever the browser's locale (type=time shows "03:00 PM" in en-US).
function timeInput(attrs, value) {
  const node = el("input", { ...attrs, type: "text", class: "time", inputmode: "numeric", maxlength: 5, pattern: "([01][0-9]|2[0-4]):[0-5][0-9]",
    placeholder: "08:00", autocomplete: "off", value: value ?? "", dataset: { time: "" } });
  // Typed at the counter's keyboard as "800", "0800" or "8.00": written back as "08:00".
  node.addEventListener("change", () => {
    const digits = node.value.replace(/\D/g, "");
    if (/^\d{3,4}$/.test(digits)) node.value = `${digits.slice(0, -2).padStart(2, "0")}:${digits.slice(-2)}`;
    else if (/^\d{1,2}$/.test(digits)) node.value = `${digits.padStart(2, "0")}:00`;
  });
  return node;
}

function input(name, type, value, id) {
  if (type === "textarea") return el("textarea", { name, id, rows: 3 }, value ?? "");
  if (type === "checkbox") return el("input", { type: "checkbox", name, id, checked: Boolean(value) });
  if (type === "readonly") return el("output", { name, id }, value ?? "—");
  if (type === "time") return timeInput({ name, id }, value);
  const fallback = type === "color" ? "#0b5394" : ""; // a new agency starts in the MPP's blue, not black
  return el("input", { name, id, type: type === "color" ? "color" : type, value: value ?? fallback, step: type === "number" ? "any" : undefined });
}

// A logo file read in the browser as a data URL; the server checks its type and size.
function imageInput(name, value, id) {
  const box = el("div", { class: "image-field", dataset: { value: value || "" } });
  const preview = el("img", { alt: "", class: "image-preview", hidden: !value, src: value || undefined });
  const file = el("input", { type: "file", id, accept: "image/png,image/jpeg,image/webp" });
  const clear = el("button", { type: "button", class: "ghost", hidden: !value }, tr("Hapus logo"));
  file.onchange = () => {
    const chosen = file.files[0];
    if (!chosen) return;
    const reader = new FileReader();
    reader.onload = () => { box.dataset.value = reader.result; preview.src = reader.result; preview.hidden = false; clear.hidden = false; };
    reader.readAsDataURL(chosen);
  };
  clear.onclick = () => { box.dataset.value = ""; preview.hidden = true; clear.hidden = true; file.value = ""; };
  box.append(preview, file, clear);
  return box;
}

// The weekdays and hours most services of this MPP already keep: what a new service starts with.
function usualHours() {
  const counts = new Map();
  for (const service of state.services) {
    if (!service.hours?.length) continue;
    const key = JSON.stringify(service.hours.map((h) => [h.weekday, h.opens, h.closes]));
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  if (best) return JSON.parse(best[0]).map(([weekday, opens, closes]) => ({ weekday, opens, closes }));
  return [0, 1, 2, 3, 4].map((weekday) => ({ weekday, opens: "08:00", closes: "15:00" }));
}

function hoursEditor(hours) {
  const rows = DAYS.map((day, weekday) => {
    const found = (hours || []).find((h) => h.weekday === weekday);
    return el("div", { class: "hours-row", dataset: { weekday } },
      el("label", { class: "inline" }, el("input", { type: "checkbox", checked: Boolean(found) }), tr(day)),
      timeInput({ "aria-label": _("Buka {day}", { day: tr(day) }) }, found?.opens || "08:00"),
      "–",
      timeInput({ "aria-label": _("Tutup {day}", { day: tr(day) }) }, found?.closes || "15:00"));
  });
  const warning = el("p", { class: "hours-warning", role: "status" });
  const box = el("div", { class: "hours", dataset: { field: "hours" } }, rows, warning);
  const check = () => {
    const none = !box.querySelector(".hours-row input[type=checkbox]:checked");
    warning.textContent = none ? tr("Tidak ada hari yang dicentang: layanan ini akan tutup setiap hari dan kios tidak memberi nomor.") : "";
    box.classList.toggle("no-hours", none);
  };
  box.addEventListener("change", check);
  check();
  return box;
}

function checkList(kind, selected, agencyId) {
  const items = kind === "services"
    ? state.services.filter((s) => !agencyId || s.agency_id === Number(agencyId)).map((s) => [s.id, `${s.prefix} · ${s.name}`])
    : state.agencies.map((a) => [a.id, `${a.code} — ${a.name}`]);
  return el("div", { class: "checklist", dataset: { field: kind === "services" ? "service_ids" : "agency_ids" } },
    items.map(([id, label]) => el("label", { class: "inline" }, el("input", { type: "checkbox", value: id, checked: (selected || []).includes(id) }), label)));
}

let fieldSeq = 0;

// Every control is tied to the label the admin reads: <label for> for one control, a named group for many.
function fieldNode([name, rawLabel, type, options], item) {
  const label = tr(rawLabel);
  const value = item ? item[name] : name === "hours" ? usualHours() : undefined;
  const id = `f-${name}-${++fieldSeq}`;
  let control;
  if (type === "select") {
    control = el("select", { name, id }, options.map(([v, text]) => el("option", { value: v, selected: String(value ?? "") === String(v) }, tr(text))));
  } else if (type === "hours") {
    control = hoursEditor(value);
  } else if (type === "services" || type === "agencies") {
    control = checkList(type, value, item?.agency_id ?? state.agencies[0]?.id);
  } else if (type === "image") {
    control = imageInput(name, value, id);
  } else {
    control = input(name, type, type === "checkbox" && !item ? name === "active" || name === "speak" : value, id);
  }
  const group = ["hours", "services", "agencies"].includes(type);
  const wide = ["textarea", "hours", "services", "agencies", "image"].includes(type);
  const caption = group ? el("span", { class: "label", id: `${id}-label` }, label) : el("label", { class: "label", for: id }, label);
  if (group) { control.setAttribute("role", "group"); control.setAttribute("aria-labelledby", `${id}-label`); }
  return el("div", { class: `field${wide ? " wide" : ""}`, dataset: { name, label } },
    caption, control, el("p", { class: "field-error", role: "alert" }));
}

function readForm(form, fields) {
  const data = {};
  for (const [name, , type] of fields) {
    const box = form.querySelector(`[data-name="${name}"]`);
    if (type === "readonly") continue;
    if (type === "hours") {
      data.hours = [...box.querySelectorAll(".hours-row")].filter((r) => r.querySelector("input[type=checkbox]").checked).map((r) => {
        const [opens, closes] = [...r.querySelectorAll("input[data-time]")].map((i) => i.value.trim());
        return { weekday: Number(r.dataset.weekday), opens, closes: closes === "00:00" ? "24:00" : closes };
      });
    } else if (type === "services" || type === "agencies") {
      data[name] = [...box.querySelectorAll("input:checked")].map((i) => Number(i.value));
    } else if (type === "checkbox") {
      data[name] = box.querySelector("input").checked;
    } else if (type === "image") {
      data[name] = box.querySelector(".image-field").dataset.value;
    } else {
      const raw = box.querySelector("input, select, textarea").value;
      data[name] = type === "number" ? (raw === "" ? null : Number(raw)) : raw;
      if (type === "select" && raw === "") data[name] = null;
    }
  }
  return data;
}

// The server names its field ("prefix"); the admin reads the label ("Awalan nomor"), so say that.
function fieldMessage(err, label) {
  if (!label) return err.message;
  const name = label.replace(/\s*\(.*\)\s*$/, "");
  if (err.code === "missing_field") return _("{name} wajib diisi.", { name });
  if (err.code === "invalid_field") return err.body.reason ? _("{name} tidak valid: {reason}.", { name, reason: err.body.reason }) : _("{name} tidak valid.", { name });
  return err.message;
}

function showError(form, err) {
  form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
  form.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
  const box = err.body?.field && form.querySelector(`[data-name="${err.body.field}"]`);
  const message = box ? fieldMessage(err, box.dataset.label) : err.message;
  if (box) {
    box.classList.add("invalid");
    box.querySelector(".field-error").textContent = message;
    box.querySelector("input, select, textarea")?.focus();
  }
  form.querySelector(".form-error").textContent = message;
}

// ---------------------------------------------------------------- entity pages

async function loadReference() {
  const [agencies, services] = await Promise.all([api("/api/admin/agencies"), api("/api/admin/services")]);
  state.agencies = agencies.items;
  state.services = services.items;
}

async function showEntity(name, editing) {
  const seq = openSeq;
  const spec = ENTITIES[name];
  const { items } = await api(`/api/admin/${name}`);
  const canWrite = state.user.role === "admin";
  const notice = el("p", { class: "notice", role: "status" });
  const formBox = el("div");
  const head = el("div", { class: "section-head" }, el("h1", {}, trTitle(spec.title)),
    canWrite ? el("button", { type: "button", class: "primary", id: "add", onclick: () => openForm(null) }, tr("+ Tambah")) : null);
  const table = el("table", { class: "data" },
    el("thead", {}, el("tr", {}, spec.columns.map(([, label]) => el("th", {}, tr(label))), el("th", {}, ""))),
    el("tbody", {}, items.map((item) => el("tr", { dataset: { id: item.id } },
      spec.columns.map(([key, , fmt]) => el("td", {}, fmt ? fmt(item[key]) : (item[key] ?? ""))),
      el("td", { class: "row-actions" }, el("button", { type: "button", class: "ghost", onclick: () => openForm(item) }, tr(canWrite ? "Ubah" : "Lihat")))))));
  paint(seq, head, notice, formBox, items.length ? table : el("p", { class: "empty" }, tr("Belum ada data.")));

  function openForm(item) {
    const fields = spec.fields(item);
    const form = el("form", { class: "card form", novalidate: true },
      el("h2", {}, item ? `${tr("Ubah")}: ${item.name || item.username || item.date || item.code || item.id}` : _("Tambah {what}", { what: lang() === "en" ? trTitle(spec.title) : spec.title.toLowerCase() })),
      el("div", { class: "grid" }, fields.map((f) => fieldNode(f, item))),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "buttons" },
        canWrite ? el("button", { type: "submit", class: "primary" }, tr("Simpan")) : null,
        el("button", { type: "button", class: "ghost", onclick: () => formBox.replaceChildren() }, tr("Batal")),
        item && canWrite && spec.deletable ? el("button", { type: "button", class: "danger", onclick: () => remove(item) }, tr("Hapus")) : null,
        item && canWrite && spec.actions ? spec.actions(item) : null));
    if (!canWrite) form.querySelectorAll("input, select, textarea").forEach((n) => { n.disabled = true; });
    // A counter serves only its own agency's services: redraw the list when the agency changes.
    const agencySelect = form.querySelector('[data-name="agency_id"] select');
    const serviceBox = form.querySelector('[data-name="service_ids"] .checklist');
    if (agencySelect && serviceBox) agencySelect.onchange = () => serviceBox.replaceWith(checkList("services", [], agencySelect.value));
    if (name === "agencies") badgePreview(form);
    form.onsubmit = async (event) => {
      event.preventDefault();
      try {
        const body = readForm(form, fields);
        if (name === "services" && !body.hours.length && form.dataset.noHoursWarned !== "1") {
          form.dataset.noHoursWarned = "1";
          showError(form, { message: tr("Layanan ini belum punya jam layanan: kios tidak akan memberi nomor. Centang hari buka, atau tekan Simpan sekali lagi untuk menyimpan tanpa jam.") });
          form.querySelector(".hours input[type=checkbox]")?.focus();
          return;
        }
        await api(item ? `/api/admin/${name}/${item.id}` : `/api/admin/${name}`, { method: item ? "PUT" : "POST", body });
        if (name === "agencies" || name === "services") await loadReference();
        await showEntity(name);
        view.querySelector(".notice").textContent = t(N_("Tersimpan. Perubahan langsung berlaku di kios, layar dan loket."));
      } catch (err) {
        showError(form, err);
      }
    };
    formBox.replaceChildren(form);
    form.querySelector("input, select, textarea")?.focus();
  }

  async function remove(item) {
    if (!confirm(t(N_("Hapus data ini?")))) return;
    try {
      await api(`/api/admin/${name}/${item.id}`, { method: "DELETE" });
      await showEntity(name);
    } catch (err) {
      notice.textContent = err.message;
    }
  }

  if (editing !== undefined) openForm(editing);
}

// The kiosk badge as citizens will see it: the colour picked, and the text colour Loket chooses for it.
function badgePreview(form) {
  const color = form.querySelector('[data-name="color"] input');
  const short = form.querySelector('[data-name="short_code"] input');
  const code = form.querySelector('[data-name="code"] input');
  if (!color || !short || !code) return;
  const badge = el("span", { class: "badge-preview", "aria-live": "polite" });
  const draw = () => {
    const colors = badgeColors(color.value);
    badge.textContent = (short.value || code.value || "KODE").slice(0, 8);
    badge.style.setProperty("background", colors.background);
    badge.style.setProperty("color", colors.ink);
    badge.title = t(N_("Lencana di kios"));
  };
  for (const field of [color, short, code]) field.addEventListener("input", draw);
  color.closest(".field").append(el("span", { class: "muted" }, t(N_("Lencana di kios:"))), badge);
  draw();
}

async function testPrint(item) {
  const notice = view.querySelector(".notice");
  notice.textContent = t(N_("Mencetak tiket uji…"));
  try {
    const result = await api(`/api/admin/kiosks/${item.id}/test-print`, { method: "POST", timeout: 15000 });
    await showEntity("kiosks");
    view.querySelector(".notice").textContent = result.ok ? tr("Tiket uji tercetak.") : _("Gagal mencetak: {error}", { error: result.error });
  } catch (err) {
    notice.textContent = err.message;
  }
}

async function resetPassword(item) {
  const password = prompt(_("Kata sandi baru untuk {username} (min. 8 karakter):", { username: item.username }));
  if (!password) return;
  const notice = view.querySelector(".notice");
  try {
    await api(`/api/admin/users/${item.id}/password`, { method: "POST", body: { password } });
    notice.textContent = tr("Kata sandi diperbarui.");
  } catch (err) {
    notice.textContent = err.message;
  }
}

// ---------------------------------------------------------------- profile

const PROFILE_FIELDS = [
  ["mpp_name", "Nama MPP", "text"], ["mpp_address", "Alamat", "textarea"], ["mpp_logo_url", "Alamat logo (URL)", "text"],
  ["timezone", "Zona waktu", "select", [["Asia/Jakarta", "WIB (UTC+7)"], ["Asia/Makassar", "WITA (UTC+8)"], ["Asia/Jayapura", "WIT (UTC+9)"]]],
  ["ticket_header", "Kepala tiket", "text"], ["ticket_footer", "Kaki tiket", "textarea"],
  ["number_reading", "Cara membaca nomor", "select", [["digits", "Per digit: A nol nol satu"], ["whole", "Utuh: A satu"]]],
  ["announcement_repeat", "Ulangi panggilan (1–3)", "number"],
  ["self_priority", "Warga boleh memilih antrean prioritas sendiri di kios", "checkbox"], ["phone_tickets", "Ambil nomor lewat ponsel", "checkbox"],
  ["phone_tickets_per_hour", "Batas nomor per ponsel per jam", "number"],
  ["priority_policy", "Aturan prioritas", "select", [["strict", "Ketat: prioritas selalu didahulukan"], ["interleave", "Selang-seling: 1 prioritas tiap N reguler"]]],
  ["priority_interleave_n", "N (untuk selang-seling)", "number"], ["max_regular_wait_minutes", "Batas tunggu antrean reguler (menit, 0 = tanpa batas)", "number"],
  ["survey_mode", "Survei kepuasan", "select", [["skm", "SKM lengkap: 9 unsur (IKM)"], ["quick", "Cepat: 1 pertanyaan (bukan IKM)"]]],
  ["public_officer_names", "Tampilkan nama petugas di daftar loket publik", "checkbox"],
];

async function showProfile() {
  const seq = openSeq;
  const { profile } = await api("/api/admin/profile");
  const item = { ...profile, self_priority: profile.self_priority === "1", phone_tickets: profile.phone_tickets === "1",
    public_officer_names: profile.public_officer_names === "1" };
  const canWrite = state.user.role === "admin";
  const form = el("form", { class: "card form", novalidate: true }, el("div", { class: "grid" }, PROFILE_FIELDS.map((f) => fieldNode(f, item))),
    el("p", { class: "form-error", role: "alert" }), el("p", { class: "notice", role: "status" }),
    canWrite ? el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, tr("Simpan profil"))) : null);
  if (!canWrite) form.querySelectorAll("input, select, textarea").forEach((n) => { n.disabled = true; });
  form.onsubmit = async (event) => {
    event.preventDefault();
    try {
      await api("/api/admin/profile", { method: "PUT", body: readForm(form, PROFILE_FIELDS) });
      showError(form, { message: "" });
      form.querySelector(".notice").textContent = tr("Profil tersimpan.");
    } catch (err) {
      showError(form, err);
    }
  };
  paint(seq, el("h1", {}, tr("Profil MPP")), form);
}

// ---------------------------------------------------------------- audit log

async function showAudit(filters = {}) {
  const seq = openSeq;
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  const { items } = await api(`/api/admin/audit?${query}`);
  const form = el("form", { class: "filters" },
    el("label", {}, tr("Data"), el("select", { name: "entity" }, [["", "Semua"], ["settings", "Profil MPP"], ...Object.entries(ENTITIES).map(([k, s]) => [k, s.title])]
      .map(([v, label]) => el("option", { value: v, selected: filters.entity === v }, trTitle(label))))),
    el("label", {}, tr("Pengguna"), el("input", { name: "user", value: filters.user || "" })),
    el("label", {}, tr("Dari"), el("input", { type: "date", name: "from", value: filters.from || "" })),
    el("label", {}, tr("Sampai"), el("input", { type: "date", name: "to", value: filters.to || "" })),
    el("button", { type: "submit", class: "primary" }, tr("Saring")));
  form.onsubmit = (event) => { event.preventDefault(); showAudit(Object.fromEntries(new FormData(form))); };
  const rows = items.map((r) => el("tr", {},
    el("td", {}, new Date(r.at).toLocaleString("id-ID")), el("td", {}, r.username), el("td", {}, r.action), el("td", {}, `${r.entity} #${r.entity_id ?? ""}`),
    el("td", { class: "diff" }, r.changes.length ? r.changes.map((k) => el("div", {}, el("b", {}, k), ": ",
      el("del", {}, JSON.stringify((r.before || {})[k] ?? null)), " → ", el("ins", {}, JSON.stringify((r.after || {})[k] ?? null)))) : "—")));
  paint(seq, el("h1", {}, tr("Log perubahan")), form,
    el("table", { class: "data audit" }, el("thead", {}, el("tr", {}, ["Waktu", "Oleh", "Tindakan", "Data", "Sebelum → sesudah"].map((h) => el("th", {}, tr(h))))),
      el("tbody", {}, rows)));
}

// ---------------------------------------------------------------- import / export

function showExchange() {
  const seq = openSeq;
  const notice = el("p", { class: "notice", role: "status" });
  const kind = el("select", { name: "kind" }, [["agencies", "Instansi"], ["services", "Layanan"], ["counters", "Loket"]].map(([v, l]) => el("option", { value: v }, tr(l))));
  const file = el("input", { type: "file", accept: ".csv,.json,text/csv,application/json", "aria-label": tr("Berkas CSV atau JSON") });
  const go = el("button", { type: "button", class: "primary" }, tr("Impor"));
  go.onclick = async () => {
    const chosen = file.files[0];
    if (!chosen) { notice.textContent = tr("Pilih berkas CSV atau JSON."); return; }
    const text = await chosen.text();
    const body = chosen.name.toLowerCase().endsWith(".json") ? JSON.parse(text) : { kind: kind.value, csv: text };
    try {
      const { written } = await api("/api/admin/import", { method: "POST", body, timeout: 60000 });
      notice.textContent = `${t(N_("Impor berhasil"))}: ${Object.entries(written).map(([k, n]) => `${n} ${k}`).join(", ")}.`;
      await loadReference();
    } catch (err) {
      notice.textContent = err.message;
    }
  };
  paint(seq, el("h1", {}, tr("Impor / ekspor konfigurasi")),
    el("section", { class: "card" }, el("h2", {}, tr("Ekspor")),
      el("p", {}, tr("Unduh konfigurasi untuk disunting di spreadsheet atau dipindahkan ke MPP lain.")),
      el("div", { class: "buttons" }, el("a", { class: "button ghost", href: "/api/admin/export", download: "" }, tr("Semua (JSON)")),
        ...["agencies", "services", "counters"].map((k) => el("a", { class: "button ghost", href: `/api/admin/export?format=csv&kind=${k}`, download: "" }, `${k}.csv`)))),
    el("section", { class: "card" }, el("h2", {}, tr("Impor")),
      el("p", {}, tr("Baris dicocokkan dengan kode (instansi, layanan) atau nomor loket: yang ada diperbarui, yang baru ditambahkan. Satu baris salah membatalkan seluruh impor. Jam layanan di CSV: 0=08:00-15:00;4=08:00-11:30 (0 = Senin).")),
      el("div", { class: "buttons" }, el("label", {}, tr("Jenis CSV "), kind), file, go), notice));
}

// ---------------------------------------------------------------- navigation

const SECTIONS = { profile: showProfile, audit: () => showAudit(), exchange: showExchange };

// A section clicked while another is still loading wins: a late answer for the earlier one is dropped.
let openSeq = 0;
function paint(seq, ...nodes) {
  if (seq === openSeq) view.replaceChildren(...nodes);
}

async function open(section) {
  openSeq += 1;
  document.querySelectorAll("#nav button").forEach((b) => b.setAttribute("aria-current", b.dataset.section === section ? "page" : "false"));
  history.replaceState(null, "", `#${section}`);
  try {
    await (SECTIONS[section] || (() => showEntity(section)))();
  } catch (err) {
    paint(openSeq, el("p", { class: "form-error" }, err.message));
  }
}

state.user = await session();
await loadReference();
const nav = document.getElementById("nav");
nav.hidden = false;
if (state.user.role !== "admin") nav.querySelectorAll("[data-admin-only]").forEach((n) => n.remove());
nav.querySelectorAll("button").forEach((b) => { b.onclick = () => open(b.dataset.section); });
const first = location.hash.slice(1);
open(first && nav.querySelector(`[data-section="${first}"]`) ? first : "profile");
