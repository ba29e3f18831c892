// The configuration screen: one generic table + form per entity, all through /api/admin/…
import { _, api, badgeColors, lang, N_, NC_, pgettext, t } from "/static/loket.js";
import { el, session } from "./common.js";

const DAYS = [N_("Senin"), N_("Selasa"), N_("Rabu"), N_("Kamis"), N_("Jumat"), N_("Sabtu"), N_("Minggu")];
const view = document.getElementById("view");
const state = { user: null, agencies: [], services: [] };
// Online booking per service (booking/, loket/bookings.py): slots follow the weekly hours above.
const BOOKING_FIELDS = [
  ["booking_enabled", NC_("admin", "Reservasi online aktif"), "checkbox"], ["booking_slot_minutes", NC_("admin", "Reservasi: lama satu sesi (menit)"), "number"],
  ["booking_capacity", NC_("admin", "Reservasi: kapasitas per sesi (orang)"), "number"], ["booking_days_ahead", NC_("admin", "Reservasi: dibuka berapa hari ke depan"), "number"],
  ["booking_quota_percent", NC_("admin", "Reservasi: bagian kuota harian (%) — sisanya untuk datang langsung"), "number"],
  ["booking_checkin_before", NC_("admin", "Check-in dibuka … menit sebelum sesi"), "number"], ["booking_checkin_after", NC_("admin", "Check-in ditutup … menit setelah sesi mulai"), "number"],
  ["booking_ask_nik", NC_("admin", "Reservasi meminta NIK (disimpan sebagai hash)"), "checkbox"],
];

const yes = (v) => (v ? pgettext("admin", "Ya") : pgettext("admin", "Tidak"));
const agencyName = (id) => (id == null ? pgettext("admin", "Seluruh MPP") : (state.agencies.find((a) => a.id === id) || {}).code || `#${id}`);
const agencyOptions = (withAll) => [...(withAll ? [["", NC_("admin", "Seluruh MPP")]] : []), ...state.agencies.map((a) => [a.id, `${a.code} — ${a.name}`])];
const STANDARD = [
  ["requirements", NC_("admin", "Persyaratan")], ["procedure", NC_("admin", "Sistem, mekanisme dan prosedur")], ["completion_time", NC_("admin", "Jangka waktu penyelesaian")],
  ["fee", NC_("admin", "Biaya/tarif")], ["product", NC_("admin", "Produk pelayanan")], ["complaint_channel", NC_("admin", "Penanganan pengaduan")], ["sk_number", NC_("admin", "Nomor SK standar pelayanan")],
];

