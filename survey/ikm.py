"""The IKM (Indeks Kepuasan Masyarakat) exactly as PermenPANRB 14/2017 defines it.

Arithmetic is done on exact fractions and rounded once, half-up, with decimal: a float would turn
88.305 into 88.30499… and give a unit a B where the rule gives an A.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")

# (code, short name, question, options 1..4), worded as the regulation's sample questionnaire.
QUESTIONS: tuple[tuple[str, dict, dict, tuple[dict, ...]], ...] = (
    ("u1", {"id": "Persyaratan", "en": "Requirements"},
     {"id": "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
      "en": "How well do the service requirements fit the kind of service?"},
     ({"id": "Tidak sesuai", "en": "Not suitable"}, {"id": "Kurang sesuai", "en": "Less suitable"},
      {"id": "Sesuai", "en": "Suitable"}, {"id": "Sangat sesuai", "en": "Very suitable"})),
    ("u2", {"id": "Sistem, mekanisme, dan prosedur", "en": "Procedure"},
     {"id": "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
      "en": "How easy is the service procedure at this unit?"},
     ({"id": "Tidak mudah", "en": "Not easy"}, {"id": "Kurang mudah", "en": "Less easy"},
      {"id": "Mudah", "en": "Easy"}, {"id": "Sangat mudah", "en": "Very easy"})),
    ("u3", {"id": "Waktu penyelesaian", "en": "Completion time"},
     {"id": "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
      "en": "How fast was the service delivered?"},
     ({"id": "Tidak cepat", "en": "Not fast"}, {"id": "Kurang cepat", "en": "Less fast"},
      {"id": "Cepat", "en": "Fast"}, {"id": "Sangat cepat", "en": "Very fast"})),
    ("u4", {"id": "Biaya/tarif", "en": "Cost/fee"},
     {"id": "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
      "en": "How fair is the cost/fee of the service?"},
     ({"id": "Sangat mahal", "en": "Very expensive"}, {"id": "Cukup mahal", "en": "Rather expensive"},
      {"id": "Murah", "en": "Cheap"}, {"id": "Gratis", "en": "Free"})),
    ("u5", {"id": "Produk spesifikasi jenis pelayanan", "en": "Service product"},
     {"id": "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",  # noqa: E501
      "en": "How well does the product you received match the one in the service standard?"},
     ({"id": "Tidak sesuai", "en": "Not suitable"}, {"id": "Kurang sesuai", "en": "Less suitable"},
      {"id": "Sesuai", "en": "Suitable"}, {"id": "Sangat sesuai", "en": "Very suitable"})),
    ("u6", {"id": "Kompetensi pelaksana", "en": "Staff competence"},
     {"id": "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
      "en": "How competent were the staff who served you?"},
     ({"id": "Tidak kompeten", "en": "Not competent"}, {"id": "Kurang kompeten", "en": "Less competent"},
      {"id": "Kompeten", "en": "Competent"}, {"id": "Sangat kompeten", "en": "Very competent"})),
    ("u7", {"id": "Perilaku pelaksana", "en": "Staff behaviour"},
     {"id": "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
      "en": "How polite and friendly were the staff?"},
     ({"id": "Tidak sopan dan ramah", "en": "Not polite and friendly"}, {"id": "Kurang sopan dan ramah", "en": "Less polite and friendly"},
      {"id": "Sopan dan ramah", "en": "Polite and friendly"}, {"id": "Sangat sopan dan ramah", "en": "Very polite and friendly"})),
    ("u8", {"id": "Penanganan pengaduan, saran dan masukan", "en": "Complaint handling"},
     {"id": "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
      "en": "How are complaints from service users handled?"},
     ({"id": "Tidak ada", "en": "There is none"}, {"id": "Ada tetapi tidak berfungsi", "en": "Exists but does not work"},
      {"id": "Berfungsi kurang maksimal", "en": "Works, not fully"}, {"id": "Dikelola dengan baik", "en": "Well managed"})),
    ("u9", {"id": "Sarana dan prasarana", "en": "Facilities"},
     {"id": "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
      "en": "How good are the facilities?"},
     ({"id": "Buruk", "en": "Poor"}, {"id": "Cukup", "en": "Fair"}, {"id": "Baik", "en": "Good"}, {"id": "Sangat baik", "en": "Very good"})),  # noqa: E501
)  # fmt: skip

QUICK_QUESTION = (
    {"id": "Secara keseluruhan, bagaimana kepuasan Saudara terhadap pelayanan hari ini?", "en": "Overall, how satisfied are you with today's service?"},  # noqa: E501
    ({"id": "Tidak puas", "en": "Not satisfied"}, {"id": "Kurang puas", "en": "Less satisfied"},
     {"id": "Puas", "en": "Satisfied"}, {"id": "Sangat puas", "en": "Very satisfied"}),
)  # fmt: skip

# Lower bounds of the converted value (25–100), after rounding, highest first.
GRADES = (
    (Decimal("88.31"), "A", "Sangat baik", "Very good"),
    (Decimal("76.61"), "B", "Baik", "Good"),
    (Decimal("65.00"), "C", "Kurang baik", "Less good"),
    (Decimal("25.00"), "D", "Tidak baik", "Not good"),
)

PROFILE = {
    "sex": (("L", "Laki-laki", "Male"), ("P", "Perempuan", "Female")),
    "age_group": tuple((v, v + " th", v + " yrs") for v in ("<20", "20-29", "30-39", "40-49", "50-59", "60+")),
    "education": (("SD", "SD", "Primary"), ("SMP", "SMP", "Junior high"), ("SMA", "SMA/sederajat", "Senior high"),
                  ("D1-D3", "D1–D3", "Diploma"), ("D4-S1", "D4/S1", "Bachelor"), ("S2", "S2", "Master"), ("S3", "S3", "Doctorate")),
    "occupation": (("PNS", "PNS", "Civil servant"), ("TNI", "TNI", "Armed forces"), ("POLRI", "POLRI", "Police"),
                   ("swasta", "Pegawai swasta", "Private employee"), ("wirausaha", "Wirausaha", "Self-employed"), ("lainnya", "Lainnya", "Other")),  # noqa: E501
}  # fmt: skip


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """Round an exact value half-up; a tie such as 88.305 goes up to 88.31."""
    if not isinstance(value, Fraction):
        value = Fraction(value)
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def grade(converted: Decimal) -> dict:
    """The grade of a converted value that has already been rounded to 2 decimals."""
    for bound, letter, label_id, label_en in GRADES:
        if converted >= bound:
            return {"grade": letter, "label": label_id, "label_en": label_en}
    return {"grade": "D", "label": "Tidak baik", "label_en": "Not good"}


def _num(value: Decimal) -> float:
    # JSON numbers for consumers; every decision (grading) was made on the Decimal beforehand.
    return float(value)


def compute(rows: list[dict]) -> dict:
    """NRR per element (sum / those who answered it), IKM = mean of the nine NRRs, ×25, graded.

    Rows are answer sets keyed by element code (u1 … u9); a missing or None answer is skipped
    for that element only. With no answer for some element there is no IKM (None).
    """
    sums = dict.fromkeys(ELEMENTS, 0)
    counts = dict.fromkeys(ELEMENTS, 0)
    for row in rows:
        for code in ELEMENTS:
            value = row.get(code)
            if value is not None:
                sums[code] += int(value)
                counts[code] += 1
    elements = []
    nrrs: list[Fraction] = []
    names = {code: name for code, name, _q, _o in QUESTIONS}
    for code in ELEMENTS:
        entry = {"code": code.upper(), "name": names[code]["id"], "name_en": names[code]["en"], "answered": counts[code], "sum": sums[code]}
        if counts[code]:
            nrr = Fraction(sums[code], counts[code])
            nrrs.append(nrr)
            converted = round_half_up(nrr * 25)
            entry.update({"nrr": _num(round_half_up(nrr, 3)), "converted": _num(converted), **grade(converted)})
        else:
            entry.update({"nrr": None, "converted": None, "grade": None, "label": None, "label_en": None})
        elements.append(entry)
    result = {
        "respondents": len(rows),
        "elements": elements,
        "ikm": None,
        "converted": None,
        "grade": None,
        "label": None,
        "label_en": None,
        "weakest": None,
    }
    if len(nrrs) == len(ELEMENTS):
        ikm = sum(nrrs, Fraction(0)) / len(ELEMENTS)  # exact 1/9 weights
        converted = round_half_up(ikm * 25)
        result.update(
            {"ikm": _num(round_half_up(ikm, 3)), "converted": _num(converted), "converted_text": f"{converted:.2f}", **grade(converted)}
        )
    graded = [e for e in elements if e["answered"]]
    if graded:
        lowest = min(Fraction(e["sum"], e["answered"]) for e in graded)
        weakest = [e for e in graded if Fraction(e["sum"], e["answered"]) == lowest]
        result["weakest"] = {
            "codes": [e["code"] for e in weakest],
            "name": weakest[0]["name"],
            "converted": weakest[0]["converted"],
            "grade": weakest[0]["grade"],
        }
    return result


def profile_breakdown(rows: list[dict]) -> dict:
    """How many respondents gave each profile answer, including those who did not say."""
    out = {}
    for field, options in PROFILE.items():
        tally = Counter(row.get(field) for row in rows)
        out[field] = [
            {"value": value, "label": label, "label_en": label_en, "count": tally.get(value, 0)} for value, label, label_en in options
        ]
        out[field].append({"value": None, "label": "Tidak diisi", "label_en": "Not given", "count": tally.get(None, 0)})
    return out


def quick_summary(values: list[int]) -> dict:
    """The one-question mode: a satisfaction share and a distribution, deliberately not an IKM."""
    tally = Counter(values)
    total = len(values)
    satisfied = tally.get(3, 0) + tally.get(4, 0)
    return {
        "respondents": total,
        "average": _num(round_half_up(Fraction(sum(values), total), 2)) if total else None,
        "satisfied_percent": _num(round_half_up(Fraction(satisfied * 100, total), 2)) if total else None,
        "distribution": [{"value": v, "label": QUICK_QUESTION[1][v - 1]["id"], "count": tally.get(v, 0)} for v in (1, 2, 3, 4)],
    }
