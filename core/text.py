"""Vietnamese text: normal form, accent-free search keys, alphabetical sort keys,
and the date and number formats of official documents.

Plain code-point order is wrong for Vietnamese (domain.md section 7): "Đ" must come
after every "D", and tones order as unmarked < huyền < hỏi < ngã < sắc < nặng.
``vi_sort_key`` turns a name into a string whose plain code-point order *is* the
Vietnamese order, so it can be stored in a column and sorted by any database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

# Combining marks that carry a tone, in the order of the Vietnamese alphabet.
_TONES = {
    "\u0300": 1,  # huyền  (grave)
    "\u0309": 2,  # hỏi    (hook above)
    "\u0303": 3,  # ngã    (tilde)
    "\u0301": 4,  # sắc    (acute)
    "\u0323": 5,  # nặng   (dot below)
}
# Combining marks that make a new letter of the alphabet.
_LETTER_MARKS = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}

_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
# Letters map to code points far above digits and separators, in alphabet order.
_LETTER_CODE = {letter: chr(0x100 + index) for index, letter in enumerate(_ALPHABET)}
_PRIMARY_END = "\x01"
_WORD_GAP = "\x02"


def nfc(text: str) -> str:
    """Unicode NFC with runs of white space collapsed: the stored form of all text."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _letters(text: str) -> list[tuple[str, int]]:
    """Split text into (base letter with its letter-making marks, tone) pairs."""
    result: list[tuple[str, int]] = []
    for char in unicodedata.normalize("NFD", text.lower()):
        if char in _TONES:
            if result:
                result[-1] = (result[-1][0], _TONES[char])
        elif char in _LETTER_MARKS:
            if result:
                result[-1] = (unicodedata.normalize("NFC", result[-1][0] + char), result[-1][1])
        elif unicodedata.combining(char):
            continue
        else:
            result.append((char, 0))
    return result


def fold(text: str) -> str:
    """Lower-case text without any accent, đ as d: what accent-free search compares."""
    plain = []
    for base, _tone in _letters(nfc(text)):
        base = "d" if base == "đ" else unicodedata.normalize("NFD", base)[0]
        plain.append(base)
    return "".join(plain)


def vi_sort_key(text: str) -> str:
    """A key whose code-point order is the Vietnamese alphabetical order of ``text``.

    Letters first (ă, â, đ, ê, ô, ơ, ư are letters of their own), then the tone of
    each word, so "Hòa" and "Hoà" (the tone on another vowel) give the same key.
    """
    primary: list[str] = []
    tones: list[str] = []
    word_tone = 0
    for base, tone in _letters(nfc(text)):
        if base.isspace():
            primary.append(_WORD_GAP)
            tones.append(str(word_tone))
            word_tone = 0
            continue
        code = _LETTER_CODE.get(base)
        if code is None:
            code = base if base.isdigit() else ("\x03" if not base.isalnum() else base)
        primary.append(code)
        word_tone = max(word_tone, tone)
    tones.append(str(word_tone))
    return "".join(primary) + _PRIMARY_END + "".join(tones)


def vi_sorted(items, key=lambda item: item):  # type: ignore[no-untyped-def]
    """Sort any iterable by the Vietnamese order of ``key(item)``."""
    return sorted(items, key=lambda item: vi_sort_key(key(item)))


def document_date(day: dt.date) -> str:
    """'ngày 05 tháng 01 năm 2023': days below 10 and months 1–2 take a leading zero."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def form_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def vi_number(value: int | float | Decimal, decimals: int | None = None) -> str:
    """'1.000', '85,5': dot for thousands, comma for decimals; trailing zeros dropped."""
    if decimals is not None:
        # Half-up on the number as written (2.675 → 2,68), as people round by hand.
        exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        text = f"{exact:,.{decimals}f}"
    else:
        text = f"{Decimal(str(value)).normalize():,f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


# "1.234,5", "1.000" (a thousand), "12,5"; a dot that cannot group thousands ("9.5",
# "0.500") is a decimal point. ASCII digits only (\d would take Arabic-Indic ones).
_THOUSANDS = re.compile(r"^[1-9][0-9]{0,2}(\.[0-9]{3})+$")
_COMMA_DECIMAL = re.compile(r"^([1-9][0-9]{0,2}(\.[0-9]{3})+|[0-9]+),[0-9]+$")
_PLAIN = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def plain_number(text: str) -> str | None:
    """An unsigned number typed the Vietnamese way, as Python's Decimal reads it
    ("1.234,5" → "1234.5", "1.000" → "1000", "0.500" → "0.500"); None when the text is
    not such a number. Spaces are ignored; the caller handles the sign."""
    body = nfc(text).replace(" ", "").replace("\u00a0", "")
    if _COMMA_DECIMAL.match(body):
        return body.replace(".", "").replace(",", ".")
    if _THOUSANDS.match(body):
        return body.replace(".", "")
    if _PLAIN.match(body):
        return body
    return None