// Each entity: its table columns and its form fields. Field: [name, label, type, options].
const ENTITIES = {
  agencies: {
    title: NC_("admin-section", "Instansi"),
    columns: [["code", NC_("admin", "Kode")], ["name", NC_("admin", "Nama")], ["zone", NC_("admin", "Zona")], ["active", NC_("admin", "Aktif"), yes]],
    fields: () => [
      ["code", NC_("admin", "Kode (mis. DUKCAPIL)"), "text"], ["name", NC_("admin", "Nama instansi"), "text"], ["color", NC_("admin", "Warna"), "color"], ["zone", NC_("admin", "Zona/lantai"), "text"],
      ["sort_order", NC_("admin", "Urutan"), "number"], ["active", NC_("admin", "Aktif"), "checkbox"],
      ["maklumat", NC_("admin", "Maklumat pelayanan"), "textarea"], ["maklumat_signer", NC_("admin", "Penanda tangan maklumat"), "text"],
      ["short_code", NC_("admin", "Kode singkat di lencana kios (maks. 8, mis. BPJS-K)"), "text"], ["logo", NC_("admin", "Logo di lencana kios (PNG/JPEG/WebP, maks. 64 KB)"), "image"],
    ],
  },
  services: {
    title: NC_("admin-section", "Layanan"),
    columns: [["agency_id", NC_("admin", "Instansi"), agencyName], ["code", NC_("admin", "Kode")], ["name", NC_("admin", "Nama")], ["prefix", NC_("admin", "Awalan")], ["daily_quota", NC_("admin", "Kuota/hari"), (v) => v ?? "—"],
      ["hours", NC_("admin", "Jam layanan"), (h) => h.map((x) => `${t(DAYS[x.weekday]).slice(0, 3)} ${x.opens}–${x.closes}`).join(", ") || pgettext("admin", "Belum ada jam: tutup")], ["active", NC_("admin", "Aktif"), yes]],
    fields: () => [
      ["agency_id", NC_("admin", "Instansi"), "select", agencyOptions(false)], ["code", NC_("admin", "Kode layanan"), "text"], ["name", NC_("admin", "Nama layanan"), "text"],
      ["name_en", NC_("admin", "Nama layanan dalam bahasa Inggris (kosong = nama layanan)"), "text"],
      ["short_name", NC_("admin", "Nama singkat di layar (kosong = nama layanan)"), "text"], ["prefix", NC_("admin", "Awalan nomor (mis. A)"), "text"], ["padding", NC_("admin", "Jumlah digit"), "number"], ["daily_quota", NC_("admin", "Kuota harian (kosong = tanpa batas)"), "number"],
      ["cutoff_minutes", NC_("admin", "Berhenti mengambil nomor … menit sebelum tutup"), "number"], ["promised_minutes", NC_("admin", "Waktu layanan dijanjikan (menit)"), "number"],
      ["wait_target_minutes", NC_("admin", "Target waktu tunggu (menit; kosong = waktu dijanjikan)"), "number"],
      ["service_target_minutes", NC_("admin", "Target lama dilayani (menit; kosong = waktu dijanjikan)"), "number"],
      ["default_service_minutes", NC_("admin", "Perkiraan lama layanan (menit)"), "number"], ["sort_order", NC_("admin", "Urutan"), "number"], ["active", NC_("admin", "Aktif"), "checkbox"],
      ["requires_open_counter", NC_("admin", "Berhenti memberi nomor selama belum ada loket layanan ini yang buka"), "checkbox"],
      ["hours", NC_("admin", "Jam layanan mingguan"), "hours"],
      ...BOOKING_FIELDS,
      ...STANDARD.map(([name, label]) => [name, label, name === "sk_number" || name === "fee" || name === "completion_time" ? "text" : "textarea"]),
      ["requirements_en", NC_("admin", "Persyaratan dalam bahasa Inggris (kosong = persyaratan di atas)"), "textarea"],
      ["procedure_en", NC_("admin", "Prosedur dalam bahasa Inggris (kosong = prosedur di atas)"), "textarea"],
    ],
  },
  counters: {
    title: NC_("admin-section", "Loket"),
    columns: [["number", NC_("admin", "Nomor")], ["name", NC_("admin", "Nama")], ["agency_id", NC_("admin", "Instansi"), agencyName], ["service_ids", NC_("admin", "Layanan"),
      (ids) => ids.map((id) => (state.services.find((s) => s.id === id) || {}).name || id).join(", ")], ["state", NC_("admin", "Status")]],
    fields: () => [["agency_id", NC_("admin", "Instansi"), "select", agencyOptions(false)], ["number", NC_("admin", "Nomor loket"), "number"], ["name", NC_("admin", "Nama"), "text"],
      ["zone", NC_("admin", "Zona"), "text"], ["service_ids", NC_("admin", "Layanan yang dilayani"), "services"]],
    deletable: true,
  },
  kiosks: {
    title: NC_("admin", "Kios & printer"),
    columns: [["name", NC_("admin", "Nama")], ["location", NC_("admin", "Lokasi")], ["printer_url", NC_("admin", "Printer")], ["printer_state", NC_("admin", "Status printer")], ["printer_error", NC_("admin", "Galat terakhir"), (v) => v || "—"],
      ["last_seen_at", NC_("admin", "Terakhir terlihat"), (v) => v || "—"]],
    fields: () => [["name", NC_("admin", "Nama kios"), "text"], ["location", NC_("admin", "Lokasi"), "text"], ["printer_url", NC_("admin", "Alamat printer (tcp://…:9100, usb://, dummy)"), "text"],
      ["printer_profile", NC_("admin", "Profil printer (mis. TM-T82)"), "text"], ["qr_mode", NC_("admin", "Kode QR"), "select", [["native", NC_("admin", "native (ESC/POS)")], ["image", NC_("admin", "gambar")]]]],
    deletable: true,
    actions: (item) => [el("button", { type: "button", class: "ghost", onclick: () => testPrint(item) }, pgettext("admin", "Cetak tiket uji")),
      el("button", { type: "button", class: "ghost", onclick: () => pairKiosk(item) }, item.paired ? pgettext("admin", "Pasangkan ulang PC kios") : pgettext("admin", "Pasangkan PC kios"))],
  },
  displays: {
    title: NC_("admin", "Layar ruang tunggu"),
    columns: [["name", NC_("admin", "Nama")], ["location", NC_("admin", "Lokasi")], ["agency_ids", NC_("admin", "Instansi"), (ids) => (ids.length ? ids.map(agencyName).join(", ") : pgettext("admin", "Semua"))],
      ["zone", NC_("admin", "Zona"), (v) => v || "—"], ["speak", NC_("admin", "Suara"), yes], ["repeat_count", NC_("admin", "Ulang")], ["voice_mode", NC_("admin", "Mode suara")]],
    fields: () => [["name", NC_("admin", "Nama layar"), "text"], ["location", NC_("admin", "Lokasi"), "text"], ["agency_ids", NC_("admin", "Instansi yang ditampilkan (kosong = semua)"), "agencies"],
      ["zone", NC_("admin", "Zona"), "text"], ["layout", NC_("admin", "Tata letak"), "select", [["landscape", NC_("admin", "Mendatar")], ["portrait", NC_("admin", "Tegak")]]], ["running_text", NC_("admin", "Teks berjalan"), "textarea"],
      ["speak", NC_("admin", "Bacakan panggilan"), "checkbox"], ["repeat_count", NC_("admin", "Ulangi panggilan (1–3)"), "number"], ["voice_mode", NC_("admin", "Mode suara (dilaporkan layar)"), "readonly"]],
    deletable: true,
  },
  breaks: {
    title: NC_("admin", "Jam istirahat"),
    columns: [["agency_id", NC_("admin", "Berlaku untuk"), agencyName], ["weekday", NC_("admin", "Hari"), (d) => t(DAYS[d])], ["starts", NC_("admin", "Mulai")], ["ends", NC_("admin", "Selesai")], ["label", NC_("admin", "Keterangan")]],
    fields: () => [["agency_id", NC_("admin", "Berlaku untuk"), "select", agencyOptions(true)], ["weekday", NC_("admin", "Hari"), "select", DAYS.map((d, i) => [i, d])],
      ["starts", NC_("admin", "Mulai"), "time"], ["ends", NC_("admin", "Selesai"), "time"], ["label", NC_("admin", "Keterangan"), "text"]],
    deletable: true,
  },
  "closed-dates": {
    title: NC_("admin", "Hari libur & tanggal tutup"),
    columns: [["date", NC_("admin", "Tanggal")], ["agency_id", NC_("admin", "Berlaku untuk"), agencyName], ["reason", NC_("admin", "Alasan (tampil di kios)")]],
    fields: () => [["date", NC_("admin", "Tanggal"), "date"], ["agency_id", NC_("admin", "Berlaku untuk"), "select", agencyOptions(true)], ["reason", NC_("admin", "Alasan"), "text"]],
    deletable: true,
  },
  "counter-reasons": {
    title: "Alasan istirahat & tutup loket",
    columns: [["code", "Kode"], ["label", "Keterangan"], ["label_en", "Keterangan (English)"], ["sort_order", "Urutan"], ["active", "Aktif", yes]],
    fields: () => [["code", "Kode (huruf kecil, mis. istirahat)", "text"], ["label", "Keterangan", "text"], ["label_en", "Keterangan (English)", "text"],
      ["sort_order", "Urutan", "number"], ["active", "Aktif", "checkbox"]],
  },
  users: {
    title: NC_("admin", "Pengguna"),
    columns: [["username", NC_("admin", "Nama pengguna")], ["full_name", NC_("admin", "Nama lengkap")], ["role", NC_("admin", "Peran")], ["agency_id", NC_("admin", "Instansi"), (v) => (v ? agencyName(v) : "—")], ["active", NC_("admin", "Aktif"), yes]],
    fields: (item) => [["username", NC_("admin", "Nama pengguna"), "text"], ["full_name", NC_("admin", "Nama lengkap"), "text"],
      ["role", NC_("admin", "Peran"), "select", [["officer", NC_("admin", "Petugas loket")], ["supervisor", NC_("admin", "Supervisor instansi")], ["admin", NC_("admin", "Admin MPP")]]],
      ["agency_id", NC_("admin", "Instansi"), "select", agencyOptions(true)], ["active", NC_("admin", "Aktif"), "checkbox"], ...(item ? [] : [["password", NC_("admin", "Kata sandi awal (min. 8)"), "password"]])],
    actions: (item) => [el("button", { type: "button", class: "ghost", onclick: () => resetPassword(item) }, pgettext("admin", "Atur ulang kata sandi"))],
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
  const clear = el("button", { type: "button", class: "ghost", hidden: !value }, pgettext("admin", "Hapus logo"));
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
      el("label", { class: "inline" }, el("input", { type: "checkbox", checked: Boolean(found) }), t(day)),
      timeInput({ "aria-label": _("Buka {day}", { day: t(day) }) }, found?.opens || "08:00"),
      "–",
      timeInput({ "aria-label": _("Tutup {day}", { day: t(day) }) }, found?.closes || "15:00"));
  });
  const warning = el("p", { class: "hours-warning", role: "status" });
  const box = el("div", { class: "hours", dataset: { field: "hours" } }, rows, warning);
  const check = () => {
    const none = !box.querySelector(".hours-row input[type=checkbox]:checked");
    warning.textContent = none ? pgettext("admin", "Tidak ada hari yang dicentang: layanan ini akan tutup setiap hari dan kios tidak memberi nomor.") : "";
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
  const label = t(rawLabel);
  const value = item ? item[name] : name === "hours" ? usualHours() : undefined;
  const id = `f-${name}-${++fieldSeq}`;
  let control;
  if (type === "select") {
    control = el("select", { name, id }, options.map(([v, text]) => el("option", { value: v, selected: String(value ?? "") === String(v) }, t(text))));
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
  const head = el("div", { class: "section-head" }, el("h1", {}, t(spec.title)),
    canWrite ? el("button", { type: "button", class: "primary", id: "add", onclick: () => openForm(null) }, pgettext("admin", "+ Tambah")) : null);
  const table = el("table", { class: "data" },
    el("thead", {}, el("tr", {}, spec.columns.map(([, label]) => el("th", {}, t(label))), el("th", {}, ""))),
    el("tbody", {}, items.map((item) => el("tr", { dataset: { id: item.id } },
      spec.columns.map(([key, , fmt]) => el("td", {}, fmt ? fmt(item[key]) : (item[key] ?? ""))),
      el("td", { class: "row-actions" }, el("button", { type: "button", class: "ghost", onclick: () => openForm(item) }, canWrite ? pgettext("admin", "Ubah") : pgettext("admin", "Lihat")))))));
  paint(seq, head, notice, formBox, items.length ? table : el("p", { class: "empty" }, pgettext("admin", "Belum ada data.")));

  function openForm(item) {
    const fields = spec.fields(item);
    const form = el("form", { class: "card form", novalidate: true },
      el("h2", {}, item ? `${pgettext("admin", "Ubah")}: ${item.name || item.username || item.date || item.code || item.id}` : _("Tambah {what}", { what: lang() === "en" ? t(spec.title) : t(spec.title).toLowerCase() })),
      el("div", { class: "grid" }, fields.map((f) => fieldNode(f, item))),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "buttons" },
        canWrite ? el("button", { type: "submit", class: "primary" }, pgettext("admin", "Simpan")) : null,
        el("button", { type: "button", class: "ghost", onclick: () => formBox.replaceChildren() }, pgettext("admin", "Batal")),
        item && canWrite && spec.deletable ? el("button", { type: "button", class: "danger", onclick: () => remove(item) }, pgettext("admin", "Hapus")) : null,
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
          showError(form, { message: pgettext("admin", "Layanan ini belum punya jam layanan: kios tidak akan memberi nomor. Centang hari buka, atau tekan Simpan sekali lagi untuk menyimpan tanpa jam.") });
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
    view.querySelector(".notice").textContent = result.ok ? pgettext("admin", "Tiket uji tercetak.") : _("Gagal mencetak: {error}", { error: result.error });
  } catch (err) {
    notice.textContent = err.message;
  }
}

// The key is shown once, inside the link the kiosk PC opens (it keeps the key; the server keeps its hash).
async function pairKiosk(item) {
  if (item.paired && !confirm(t(N_("PC kios yang sekarang akan berhenti mengeluarkan nomor. Lanjutkan?")))) return;
  const notice = view.querySelector(".notice");
  try {
    const answer = await api(`/api/kiosks/${encodeURIComponent(item.name)}/pair`, { method: "POST" });
    await showEntity("kiosks");
    const shown = view.querySelector(".notice");
    shown.textContent = t(N_("Buka tautan ini sekali di PC kios (hanya ditampilkan sekarang):")) + " ";
    shown.append(el("a", { href: answer.pair_url, class: "pair-link" }, answer.pair_url));
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
    notice.textContent = pgettext("admin", "Kata sandi diperbarui.");
  } catch (err) {
    notice.textContent = err.message;
  }
}

// ---------------------------------------------------------------- profile

const PROFILE_FIELDS = [
  ["mpp_name", NC_("admin", "Nama MPP"), "text"], ["mpp_address", NC_("admin", "Alamat"), "textarea"], ["mpp_logo_url", NC_("admin", "Alamat logo (URL)"), "text"],
  ["timezone", NC_("admin", "Zona waktu"), "select", [["Asia/Jakarta", NC_("admin", "WIB (UTC+7)")], ["Asia/Makassar", NC_("admin", "WITA (UTC+8)")], ["Asia/Jayapura", NC_("admin", "WIT (UTC+9)")]]],
  ["ticket_header", NC_("admin", "Kepala tiket"), "text"], ["ticket_footer", NC_("admin", "Kaki tiket"), "textarea"],
  ["number_reading", NC_("admin", "Cara membaca nomor"), "select", [["digits", NC_("admin", "Per digit: A nol nol satu")], ["whole", NC_("admin", "Utuh: A satu")]]],
  ["announcement_repeat", NC_("admin", "Ulangi panggilan (1–3)"), "number"],
  ["self_priority", NC_("admin", "Warga boleh memilih antrean prioritas sendiri di kios"), "checkbox"], ["phone_tickets", NC_("admin", "Ambil nomor lewat ponsel"), "checkbox"],
  ["phone_tickets_per_hour", NC_("admin", "Batas nomor per ponsel per jam"), "number"], ["phone_quota_percent", NC_("admin", "Bagian kuota harian untuk ponsel (%)"), "number"],
  ["priority_policy", NC_("admin", "Aturan prioritas"), "select", [["strict", NC_("admin", "Ketat: prioritas selalu didahulukan")], ["interleave", NC_("admin", "Selang-seling: 1 prioritas tiap N reguler")]]],
  ["priority_interleave_n", NC_("admin", "N (untuk selang-seling)"), "number"], ["max_regular_wait_minutes", NC_("admin", "Batas tunggu antrean reguler (menit, 0 = tanpa batas)"), "number"],
  ["survey_mode", NC_("admin", "Survei kepuasan"), "select", [["skm", NC_("admin", "SKM lengkap: 9 unsur (IKM)")], ["quick", NC_("admin", "Cepat: 1 pertanyaan (bukan IKM)")]]],
  ["public_officer_names", NC_("admin", "Tampilkan nama petugas di daftar loket publik"), "checkbox"],
  ["closure_approval_minutes", NC_("admin", "Tutup loket lebih lama dari … menit di jam layanan perlu persetujuan supervisor"), "number"],
];

async function showProfile() {
  const seq = openSeq;
  const { profile } = await api("/api/admin/profile");
  const item = { ...profile, self_priority: profile.self_priority === "1", phone_tickets: profile.phone_tickets === "1",
    public_officer_names: profile.public_officer_names === "1" };
  const canWrite = state.user.role === "admin";
  const form = el("form", { class: "card form", novalidate: true }, el("div", { class: "grid" }, PROFILE_FIELDS.map((f) => fieldNode(f, item))),
    el("p", { class: "form-error", role: "alert" }), el("p", { class: "notice", role: "status" }),
    canWrite ? el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, pgettext("admin", "Simpan profil"))) : null);
  if (!canWrite) form.querySelectorAll("input, select, textarea").forEach((n) => { n.disabled = true; });
  form.onsubmit = async (event) => {
    event.preventDefault();
    try {
      await api("/api/admin/profile", { method: "PUT", body: readForm(form, PROFILE_FIELDS) });
      showError(form, { message: "" });
      form.querySelector(".notice").textContent = pgettext("admin", "Profil tersimpan.");
    } catch (err) {
      showError(form, err);
    }
  };
  paint(seq, el("h1", {}, pgettext("admin", "Profil MPP")), form);
}

