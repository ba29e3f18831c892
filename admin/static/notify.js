// Admin → Pesan SMS/WhatsApp (/admin/pesan): the channels and a test message, each service's triggers and
// texts, the delivery log and the report. Numbers arrive masked; tokens and secrets never come back.
import { _, api, mppDay, mppTime, N_, t } from "/static/loket.js";
import { csvLink, el, mpp, session } from "./common.js";

const main = document.getElementById("notify");
const TRIGGERS = {
  turn_near: N_("Giliran hampir tiba"),
  called: N_("Dipanggil ke loket"),
  recalled: N_("Peringatan panggilan ulang"),
  reminder_day: N_("Pengingat reservasi H-1"),
  reminder_hour: N_("Pengingat reservasi 1 jam"),
  survey: N_("Tautan survei"),
};
// A message's state in the outbox (loket/sender.py), in the page's language.
const STATES = {
  queued: N_("Antre"),
  sending: N_("Sedang dikirim"),
  handed: N_("Di modem"),
  sent: N_("Terkirim"),
  failed: N_("Gagal"),
  expired: N_("Kedaluwarsa"),
  dropped: N_("Dibatalkan"),
};
const PROVIDERS = {
  sms: [["off", N_("Tidak aktif")], ["gammu", N_("Modem GSM (gammu-smsd)")], ["http", N_("Gateway HTTP")]],
  whatsapp: [["off", N_("Tidak aktif")], ["cloud", N_("WhatsApp Cloud API")], ["http", N_("Gateway HTTP")]],
};
let timeZone = "Asia/Jakarta";
const today = () => mppDay(timeZone);

function field(label, input) {
  return el("label", {}, label, " ", input);
}

function input(name, value = "", attrs = {}) {
  return el("input", { name, value: value ?? "", ...attrs });
}

function select(name, options, value) {
  const box = el("select", { name }, options.map(([v, label]) => el("option", { value: v }, t(label))));
  box.value = value;
  return box;
}

function status(box, message, ok = true) {
  box.textContent = message;
  box.className = ok ? "form-ok" : "form-error";
}

// ---------------------------------------------------------------- channels and the test message

function channelsCard(conf) {
  const msg = el("p", { role: "status" });
  const form = el("form", { class: "card", id: "channels" },
    el("h2", {}, _("Saluran")),
    el("div", { class: "filters" },
      field(_("SMS lewat"), select("sms", PROVIDERS.sms, conf.sms.provider)),
      field(_("WhatsApp lewat"), select("whatsapp", PROVIDERS.whatsapp, conf.whatsapp.provider))),
    el("h3", {}, _("Modem GSM (gammu-smsd, backend FILES)")),
    el("div", { class: "filters" },
      field(_("Folder outbox"), input("gammu.outbox", conf.gammu.outbox, { placeholder: "/var/spool/gammu/outbox/" })),
      field(_("Folder sent"), input("gammu.sent", conf.gammu.sent, { placeholder: "/var/spool/gammu/sent/" })),
      field(_("Folder error"), input("gammu.error", conf.gammu.error, { placeholder: "/var/spool/gammu/error/" }))),
    el("h3", {}, "WhatsApp Cloud API"),
    el("div", { class: "filters" },
      field(_("Alamat API"), input("cloud.base_url", conf.whatsapp_cloud.base_url, { placeholder: "https://graph.facebook.com" })),
      field(_("Versi"), input("cloud.version", conf.whatsapp_cloud.version, { placeholder: "v21.0", size: 6 })),
      field("Phone number ID", input("cloud.phone_number_id", conf.whatsapp_cloud.phone_number_id)),
      field(_("Token akses"), input("cloud.token", conf.whatsapp_cloud.token, { type: "password", autocomplete: "off" })),
      field(_("Bahasa templat (ID)"), input("cloud.language_id", conf.whatsapp_cloud.language_id, { placeholder: "id", size: 5 })),
      field(_("Bahasa templat (EN)"), input("cloud.language_en", conf.whatsapp_cloud.language_en, { placeholder: "en", size: 5 }))),
    el("div", { class: "filters" }, Object.entries(TRIGGERS).map(([key, label]) =>
      field(_("Templat: {trigger}", { trigger: t(label) }), input(`template.${key}`, conf.whatsapp_cloud.templates?.[key] || ""))),
    ),
    el("h3", {}, _("Gateway HTTP")),
    el("div", { class: "filters" },
      field("URL", input("http.url", conf.http.url, { type: "url", size: 40 })),
      field(_("Metode"), select("http.method", [["POST", "POST"], ["PUT", "PUT"]], conf.http.method || "POST")),
      field(_("Header (JSON)"), input("http.headers", JSON.stringify(conf.http.headers || {}), { size: 30 })),
      field(_("Kunci HMAC"), input("http.secret", conf.http.secret, { type: "password", autocomplete: "off" })),
      field(_("Header tanda tangan"), input("http.signature_header", conf.http.signature_header, { placeholder: "X-Loket-Signature" }))),
    field(_("Templat isi ({phone} {text} {id} {channel})"),
      el("textarea", { name: "http.body", placeholder: '{"to": "{phone}", "message": "{text}", "id": "{id}"}' }, conf.http.body || "")),
    el("p", {}, el("button", { type: "submit", class: "primary" }, _("Simpan saluran"))), msg);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    let headers;
    try {
      headers = JSON.parse(data["http.headers"] || "{}");
    } catch {
      return status(msg, _("Header harus JSON, mis. {\"X-Api-Key\": \"…\"}"), false);
    }
    const pick = (prefix) => Object.fromEntries(Object.entries(data).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const body = {
      sms: { provider: data.sms },
      whatsapp: { provider: data.whatsapp },
      gammu: pick("gammu."),
      whatsapp_cloud: { ...pick("cloud."), templates: pick("template.") },
      http: { ...pick("http."), headers },
    };
    try {
      await api("/api/admin/notify/channels", { method: "PUT", body });
      status(msg, _("Tersimpan."));
    } catch (err) {
      status(msg, err.message, false);
    }
  });
  return form;
}

