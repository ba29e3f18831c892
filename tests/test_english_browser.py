"""English from screen to screen (issue 20 items 4, 5, 8, 10), tapped and typed as people would, at real sizes:
an English kiosk's ticket opens its phone page and its call in English; the ticket page asks to stay open and
keeps the screen on; the console says when the session ended; a survey tablet pairs by QR code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_accessibility import blocking_violations

from conftest import KIOSK_KEY, PASSWORD, LiveServer, screenshot, tap_language

pytestmark = pytest.mark.browser

# Loket's own Indonesian words that must not be left on a page shown in English (what an admin wrote —
# agency names, the MPP's name — is shown as written and is left out of the check).
INDONESIAN = re.compile(
    r"\b(Silakan|silakan|menuju|Nomor|nomor|antrean|Antrean|Anda|Biarkan|halaman|Sampaikan|pengaduan|Aktifkan|suara|"
    r"Terhubung|Menghubungkan|Diambil|Tunjukkan|petugas|menit|Selesai|Dipanggil|Layanan|Persyaratan|Ambil|Kembali|Cetak|"
    r"Pindai|ponsel|Sedang|Tutup|Buka|Sisa|kuota|Tablet survei|Pasangkan|Putuskan|Instansi|Loket|Belum|Tindakan)\b"
)

ENGLISH_NAME = "KTP-el recording and printing"
ENGLISH_REQUIREMENTS = "Family card (KK) original; age 17 or married"


def indonesian_left(page, leave_out: str = "") -> list[str]:
    """Loket's Indonesian words on the page as shown, outside the parts an admin wrote (`leave_out` selectors)."""
    text = page.evaluate(
        """(leaveOut) => {
          const copy = document.body.cloneNode(true);
          for (const el of copy.querySelectorAll(['script', 'style', '[hidden]', 'svg', leaveOut].filter(Boolean).join(','))) el.remove();
          return copy.innerText;
        }""",
        leave_out,
    )
    return sorted(set(INDONESIAN.findall(text)))


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    from conftest import copy_demo

    live = LiveServer(copy_demo(demo_template, tmp_path_factory.mktemp("english") / "live.db")).start()
    yield live
    live.stop()


def admin_writes_the_english_of_ktp(page, server) -> None:
    """The admin, on a laptop, gives the KTP-el service its English name and requirements in the service form."""
    page.goto(server.url + "/admin/")
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#nav:not([hidden])")
    page.click("#nav button[data-section=services]")
    page.locator("tr", has_text="Perekaman & Pencetakan KTP-el").get_by_role("button").click()
    page.fill("[data-name=name_en] input", ENGLISH_NAME)
    page.fill("[data-name=requirements_en] textarea", ENGLISH_REQUIREMENTS)
    screenshot(page, "english-admin-service-english-fields-1366x768")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("form.form", state="detached")