// ---------------------------------------------------------------- audit log

async function showAudit(filters = {}) {
  const seq = openSeq;
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  const { items } = await api(`/api/admin/audit?${query}`);
  const form = el("form", { class: "filters" },
    el("label", {}, pgettext("admin", "Data"), el("select", { name: "entity" }, [["", NC_("admin", "Semua")], ["settings", NC_("admin", "Profil MPP")], ...Object.entries(ENTITIES).map(([k, s]) => [k, s.title])]
      .map(([v, label]) => el("option", { value: v, selected: filters.entity === v }, t(label))))),
    el("label", {}, pgettext("admin", "Pengguna"), el("input", { name: "user", value: filters.user || "" })),
    el("label", {}, pgettext("admin", "Dari"), el("input", { type: "date", name: "from", value: filters.from || "" })),
    el("label", {}, pgettext("admin", "Sampai"), el("input", { type: "date", name: "to", value: filters.to || "" })),
    el("button", { type: "submit", class: "primary" }, pgettext("admin", "Saring")));
  form.onsubmit = (event) => { event.preventDefault(); showAudit(Object.fromEntries(new FormData(form))); };
  const rows = items.map((r) => el("tr", {},
    el("td", {}, new Date(r.at).toLocaleString("id-ID")), el("td", {}, r.username), el("td", {}, r.action), el("td", {}, `${r.entity} #${r.entity_id ?? ""}`),
    el("td", { class: "diff" }, r.changes.length ? r.changes.map((k) => el("div", {}, el("b", {}, k), ": ",
      el("del", {}, JSON.stringify((r.before || {})[k] ?? null)), " → ", el("ins", {}, JSON.stringify((r.after || {})[k] ?? null)))) : "—")));
  paint(seq, el("h1", {}, pgettext("admin", "Log perubahan")), form,
    el("table", { class: "data audit" }, el("thead", {}, el("tr", {}, [NC_("admin", "Waktu"), NC_("admin", "Oleh"), NC_("admin", "Tindakan"), NC_("admin", "Data"), NC_("admin", "Sebelum → sesudah")].map((h) => el("th", {}, t(h))))),
      el("tbody", {}, rows)));
}

