"""The IKM (Indeks Kepuasan Masyarakat) exactly as PermenPANRB 14/2017 defines it.

Arithmetic is done on exact fractions and rounded once, half-up, with decimal: a float would turn
88.305 into 88.30499… and give a unit a B where the rule gives an A.
"""

from __future__ import annotations

import math
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from loket.i18n import N_, bilingual, pair

ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")

# (code, short name, question, options 1..4), worded as the regulation's sample questionnaire.
QUESTIONS: tuple[tuple[str, dict, dict, tuple[dict, ...]], ...] = (
    ("u1", pair(N_("Persyaratan")),
     pair(N_("Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?")),
     (pair(N_("Tidak sesuai")), pair(N_("Kurang sesuai")),
      pair(N_("Sesuai")), pair(N_("Sangat sesuai")))),
    ("u2", pair(N_("Sistem, mekanisme, dan prosedur")),
     pair(N_("Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?")),
     (pair(N_("Tidak mudah")), pair(N_("Kurang mudah")),
      pair(N_("Mudah")), pair(N_("Sangat mudah")))),
    ("u3", pair(N_("Waktu penyelesaian")),
     pair(N_("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?")),
     (pair(N_("Tidak cepat")), pair(N_("Kurang cepat")),
      pair(N_("Cepat")), pair(N_("Sangat cepat")))),
    ("u4", pair(N_("Biaya/tarif")),
     pair(N_("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?")),
     (pair(N_("Sangat mahal")), pair(N_("Cukup mahal")),
      pair(N_("Murah")), pair(N_("Gratis")))),
    ("u5", pair(N_("Produk spesifikasi jenis pelayanan")),
     pair(N_("Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?")),  # noqa: E501
     (pair(N_("Tidak sesuai")), pair(N_("Kurang sesuai")),
      pair(N_("Sesuai")), pair(N_("Sangat sesuai")))),
    ("u6", pair(N_("Kompetensi pelaksana")),
     pair(N_("Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?")),
     (pair(N_("Tidak kompeten")), pair(N_("Kurang kompeten")),
      pair(N_("Kompeten")), pair(N_("Sangat kompeten")))),
    ("u7", pair(N_("Perilaku pelaksana")),
     pair(N_("Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?")),
     (pair(N_("Tidak sopan dan ramah")), pair(N_("Kurang sopan dan ramah")),
      pair(N_("Sopan dan ramah")), pair(N_("Sangat sopan dan ramah")))),
    ("u8", pair(N_("Penanganan pengaduan, saran dan masukan")),
     pair(N_("Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?")),
     (pair(N_("Tidak ada")), pair(N_("Ada tetapi tidak berfungsi")),
      pair(N_("Berfungsi kurang maksimal")), pair(N_("Dikelola dengan baik")))),
    ("u9", pair(N_("Sarana dan prasarana")),
     pair(N_("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?")),
     (pair(N_("Buruk")), pair(N_("Cukup")), pair(N_("Baik")), pair(N_("Sangat baik")))),  # noqa: E501
)  # fmt: skip

QUICK_QUESTION = (
    pair(N_("Secara keseluruhan, bagaimana kepuasan Saudara terhadap pelayanan hari ini?")),  # noqa: E501
    (pair(N_("Tidak puas")), pair(N_("Kurang puas")),
     pair(N_("Puas")), pair(N_("Sangat puas"))),
)  # fmt: skip

# Lower bounds of the converted value (25–100), after rounding, highest first.
GRADES = (
    (Decimal("88.31"), "A", *bilingual(N_("Sangat baik"))),
    (Decimal("76.61"), "B", *bilingual(N_("Baik"))),
    (Decimal("65.00"), "C", *bilingual(N_("Kurang baik"))),
    (Decimal("25.00"), "D", *bilingual(N_("Tidak baik"))),
)

PROFILE = {
    "sex": (("L", *bilingual(N_("Laki-laki"))), ("P", *bilingual(N_("Perempuan")))),
    "age_group": tuple((v, *(t.format(age=v) for t in bilingual(N_("{age} th"))))
                       for v in ("<20", "20-29", "30-39", "40-49", "50-59", "60+")),
    "education": (("SD", *bilingual(N_("SD"))), ("SMP", *bilingual(N_("SMP"))), ("SMA", *bilingual(N_("SMA/sederajat"))),
                  ("D1-D3", *bilingual(N_("D1–D3"))), ("D4-S1", *bilingual(N_("D4/S1"))), ("S2", *bilingual(N_("S2"))),
                  ("S3", *bilingual(N_("S3")))),
    "occupation": (("PNS", *bilingual(N_("PNS"))), ("TNI", *bilingual(N_("TNI"))), ("POLRI", *bilingual(N_("POLRI"))),
                   ("swasta", *bilingual(N_("Pegawai swasta"))), ("wirausaha", *bilingual(N_("Wirausaha"))), ("lainnya", *bilingual(N_("Lainnya")))),  # noqa: E501
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
    return {"grade": "D", "label": GRADES[-1][2], "label_en": GRADES[-1][3]}


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
        label, label_en = bilingual(N_("Tidak diisi"))
        out[field].append({"value": None, "label": label, "label_en": label_en, "count": tally.get(None, 0)})
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


def minimum_sample(population: int) -> int:
    """The fewest respondents for a population of N citizens served, by Krejcie & Morgan (1970), the
    table PermenPANRB 14/2017 refers to: s = χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P)) with χ² = 3.841
    (one degree of freedom, 95 % confidence), P = 0.5 and d = 0.05, rounded to the nearest as the
    table is (N 50 → 44, 100 → 80, 1 000 → 278, 10 000 → 370, 1 000 000 → 384)."""
    if population <= 0:
        return 0
    chi, p, d = Fraction(3841, 1000), Fraction(1, 2), Fraction(5, 100)
    s = chi * population * p * (1 - p) / (d * d * (population - 1) + chi * p * (1 - p))
    return math.floor(s + Fraction(1, 2))
