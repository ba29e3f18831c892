"""The Indonesian sentence the lobby speaks, checked against DOMAIN.md's rules and table."""

import pytest

from loket.speech import LETTERS, announcement, number_words, ticket_words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (9, "sembilan"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (111, "seratus sebelas"),
        (115, "seratus lima belas"),
        (123, "seratus dua puluh tiga"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (2000, "dua ribu"),
        (11000, "sebelas ribu"),
        (100000, "seratus ribu"),
        (1_000_000, "satu juta"),
    ],
)
def test_number_words_follow_the_domain_table(n, words):
    assert number_words(n) == words


def test_only_a_leading_one_becomes_se():
    assert number_words(1111) == "seribu seratus sebelas"
    assert number_words(2111) == "dua ribu seratus sebelas"
    assert number_words(1211) == "seribu dua ratus sebelas"
    assert number_words(321) == "tiga ratus dua puluh satu"


def test_letters_have_their_indonesian_names():
    names = ["a", "be", "ce", "de", "e", "ef", "ge", "ha", "i", "je", "ka", "el", "em", "en", "o", "pe", "ki"]
    names += ["er", "es", "te", "u", "fe", "we", "eks", "ye", "zet"]
    assert [LETTERS[c] for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] == names


@pytest.mark.parametrize(
    ("number", "reading", "words"),
    [
        ("A001", "digits", "A nol nol satu"),
        ("A001", "whole", "A satu"),
        ("B017", "digits", "be nol satu tujuh"),
        ("B017", "whole", "be tujuh belas"),
        ("A123", "whole", "A seratus dua puluh tiga"),
        ("A110", "whole", "A seratus sepuluh"),
        ("K111", "whole", "ka seratus sebelas"),
        ("C010", "whole", "ce sepuluh"),
        ("D011", "whole", "de sebelas"),
        ("A000", "whole", "A nol"),
        ("Q999", "digits", "ki sembilan sembilan sembilan"),
        ("X1000", "whole", "eks seribu"),
        ("Z1001", "whole", "zet seribu satu"),
        ("PH-001", "digits", "pe ha nol nol satu"),
        ("PH-001", "whole", "pe ha satu"),
        ("4K-01", "digits", "empat ka nol satu"),
        ("4K-01", "whole", "empat ka satu"),
        ("a021", "whole", "A dua puluh satu"),
        (" A012 ", "whole", "A dua belas"),
        ("VIP", "digits", "fe I pe"),
    ],
)
def test_ticket_numbers_are_read_letter_by_letter_then_by_digits_or_whole(number, reading, words):
    assert ticket_words(number, reading) == words


@pytest.mark.parametrize(
    ("number", "counter", "reading", "text"),
    [
        ("A001", 3, "digits", "Nomor antrean A nol nol satu, silakan menuju loket tiga."),
        ("A001", 10, "digits", "Nomor antrean A nol nol satu, silakan menuju loket sepuluh."),
        ("B017", 11, "whole", "Nomor antrean be tujuh belas, silakan menuju loket sebelas."),
        ("PH-101", 21, "whole", "Nomor antrean pe ha seratus satu, silakan menuju loket dua puluh satu."),
        ("E005", 100, "digits", "Nomor antrean E nol nol lima, silakan menuju loket seratus."),
    ],
)
def test_announcement_uses_standard_spelling_and_reads_the_counter_as_a_number(number, counter, reading, text):
    assert announcement(number, counter, reading) == text


def test_announcement_never_uses_nonstandard_spelling():
    text = announcement("A001", 1)
    assert "antrean" in text and "silakan" in text
    assert "antrian" not in text and "silahkan" not in text