function testCard(onSent) {
  const msg = el("p", { role: "status" });
  const form = el("form", { class: "card filters", id: "test-message" },
    el("h2", {}, _("Kirim pesan uji")),
    field(_("Saluran"), select("channel", [["sms", "SMS"], ["whatsapp", "WhatsApp"]], "sms")),
    field(_("Nomor ponsel"), input("phone", "", { type: "tel", placeholder: "0812 3456 7890" })),
    el("button", { type: "submit", class: "primary" }, _("Kirim pesan uji")), msg);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { message } = await api("/api/admin/notify/test", { method: "POST", body: Object.fromEntries(new FormData(form)) });
      status(msg, _("Pesan uji ke {phone} masuk antrean kirim; lihat log di bawah.", { phone: message.phone }));
      setTimeout(onSent, 1500);
    } catch (err) {
      status(msg, err.message, false);
    }
  });
  return form;
}

// ---------------------------------------------------------------- each service's triggers

function triggersCard(services) {
  const box = el("div");
  const chooser = select("service", services.map((s) => [String(s.id), `${s.code} · ${s.name}`]), String(services[0]?.id || ""));
  const card = el("section", { class: "card", id: "triggers" }, el("h2", {}, _("Pemicu per layanan")),
    el("p", { class: "muted" }, _("Tanda yang bisa dipakai: {number} {counter} {ahead} {minutes} {code} {link}. Satu SMS: 160 karakter (70 bila ada huruf di luar abjad GSM).")),
    field(_("Layanan"), chooser), box);
  const load = async () => {
    box.replaceChildren(el("p", {}, _("Memuat…")));
    const { triggers } = await api(`/api/admin/services/${chooser.value}/notify`);
    const msg = el("p", { role: "status" });
    const rows = Object.entries(TRIGGERS).map(([key, label]) => {
      const rule = triggers[key];
      return el("fieldset", { class: "card", dataset: { trigger: key } },
        el("legend", {}, t(label)),
        el("label", { class: "inline" }, el("input", { type: "checkbox", name: "enabled", checked: rule.enabled }), _("Aktif")),
        key === "turn_near" ? [
          field(_("Bila antrean di depan ≤"), input("places", rule.places ?? "", { type: "number", min: 1, max: 50, size: 4 })),
          field(_("atau perkiraan menit ≤"), input("minutes", rule.minutes ?? "", { type: "number", min: 1, max: 240, size: 4 })),
        ] : null,
        field(_("Teks Indonesia"), el("textarea", { name: "text_id", maxlength: 500 }, rule.text_id)),
        field(_("Teks Inggris"), el("textarea", { name: "text_en", maxlength: 500 }, rule.text_en)));
    });
    const save = el("button", { type: "button", class: "primary" }, _("Simpan pemicu"));
    save.addEventListener("click", async () => {
      const body = {};
      for (const set of box.querySelectorAll("fieldset[data-trigger]")) {
        const value = (name) => set.querySelector(`[name=${name}]`)?.value ?? "";
        body[set.dataset.trigger] = { enabled: set.querySelector("[name=enabled]").checked, text_id: value("text_id"), text_en: value("text_en") };
        if (set.dataset.trigger === "turn_near") Object.assign(body.turn_near, { places: value("places"), minutes: value("minutes") });
      }
      try {
        await api(`/api/admin/services/${chooser.value}/notify`, { method: "PUT", body });
        status(msg, _("Tersimpan."));
      } catch (err) {
        status(msg, err.message, false);
      }
    });
    box.replaceChildren(...rows, save, msg);
  };
  chooser.addEventListener("change", load);
  if (services.length) load();
  return card;
}

