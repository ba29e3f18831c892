"""The one validation layer: the same rules for every JSON body, a 400 naming the field, and a
message naming the label the user sees, in the request's language."""

from __future__ import annotations

import pytest

from conftest import KIOSK, login
from loket import inputs
from loket.errors import LoketError


def refusal(call) -> LoketError:
    with pytest.raises(LoketError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("value", [3.0, 2.5, True, "3.5", "tiga", [3], {"n": 3}])
def test_an_integer_is_never_a_float_a_boolean_or_a_word(value):
    err = refusal(lambda: inputs.integer({"n": value}, "n"))
    assert (err.code, err.params["field"]) == ("invalid_field", "n")


@pytest.mark.parametrize(("value", "expected"), [(3, 3), ("3", 3), (" 7 ", 7), (0, 0)])
def test_an_integer_is_a_json_integer_or_a_digit_string(value, expected):
    assert inputs.integer({"n": value}, "n", minimum=0) == expected


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_blank_value_is_absent(value):
    data = {"x": value}
    assert inputs.integer(data, "x", required=False) is None
    assert inputs.number(data, "x", minimum=0, maximum=9, required=False) is None
    assert inputs.choice(data, "x", ("a", "b"), required=False) is None
    assert inputs.choice(data, "x", ("a", "b"), default="b") == "b"
    assert inputs.text(data, "x") == ""
    assert inputs.boolean(data, "x", default=True) is True
    assert refusal(lambda: inputs.integer(data, "x")).code == "missing_field"
    assert refusal(lambda: inputs.text(data, "x", required=True)).code == "missing_field"


@pytest.mark.parametrize("value", [True, 1, "1", "true", "on", "ya", "True"])
def test_one_set_of_spellings_for_true(value):
    assert inputs.boolean({"b": value}, "b") is True


@pytest.mark.parametrize("value", [False, 0, "0", "false", "off", "tidak"])
def test_one_set_of_spellings_for_false(value):
    assert inputs.boolean({"b": value}, "b", default=True) is False


@pytest.mark.parametrize("value", ["yes", 2, 1.0, "benar", []])
def test_other_boolean_spellings_are_refused(value):
    assert refusal(lambda: inputs.boolean({"b": value}, "b")).code == "invalid_field"


def test_a_refusal_names_the_label_the_user_sees_and_reads_in_english_too():
    err = refusal(lambda: inputs.integer({"daily_quota": -1}, "daily_quota", minimum=0))
    assert err.message("id") == "Isian 'Kuota harian' tidak valid: minimal 0."
    assert err.message("en") == "Field 'Daily quota' is invalid: at least 0."
    assert err.to_dict("en") == {"error": "invalid_field", "message": err.message("en"), "field": "daily_quota", "reason": "at least 0"}


def test_a_field_without_a_label_is_named_as_sent():
    err = refusal(lambda: inputs.text({"zzz": 5}, "zzz"))
    assert err.message("id") == "Isian 'zzz' tidak valid: harus teks."


def test_a_reason_with_braces_of_its_own_is_shown_as_written():
    err = LoketError("invalid_field", field="answers", reason="harus objek {U1: 1–4, …}")
    assert err.message("id") == "Isian 'Jawaban survei' tidak valid: harus objek {U1: 1–4, …}."


def test_the_admin_and_the_ticket_api_refuse_a_float_integer_alike(client):
    assert client.post("/api/tickets", headers=KIOSK, json={"service_id": 1.0}).get_json()["field"] == "service_id"
    login(client, "admin")
    body = {"agency_id": 1, "code": "LEGAL", "name": "Legalisir", "prefix": "LG", "daily_quota": 20.0}
    response = client.post("/api/admin/services?lang=en", json=body)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_field",
        "message": "Field 'Daily quota' is invalid: must be a whole number.",
        "field": "daily_quota",
        "reason": "must be a whole number",
    }


def test_the_admin_reads_the_same_boolean_spellings_and_blanks(client):
    login(client, "admin")
    created = client.post("/api/admin/agencies", json={"code": "BARU", "name": "Instansi Baru", "active": "ya", "sort_order": ""})
    assert created.status_code == 201, created.get_json()
    item = created.get_json()["item"]
    assert (item["active"], item["sort_order"]) == (1, 0)
    refused = client.put(f"/api/admin/agencies/{item['id']}", json={"active": "benar"})
    assert refused.status_code == 400 and refused.get_json()["field"] == "active"
    assert "Aktif" in refused.get_json()["message"]


def test_a_missing_choice_in_the_profile_is_named(client):
    login(client, "admin")
    response = client.put("/api/admin/profile", json={"number_reading": "roman"})
    assert response.status_code == 400
    assert response.get_json()["message"] == "Isian 'Cara membaca nomor' tidak valid: pilih salah satu: digits, whole."


def test_an_admin_refusal_reads_in_english_with_the_day_named_in_english(client):
    login(client, "admin")
    hours = [{"weekday": 0, "opens": "15:00", "closes": "08:00"}]
    body = {"agency_id": 1, "code": "LEGAL", "name": "Legalisir", "prefix": "LG", "hours": hours}
    indonesian = client.post("/api/admin/services", json=body).get_json()
    english = client.post("/api/admin/services?lang=en", json=body).get_json()
    assert indonesian["message"] == "Isian 'Jam layanan' tidak valid: jam tutup hari Senin (08:00) harus setelah jam buka (15:00)."
    assert english["message"] == "Field 'Opening hours' is invalid: closing time on Monday (08:00) must be after opening time (15:00)."
    assert english["field"] == indonesian["field"] == "hours"


def test_an_import_refusal_names_the_row_and_keeps_the_reason_values(client):
    login(client, "admin")
    payload = {"services": [{"agency_code": "DUKCAPIL", "code": "LEGAL", "name": "Legalisir", "prefix": "LG", "daily_quota": -5}]}
    body = client.post("/api/admin/import?lang=en", json=payload).get_json()
    assert body["field"] == "services baris 1: daily_quota"
    assert body["message"].endswith("is invalid: at least 0.")


def test_a_reason_quoting_what_was_sent_is_never_read_as_a_template():
    err = LoketError("invalid_field", field="printer_url", reason="unsupported printer URL {label:>999999999}")
    assert err.message("en") == "Field 'Printer address' is invalid: unsupported printer URL {label:>999999999}."