def test_an_english_kiosk_ticket_opens_its_page_and_its_call_in_english(server, page_factory):
    admin_writes_the_english_of_ktp(page_factory(1366, 768), server)

    kiosk = page_factory(1080, 1920, has_touch=True)
    kiosk.goto(server.url + f"/kiosk/?kiosk=kios-1&layout=portrait#pair={KIOSK_KEY}")
    tap_language(kiosk)
    kiosk.locator(".k-agency", has_text="Kependudukan").tap()
    expect(kiosk.locator(".k-service").first).to_contain_text(ENGLISH_NAME)
    kiosk.locator(".k-service", has_text=ENGLISH_NAME).tap()
    expect(kiosk.locator("h1.k-title")).to_have_text(ENGLISH_NAME)
    expect(kiosk.locator(".k-standard li").first).to_have_text("Family card (KK) original")
    screenshot(kiosk, "english-kiosk-service-1080x1920")
    with kiosk.expect_response(re.compile(r"/api/kiosks/kios-1/tickets$")) as answer:
        kiosk.locator("[data-action=take]").tap()
    ticket = answer.value.json()["ticket"]
    # The QR on the screen and on the paper carries the language: the phone that scans it opens in English.
    assert ticket["status_url"].endswith(f"/t/{ticket['token']}?lang=en")
    expect(kiosk.locator(".k-issued-service")).to_have_text(ENGLISH_NAME)
    # "Selesai" on a button is "Done", not the "Closed" of a complaint's status.
    expect(kiosk.locator(".k-issued [data-action=home]")).to_contain_text("Done")
    assert indonesian_left(kiosk, ".k-sub, #mpp-name, .k-brand, #attract") == []
    screenshot(kiosk, "english-kiosk-ticket-1080x1920")

    # A citizen's phone, which never saw the kiosk: its browser says Indonesian, the link says English.
    phone = page_factory(360, 740, has_touch=True, is_mobile=True)
    phone.goto(ticket["status_url"])
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("#t-label")).to_have_text("Your queue number")
    expect(phone.locator("#t-service")).to_have_text(ENGLISH_NAME)
    expect(phone.locator("#live-state")).to_contain_text("Connected")
    # The server drew it in English too (no flash of Indonesian before the module runs).
    served = phone.context.request.get(ticket["status_url"]).text()
    assert "Your queue number" in served and "Nomor antrean Anda" not in served
    assert indonesian_left(phone, "#t-agency, .k-brand strong") == []
    screenshot(phone, "english-phone-ticket-waiting-360x740")

    with server.session("petugas.dukcapil") as officer:
        assert officer.post(f"{server.url}/api/counters/1/open", timeout=10).status_code == 200
        called = officer.post(f"{server.url}/api/counters/1/call-next", timeout=10).json()["ticket"]
        assert called["number"] == ticket["number"]
        expect(phone.locator("#t-status .k-t-call")).to_have_text("Please go to counter 1")
        assert indonesian_left(phone, "#t-agency, .k-brand strong") == []
        assert blocking_violations(phone) == []
        screenshot(phone, "english-phone-ticket-called-360x740")
        # A reload (the citizen's phone slept) keeps English: the link's ?lang set the cookie.
        phone.goto(ticket["status_url"].split("?")[0])
        expect(phone.locator("#t-status .k-t-call")).to_have_text("Please go to counter 1")
        assert officer.post(f"{server.url}/api/counters/1/complete", timeout=10).status_code == 200


def test_the_phone_page_in_english_keeps_english_on_its_ticket_page(server, page_factory):
    phone = page_factory(360, 740, has_touch=True, is_mobile=True)
    phone.goto(server.url + "/ambil/?lang=en")
    phone.locator(".k-agency", has_text="Imigrasi").tap()
    phone.locator(".k-service").first.tap()
    phone.locator("[data-action=take]").tap()
    phone.wait_for_url("**/t/*")
    expect(phone.locator("#t-label")).to_have_text("Your queue number")
    served = phone.context.request.get(phone.url).text()
    assert '<html lang="en">' in served and "Keep this page open" in served
    assert indonesian_left(phone, "#t-agency, #t-service, .k-brand strong") == []
    screenshot(phone, "english-ambil-ticket-360x740")
    # And back to Indonesian with the ID button, although the page came from an English link.
    phone.locator("[data-lang=id]").tap()
    expect(phone.locator("#t-label")).to_have_text("Nomor antrean Anda")


# Headless Chromium has no screen to keep on: a stand-in for the Screen Wake Lock API records what the page asks.
WAKE_LOCK_SPY = """
window.__wakeLocks = 0;
Object.defineProperty(navigator, "wakeLock", { configurable: true, value: { request: async (type) => {
  window.__wakeLocks += 1;
  const sentinel = new EventTarget();
  sentinel.type = type;
  sentinel.release = async () => sentinel.dispatchEvent(new Event("release"));
  window.__sentinel = sentinel;
  return sentinel;
} } });
"""


