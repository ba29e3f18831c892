"""Indonesian announcement text: number words and letter names, as a caller says them aloud."""

from __future__ import annotations

import re

DIGITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
LETTERS = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha", "I": "i",
    "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe", "Q": "ki", "R": "er",
    "S": "es", "T": "te", "U": "u", "V": "fe", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}  # fmt: skip


def _scaled(n: int, unit: int, word: str) -> str:
    """'seratus', 'dua ratus tiga': only a leading one becomes 'se-'."""
    head, rest = divmod(n, unit)
    words = "se" + word if head == 1 else f"{number_words(head)} {word}"
    return words if rest == 0 else f"{words} {number_words(rest)}"


def number_words(n: int) -> str:
    """A whole number in Indonesian words: 11 'sebelas', 110 'seratus sepuluh', 1001 'seribu satu'."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 10:
        return DIGITS[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{DIGITS[n - 10]} belas"
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{DIGITS[tens]} puluh" + (f" {DIGITS[ones]}" if ones else "")
    if n < 1000:
        return _scaled(n, 100, "ratus")
    if n < 1_000_000:
        return _scaled(n, 1000, "ribu")
    if n < 1_000_000_000:
        head, rest = divmod(n, 1_000_000)
        words = f"{number_words(head)} juta"
        return words if rest == 0 else f"{words} {number_words(rest)}"
    return " ".join(DIGITS[int(d)] for d in str(n))


def digit_words(digits: str) -> str:
    return " ".join(DIGITS[int(d)] for d in digits)


def ticket_words(number: str, reading: str = "digits") -> str:
    """'A001' -> 'A nol nol satu' (digits) or 'A satu' (whole); prefix letters by their names."""
    number = number.strip()
    match = re.fullmatch(r"(.*?)(\d+)", number)
    prefix, sequence = (match.group(1), match.group(2)) if match else (number, "")
    spoken = []
    for ch in prefix.upper():
        if ch in LETTERS:
            # Vowels are written as the capital ("A nol nol satu"); a voice reads it the same.
            spoken.append(ch if len(LETTERS[ch]) == 1 else LETTERS[ch])
        elif ch.isdigit():
            spoken.append(DIGITS[int(ch)])
    if sequence:
        spoken.append(digit_words(sequence) if reading == "digits" else number_words(int(sequence)))
    return " ".join(spoken)


def announcement(number: str, counter_number: int, reading: str = "digits") -> str:
    """'Nomor antrean A nol nol satu, silakan menuju loket tiga.'"""
    return f"Nomor antrean {ticket_words(number, reading)}, silakan menuju loket {number_words(counter_number)}."


def short_announcement(number: str, counter_number: int, reading: str = "digits") -> str:
    """'A nol nol satu, loket tiga.': the lobby says this when several calls wait to be spoken."""
    return f"{ticket_words(number, reading)}, loket {number_words(counter_number)}."