// ---------------------------------------------------------------- the delivery log and the report

// One cell of the log: times in the MPP's zone (the day is the one chosen above), states and triggers named.
function cell(message, key) {
  const value = message[key];
  if (key === "trigger") return TRIGGERS[value] ? t(TRIGGERS[value]) : _("Pesan uji");
  if (key === "status") return STATES[value] ? t(STATES[value]) : value;
  if ((key === "created_at" || key === "sent_at") && value) {
    const at = mppTime(new Date(value), timeZone);
    return `${at.time}:${at.seconds} ${at.zone}`;
  }
  return value ?? "—";
}

function logCard() {
  const day = input("day", today(), { type: "date" });
  const table = el("div", { class: "table-box" });
  const load = async () => {
    const { messages } = await api(`/api/admin/notify/log?day=${encodeURIComponent(day.value)}`);
    const columns = [["created_at", _("Dibuat")], ["trigger", _("Pemicu")], ["channel", _("Saluran")], ["phone", _("Nomor")],
      ["status", _("Status")], ["attempts", _("Percobaan")], ["sent_at", _("Terkirim")], ["error", _("Keterangan")]];
    table.replaceChildren(messages.length ? el("table", { class: "data" },
      el("thead", {}, el("tr", {}, columns.map(([, label]) => el("th", {}, label)))),
      el("tbody", {}, messages.map((m) => el("tr", {}, columns.map(([key]) => el("td", {}, cell(m, key)))))))
      : el("p", { class: "muted" }, _("Belum ada pesan pada hari ini.")));
  };
  day.addEventListener("change", load);
  const refresh = el("button", { type: "button" }, _("Muat ulang"));
  refresh.addEventListener("click", load);
  load();
  return { card: el("section", { class: "card", id: "log" }, el("h2", {}, _("Log pengiriman")), el("div", { class: "filters" }, field(_("Tanggal"), day), refresh), table), load };
}

function reportCard() {
  const from = input("from", today(), { type: "date" });
  const to = input("to", today(), { type: "date" });
  const out = el("div", { class: "table-box" });
  const load = async () => {
    const query = `from=${from.value}&to=${to.value}`;
    const data = await api(`/api/admin/reports/notify?${query}`);
    const share = (label, s) => el("tr", {}, el("th", {}, label), el("td", {}, s.called), el("td", {}, s.came), el("td", {}, s.no_show),
      el("td", {}, s.came_pct ?? "—"), el("td", {}, s.no_show_pct ?? "—"));
    out.replaceChildren(
      el("table", { class: "data" },
        el("thead", {}, el("tr", {}, [_("Hari"), _("Saluran"), _("Pemicu"), _("Terkirim"), _("Gagal"), _("Kedaluwarsa"), _("Dibatalkan"), _("Menunggu")].map((h) => el("th", {}, h)))),
        el("tbody", {}, data.rows.map((r) => el("tr", {}, [r.day, r.channel, t(TRIGGERS[r.trigger] || r.trigger), r.sent, r.failed, r.expired, r.dropped, r.waiting].map((v) => el("td", {}, v)))))),
      el("table", { class: "data" },
        el("thead", {}, el("tr", {}, [_("Warga yang dipanggil"), _("Dipanggil"), _("Datang"), _("Tidak hadir"), _("Datang (%)"), _("Tidak hadir (%)")].map((h) => el("th", {}, h)))),
        el("tbody", {}, share(_("Minta dikabari"), data.notified), share(_("Tidak minta"), data.not_notified))),
      csvLink(`/api/admin/reports/notify?${query}&format=csv`));
  };
  const show = el("button", { type: "button", class: "primary" }, _("Tampilkan"));
  show.addEventListener("click", load);
  load();
  return el("section", { class: "card", id: "report" }, el("h2", {}, _("Laporan pesan")),
    el("div", { class: "filters" }, field(_("Dari"), from), field(_("Sampai"), to), show), out);
}

async function start() {
  const [user, profile] = await Promise.all([session(), mpp()]);
  timeZone = profile.timezone || timeZone;
  main.hidden = false;
  const log = logCard();
  const parts = [el("nav", { class: "crumbs" }, el("a", { href: "/admin/" }, "← " + _("Administrasi"))), el("h1", {}, _("Pesan SMS/WhatsApp"))];
  if (user.role === "admin") {
    const [conf, services] = await Promise.all([api("/api/admin/notify/channels"), api("/api/admin/services")]);
    parts.push(channelsCard(conf), testCard(log.load), triggersCard(services.items || services));
  }
  parts.push(log.card, reportCard());
  main.replaceChildren(...parts);
}

start();