def test_the_ticket_page_asks_to_stay_open_and_keeps_the_screen_awake(server, page_factory):
    with server.session() as http:
        ticket = http.post(f"{server.url}/api/tickets", json={"service_id": 5}, timeout=10).json()
    phone = page_factory(360, 740, has_touch=True, is_mobile=True)
    phone.add_init_script(WAKE_LOCK_SPY)
    phone.goto(f"{server.url}/t/{ticket['token']}")
    expect(phone.locator("#t-keep")).to_contain_text("Biarkan halaman ini tetap terbuka")
    expect(phone.locator("body")).to_have_attribute("data-wake-lock", "on")
    expect(phone.locator("#t-keep")).to_contain_text("Layar dibiarkan menyala")
    assert phone.evaluate("window.__wakeLocks") == 1
    screenshot(phone, "ticket-keep-open-360x740")
    # The browser drops the lock when the citizen switches apps; coming back asks for it again.
    phone.evaluate("window.__sentinel.release()")
    expect(phone.locator("body")).to_have_attribute("data-wake-lock", "off")
    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(phone.locator("body")).to_have_attribute("data-wake-lock", "on")
    assert phone.evaluate("window.__wakeLocks") == 2
    # A cancelled ticket no longer needs the screen on, nor the notice.
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.locator("#t-cancel").tap()
    expect(phone.locator("#t-keep")).to_be_hidden()


def test_without_the_wake_lock_api_the_page_still_asks_to_stay_open(server, page_factory):
    with server.session() as http:
        ticket = http.post(f"{server.url}/api/tickets", json={"service_id": 5}, timeout=10).json()
    phone = page_factory(360, 740, has_touch=True, is_mobile=True)
    phone.add_init_script("delete Navigator.prototype.wakeLock;")
    phone.goto(f"{server.url}/t/{ticket['token']}?lang=en")
    expect(phone.locator("#t-keep")).to_have_text("Keep this page open: your number is called here too.")
    expect(phone.locator("body")).to_have_attribute("data-wake-lock", "unsupported")


def open_console(page, server) -> None:
    page.goto(server.url + "/counter/")
    page.fill("#username", "petugas.dukcapil")
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    page.click("#counter-list button[data-id='1']")
    page.wait_for_url("**/counter/1")
    expect(page.locator("#connection")).to_have_text("Tersambung")


def test_the_console_says_the_session_ended_and_drops_the_stale_ticket(server, page_factory):
    with server.session() as http:
        assert http.post(f"{server.url}/api/tickets", json={"service_id": 1}, timeout=10).status_code == 201
    console = page_factory(1366, 768)
    open_console(console, server)
    if console.locator(".state.active").inner_text().startswith("Buka") is False:
        console.keyboard.press("b")
    console.keyboard.press("n")
    expect(console.locator("#current-number")).not_to_have_text("—")
    # Called, not yet served: the label says so until the officer starts.
    expect(console.locator("#current-label")).to_have_text("Dipanggil")
    screenshot(console, "console-called-label-1366x768")
    console.keyboard.press("s")
    expect(console.locator("#current-label")).to_have_text("Sedang dilayani")

    # The officer logs out on another tab of the same browser: this tab's session is over.
    other = console.context.new_page()
    other.goto(server.url + "/counter/1")
    other.locator("#logout").click()
    other.wait_for_url("**/counter/")
    dialog = console.locator("#session-dialog")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(console.locator("#session-title")).to_have_text("Sesi berakhir")
    expect(console.locator("#session-text")).to_contain_text("masuk")
    expect(console.locator("#connection")).to_have_text("Sesi berakhir")
    expect(console.locator("#current-number")).to_have_text("—")
    expect(console.locator("#waiting-list tr")).to_have_count(0)
    assert blocking_violations(console) == []
    screenshot(console, "console-session-ended-1366x768")
    console.keyboard.press("Escape")  # only a new login ends it
    expect(dialog).to_be_visible()
    console.locator("#session-login").click()
    console.wait_for_url(re.compile(r"/counter/\?next=%2Fcounter%2F1"))
    expect(console.locator("#username")).to_be_visible()


