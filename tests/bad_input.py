"""Attack inputs and checks shared by tests/test_bad_input_*.py (issue 7, bad input).

``attack_text`` draws what a careless or hostile user may type: NUL and control
characters, right-to-left marks, decomposed (NFD) Vietnamese, combining marks, 10k-char
strings, markup, spreadsheet formulas, emoji, odd numbers. ``check_form`` cleans a form
with such data in English and in Vietnamese and asserts that cleaning never raises and
that every refusal is translated.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django import forms
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

NFD_NAME = unicodedata.normalize("NFD", "Tiến Đạt ở Thừa Thiên Huế")
NFC_NAME = unicodedata.normalize("NFC", NFD_NAME)
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'

ATTACKS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eabc\u202c",
    "\u200f\u200e",
    "\ufeff",
    NFD_NAME,
    "e\u0301\u0301\u0301\u0323\u0323",
    "x" * 10_001,
    "Đ" * 10_001,
    SCRIPT,
    IMG,
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "@A1",
    "😀🇻🇳👨‍👩‍👧",
    "\r\n\r\n",
    "\t",
    "-1",
    "0",
    "1.234,5",
    "1,2,3",
    "9" * 40,
    "1e9999",
    "-1e-9999",
    "NaN",
    "Infinity",
    "٣٤",
    "１２",
    "2024-02-30",
    "31/12/9999",
    "00/00/0000",
    "2024-01-01T25:61",
    "99999999999999999999",
    "-99999999999999999999",
    "on",
    "true",
    "'; DROP TABLE auth_user; --",
    "../../etc/passwd",
]

attack_text = st.one_of(
    st.sampled_from(ATTACKS),
    st.text(max_size=40),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
)

# BAD_INPUT_EXAMPLES=200 for a long hunt; 20 keeps the suite under a minute.
FAST = settings(
    max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Refusals allowed to read the same in both languages: no English word in them.
_ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def form_data(draw: Any, names: list[str]) -> MultiValueDict:
    """A POST body: for every field (and the _0/_1 halves of split fields) nothing,
    one or two attack values."""
    data = MultiValueDict()
    for name in names:
        for key in (name, f"{name}_0", f"{name}_1"):
            values = draw(st.lists(attack_text, max_size=2))
            if values:
                data.setlist(key, values)
    return data


def _clean(make: Callable[[Any], forms.BaseForm], data: Any, lang: str) -> tuple[bool, list]:
    with translation.override(lang):
        form = make(data)
        valid = form.is_valid()
        messages = [(field, str(m)) for field, errors in form.errors.items() for m in errors]
        for field in form.fields:
            # Rendering what was typed back (the refusal page) must not raise either.
            str(form[field])
    return valid, messages


def check_form(make: Callable[[Any], forms.BaseForm], data: Any) -> None:
    """Clean ``make(data)`` in English and Vietnamese: no exception, the same verdict,
    every refusal translated (or free of English words)."""
    en_valid, en_messages = _clean(make, data, "en")
    vi_valid, vi_messages = _clean(make, data, "vi")
    assert en_valid == vi_valid
    assert [f for f, _m in en_messages] == [f for f, _m in vi_messages]
    for (field, en), (_field, vi) in zip(en_messages, vi_messages, strict=True):
        assert vi != en or not _ENGLISH_WORD.search(en), (
            f"untranslated refusal on {field!r}: {en!r}"
        )


def field_names(make: Callable[[Any], forms.BaseForm]) -> list[str]:
    return list(make(None).fields)


_VIETNAMESE_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")


def looks_vietnamese(text: str) -> bool:
    """Holds a letter or a tone mark only Vietnamese uses here."""
    decomposed = unicodedata.normalize("NFD", text)
    return bool(_VIETNAMESE_LETTERS & set(text)) or any(
        mark in decomposed for mark in ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
    )