// ---------------------------------------------------------------- import / export

function showExchange() {
  const seq = openSeq;
  const notice = el("p", { class: "notice", role: "status" });
  const kind = el("select", { name: "kind" }, [["agencies", NC_("admin", "Instansi")], ["services", NC_("admin", "Layanan")], ["counters", NC_("admin", "Loket")]].map(([v, l]) => el("option", { value: v }, t(l))));
  const file = el("input", { type: "file", accept: ".csv,.json,text/csv,application/json", "aria-label": pgettext("admin", "Berkas CSV atau JSON") });
  const go = el("button", { type: "button", class: "primary" }, pgettext("admin", "Impor"));
  go.onclick = async () => {
    const chosen = file.files[0];
    if (!chosen) { notice.textContent = pgettext("admin", "Pilih berkas CSV atau JSON."); return; }
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
  paint(seq, el("h1", {}, pgettext("admin", "Impor / ekspor konfigurasi")),
    el("section", { class: "card" }, el("h2", {}, pgettext("admin", "Ekspor")),
      el("p", {}, pgettext("admin", "Unduh konfigurasi untuk disunting di spreadsheet atau dipindahkan ke MPP lain.")),
      el("div", { class: "buttons" }, el("a", { class: "button ghost", href: "/api/admin/export", download: "" }, pgettext("admin", "Semua (JSON)")),
        ...["agencies", "services", "counters"].map((k) => el("a", { class: "button ghost", href: `/api/admin/export?format=csv&kind=${k}`, download: "" }, `${k}.csv`)))),
    el("section", { class: "card" }, el("h2", {}, pgettext("admin", "Impor")),
      el("p", {}, pgettext("admin", "Baris dicocokkan dengan kode (instansi, layanan) atau nomor loket: yang ada diperbarui, yang baru ditambahkan. Satu baris salah membatalkan seluruh impor. Jam layanan di CSV: 0=08:00-15:00;4=08:00-11:30 (0 = Senin).")),
      el("div", { class: "buttons" }, el("label", {}, pgettext("admin", "Jenis CSV "), kind), file, go), notice));
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