def test_a_key_pressed_while_the_server_is_gone_is_refused_plainly(live_server, page_factory):
    console = page_factory(1366, 768)
    open_console(console, live_server)
    live_server.kill()
    expect(console.locator("#connection")).to_have_text("Terputus", timeout=10_000)
    console.keyboard.press("n")
    expect(console.locator("#message")).to_have_text(
        "Tidak tersambung ke server: tindakan tidak dikirim. Tunggu sampai tersambung, lalu tekan lagi."
    )
    screenshot(console, "console-offline-key-refused-1366x768")


def test_a_survey_tablet_pairs_by_qr_code_and_the_page_reads_in_english(server, page_factory):
    page = page_factory(1366, 768)
    page.goto(server.url + "/admin/survey-tablets")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_selector("#tablets")
    page.locator("#tablets tbody tr").first.locator("button.pair").click()
    qr = page.locator("#pair-qr svg.qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 200, "a tablet's camera reads it from arm's length"
    link = page.locator("#pair-link").inner_text()
    assert re.search(r"/survey/\?counter=\d+#pair=", link)
    assert blocking_violations(page) == []
    screenshot(page, "survey-tablet-pair-qr-1366x768")

    page.locator("[data-set-lang=en]").click()
    expect(page.locator("h1")).to_have_text("Survey tablets per counter")
    assert indonesian_left(page, "td:nth-child(1), td:nth-child(2), .st-who") == []
    screenshot(page, "survey-tablets-en-1366x768")


def test_the_admin_draws_its_labels_in_english_from_the_catalog(server, page_factory):
    """No text swapped after drawing: the server renders the menu in English, the module draws tables and forms in it."""
    page = page_factory(1366, 768)
    page.goto(server.url + "/admin/?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration login")
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#nav:not([hidden])")
    expect(page.locator("#nav [data-section=agencies]")).to_have_text("Agencies")
    page.click("#nav button[data-section=services]")
    expect(page.locator("#view h1")).to_have_text("Services")
    page.locator("tr", has_text="Perekaman & Pencetakan KTP-el").get_by_role("button").click()
    expect(page.locator("[data-name=name_en] label")).to_contain_text("Service name in English")
    assert indonesian_left(page, "table.data tbody, select, input, textarea, .checklist, .brand") == []
    assert blocking_violations(page) == []
    screenshot(page, "english-admin-service-form-1366x768")


def test_the_english_console_says_done_not_closed(server, page_factory):
    with server.session() as http:
        counter = next(c for c in http.get(f"{server.url}/api/counters", timeout=10).json() if c["id"] == 2)
        served = {"service_id": counter["service_ids"][0]}
        assert http.post(f"{server.url}/api/tickets", json=served, timeout=10).status_code == 201
    console = page_factory(1366, 768)
    console.goto(server.url + "/counter/?lang=en")
    console.fill("#username", "petugas.dukcapil")
    console.fill("#password", PASSWORD)
    console.click("#login button[type=submit]")
    console.click("#counter-list button[data-id='2']")
    console.wait_for_url("**/counter/2")
    expect(console.locator("#connection")).to_have_text("Online")
    expect(console.locator("[data-action=complete]")).to_contain_text("Done")
    if console.locator("[data-action=open]").is_enabled():
        console.keyboard.press("b")
    console.keyboard.press("n")
    expect(console.locator("#current-label")).to_have_text("Called")
    assert indonesian_left(console, "#counter-name, #agency-name, #officer-name, #current-service, .service-count, #waiting-list") == []
    screenshot(console, "english-console-called-1366x768")
