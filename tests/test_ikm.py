"""The IKM against hand-computed values, including every grade boundary and half-up ties."""

from decimal import Decimal
from fractions import Fraction

import pytest

from loket import ikm


def rows_with_total(respondents: int, total: int) -> list[dict]:
    """`respondents` complete answer sets whose answers add up to `total` (values as even as possible)."""
    answers = respondents * 9
    base, extra = divmod(total, answers)
    flat = [base + 1] * extra + [base] * (answers - extra)
    assert all(1 <= v <= 4 for v in flat)
    return [dict(zip(ikm.ELEMENTS, flat[i * 9 : i * 9 + 9], strict=True)) for i in range(respondents)]


def test_hand_computed_example_averages_the_nine_nrrs_not_all_answers():
    # NRR: 3.5, 3, 2.5, 4 (one answer), 3, 4, 3.5, 2, 3.5 -> sum 29; IKM 29/9; x25 = 80.555… -> 80.56 B.
    a = dict(zip(ikm.ELEMENTS, [4, 3, 3, 4, 3, 4, 4, 2, 3], strict=True))
    b = dict(zip(ikm.ELEMENTS, [3, 3, 2, None, 3, 4, 3, 2, 4], strict=True))
    result = ikm.compute([a, b])
    assert result["respondents"] == 2
    assert [e["answered"] for e in result["elements"]] == [2, 2, 2, 1, 2, 2, 2, 2, 2]
    assert [e["nrr"] for e in result["elements"]] == [3.5, 3.0, 2.5, 4.0, 3.0, 4.0, 3.5, 2.0, 3.5]
    assert result["ikm"] == 3.222
    assert result["converted"] == 80.56 and result["converted_text"] == "80.56"
    assert (result["grade"], result["label"]) == ("B", "Baik")
    # The pooled mean of all 17 answers would give 83.82, and 0.11 weights 79.75: neither is the rule.
    assert result["weakest"]["codes"] == ["U8"]
    assert result["elements"][7]["converted"] == 50.0 and result["elements"][7]["grade"] == "D"
    assert result["elements"][3]["grade"] == "A"


def test_all_fours_give_exactly_one_hundred_not_ninety_nine():
    result = ikm.compute([dict.fromkeys(ikm.ELEMENTS, 4)] * 3)
    assert result["converted"] == 100.0 and result["grade"] == "A"


@pytest.mark.parametrize(
    ("respondents", "total", "converted", "grade", "label"),
    [
        (2500, 79479, "88.31", "A", "Sangat baik"),  # exactly on the A boundary
        (5000, 158949, "88.31", "A", "Sangat baik"),  # 88.305 exactly: half-up reaches A
        (5000, 158948, "88.30", "B", "Baik"),  # 88.3044…: just below
        (250, 7947, "88.30", "B", "Baik"),
        (2500, 68949, "76.61", "B", "Baik"),  # exactly on the B boundary
        (5000, 137889, "76.61", "B", "Baik"),  # 76.605 tie
        (250, 6894, "76.60", "C", "Kurang baik"),  # just below
        (5, 117, "65.00", "C", "Kurang baik"),  # exactly on the C boundary
        (5000, 116991, "65.00", "C", "Kurang baik"),  # 64.995 tie
        (2500, 58491, "64.99", "D", "Tidak baik"),  # just below
    ],
)
def test_grade_boundaries_after_half_up_rounding(respondents, total, converted, grade, label):
    result = ikm.compute(rows_with_total(respondents, total))
    assert result["respondents"] == respondents
    assert result["converted_text"] == converted
    assert (result["grade"], result["label"]) == (grade, label)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Fraction(88305, 1000), "88.31"),
        (Fraction(883049, 10000), "88.30"),
        (Fraction(725, 9), "80.56"),
        (Fraction(64995, 1000), "65.00"),
        (Fraction(1, 8), "0.13"),
    ],
)
def test_round_half_up_on_exact_values(value, rounded):
    assert ikm.round_half_up(value) == Decimal(rounded)


@pytest.mark.parametrize(
    ("value", "letter"),
    [("100.00", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"), ("64.99", "D"), ("25.00", "D")],
)
def test_grade_table(value, letter):
    assert ikm.grade(Decimal(value))["grade"] == letter


def test_an_element_nobody_answered_leaves_no_ikm_but_grades_the_others():
    rows = [{**dict.fromkeys(ikm.ELEMENTS, 3), "u4": None}]
    result = ikm.compute(rows)
    assert result["ikm"] is None and result["grade"] is None
    assert result["elements"][3]["nrr"] is None
    assert result["elements"][0]["converted"] == 75.0 and result["elements"][0]["grade"] == "C"


def test_no_answers_at_all():
    result = ikm.compute([])
    assert result["respondents"] == 0 and result["converted"] is None and result["weakest"] is None


def test_ties_for_weakest_name_every_weakest_element():
    row = {**dict.fromkeys(ikm.ELEMENTS, 4), "u3": 2, "u9": 2}
    assert ikm.compute([row])["weakest"]["codes"] == ["U3", "U9"]


def test_profile_breakdown_counts_those_who_did_not_say():
    rows = [{"sex": "P", "education": "S3"}, {"sex": "P"}, {}]
    profile = ikm.profile_breakdown(rows)
    assert {i["value"]: i["count"] for i in profile["sex"]} == {"L": 0, "P": 2, None: 1}
    assert {i["value"]: i["count"] for i in profile["education"]}["S3"] == 1
    assert [i["value"] for i in profile["occupation"]][:6] == ["PNS", "TNI", "POLRI", "swasta", "wirausaha", "lainnya"]


def test_quick_mode_summary_is_a_share_not_an_ikm():
    summary = ikm.quick_summary([4, 4, 3, 1])
    assert summary == {
        "respondents": 4,
        "average": 3.0,
        "satisfied_percent": 75.0,
        "distribution": [
            {"value": 1, "label": "Tidak puas", "count": 1},
            {"value": 2, "label": "Kurang puas", "count": 0},
            {"value": 3, "label": "Puas", "count": 1},
            {"value": 4, "label": "Sangat puas", "count": 2},
        ],
    }
    assert "converted" not in summary and "grade" not in summary


def test_questions_follow_the_regulation_wording_and_codes():
    codes = [q[0] for q in ikm.QUESTIONS]
    assert codes == list(ikm.ELEMENTS)
    u1 = ikm.QUESTIONS[0]
    assert u1[2]["id"] == "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?"
    assert [o["id"] for o in u1[3]] == ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]
    assert ikm.QUESTIONS[7][1]["id"].startswith("Penanganan pengaduan") and ikm.QUESTIONS[8][1]["id"] == "Sarana dan prasarana"
