"""SMS text: every character GSM-7, measured in septets and segments, cut to two segments safely."""

import pytest

from bot.channels.sms.gsm import fit, gsm7, segments, septets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mød op i Byrådssalen på Struer Rådhus", "Mød op i Byrådssalen på Struer Rådhus"),
        ("ÆØÅ æøå é ü ß §", "ÆØÅ æøå é ü ß §"),
        ("“Kvittér” og ‘svar’ „nu“ «straks»", '"Kvittér" og \'svar\' "nu" "straks"'),
        ("kl. 14–15 — nu − senere", "kl. 14-15 - nu - senere"),
        ("Vent…", "Vent..."),
        ("Pris 10 €", "Pris 10 EUR"),
        ("a\u00a0b\u202fc\td", "a b c d"),
        ("bløde\u00adbindestreg og\u200bnulbredde", "blødebindestreg ognulbredde"),
        ("Brand 🔥 i kælderen 👩‍🚒!", "Brand  i kælderen !"),
        ("Straksudbetaling ✓", "Straksudbetaling "),
        ("ç á ô ÿ", "c a o y"),
        ("Ж漢", "??"),
        ("[a] {b} ~c^ |d\\", "[a] {b} ~c^ |d\\"),
        ("linje 1\nlinje 2", "linje 1\nlinje 2"),
    ],
    ids=[
        "danish-stays", "basic-set-letters", "quotes", "dashes", "ellipsis", "euro", "spaces", "invisible",
        "emoji-removed", "symbol-removed", "accents-dropped", "other-scripts", "extension-table", "newline",
    ],
)
def test_gsm7_maps_text_onto_the_gsm_alphabet(text: str, expected: str) -> None:
    assert gsm7(text) == expected
    septets(gsm7(text))  # every character is GSM-7


@pytest.mark.parametrize(
    ("text", "count", "parts"),
    [
        ("", 0, 1),
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("æ" * 306, 306, 2),
        ("a" * 307, 307, 3),
        ("{" * 80, 160, 1),
        ("{" * 81, 162, 2),
        ("a" * 152 + "[" + "a" * 152, 306, 3),
        ("a" * 151 + "[" + "a" * 153, 306, 2),
    ],
    ids=["empty", "160", "161", "306", "307", "80-extension", "81-extension", "escape-at-the-seam", "escape-before-the-seam"],
)
def test_septets_and_segments(text: str, count: int, parts: int) -> None:
    assert (septets(text), segments(text)) == (count, parts)


def test_septets_refuse_text_that_is_not_gsm7() -> None:
    with pytest.raises(ValueError):
        septets("€")


def test_fit_keeps_a_text_that_fits() -> None:
    text = "Krise K-2026-001: O365 er nede. Mød i Byrådssalen kl. 14:30. Svar KRISE 1K til 1204"
    assert fit(text) == text


def test_fit_cuts_to_two_segments_with_a_marker() -> None:
    cut = fit("Lang besked " * 40)
    assert len(cut) <= 306 and segments(cut) == 2
    assert cut.endswith("...") and not cut.endswith(" ...")


def test_fit_never_splits_an_extension_character() -> None:
    cut = fit("{" * 200)
    assert septets(cut) <= 306 and segments(cut) <= 2
    assert set(cut.removesuffix("...")) == {"{"}


def test_fit_to_one_segment_and_maps_first() -> None:
    cut = fit("“" + "x" * 200, limit=160)
    assert cut.startswith('"') and septets(cut) == 160 and segments(cut) == 1
