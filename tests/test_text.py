"""Vietnamese text: alphabetical order, accent-free search, document dates and numbers
(core/text.py), and the same order and search in the database (NamedModel)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusters.models import Unit
from core.text import document_date, fold, nfc, vi_number, vi_sort_key, vi_sorted
from tests.factories import OrganizerFactory, UnitFactory

# The Vietnamese alphabet (with the foreign letters f, j, w, z where Latin puts them)
# and the tones, written out here rather than taken from core.text so the tests
# check the implementation against an independent statement of the rule.
ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
VOWELS = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
# unmarked < huyền < hỏi < ngã < sắc < nặng
TONE_MARKS = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]


def assert_strictly_ordered(names: list[str]) -> None:
    for a, b in itertools.pairwise(names):
        assert vi_sort_key(a) < vi_sort_key(b), f"{a!r} should sort before {b!r}"


# Alphabet and tones -----------------------------------------------------------------


def test_letters_with_marks_follow_their_base_letter():
    assert_strictly_ordered(["a", "ă", "â", "b"])
    assert_strictly_ordered(["d", "đ", "e"])
    assert_strictly_ordered(["e", "ê", "f"])
    assert_strictly_ordered(["o", "ô", "ơ", "p"])
    assert_strictly_ordered(["u", "ư", "v"])


def test_every_d_word_sorts_before_every_dd_word():
    assert_strictly_ordered(["Duy Tiên", "Dương Quang", "Đại Từ", "Đức Xuân"])
    assert vi_sorted(["Đức Xuân", "Dương Quang"]) == ["Dương Quang", "Đức Xuân"]


def test_tones_order_unmarked_huyen_hoi_nga_sac_nang():
    assert_strictly_ordered(["ma", "mà", "mả", "mã", "má", "mạ"])
    assert_strictly_ordered(["Hoa", "Hòa", "Hỏa", "Hõa", "Hóa", "Họa"])


def test_letters_decide_before_tones():
    # "mạ" has the heaviest tone but "mb…" has a later letter.
    assert_strictly_ordered(["mạ", "mb"])
    assert_strictly_ordered(["Hóa An", "Hòa Bình"])


def test_a_shorter_name_sorts_before_its_continuations():
    assert_strictly_ordered(["An", "An Bình", "Anh"])
    assert vi_sorted(["Anh", "An Bình", "An"]) == ["An", "An Bình", "Anh"]


def test_tone_on_either_vowel_gives_the_same_key():
    assert vi_sort_key("Hòa") == vi_sort_key("Hoà")
    assert vi_sort_key("Thủy") == vi_sort_key("Thuỷ")
    assert vi_sort_key("Hòa Bình") == vi_sort_key("Hoà Bình")


def test_nfc_and_nfd_input_give_the_same_key():
    for name in ["Đức Xuân", "Phùng Chí Kiên", "Nguyễn Thị Minh Khai", "Lương Tài", "Xuất Hóa"]:
        nfd = unicodedata.normalize("NFD", name)
        assert nfd != name  # the test really compares two encodings
        assert vi_sort_key(nfd) == vi_sort_key(name)
        assert fold(nfd) == fold(name)


def test_case_does_not_change_the_key():
    assert vi_sort_key("ĐỨC XUÂN") == vi_sort_key("đức xuân") == vi_sort_key("Đức Xuân")


def test_extra_white_space_does_not_change_the_key():
    assert vi_sort_key("  Đức   Xuân ") == vi_sort_key("Đức Xuân")
    assert nfc("  Đức \t Xuân\n") == "Đức Xuân"


def test_vi_sorted_uses_the_key_function():
    rows = [{"name": "Đức Xuân"}, {"name": "Dương Quang"}, {"name": "Anh"}]
    assert [row["name"] for row in vi_sorted(rows, key=lambda row: row["name"])] == [
        "Anh",
        "Dương Quang",
        "Đức Xuân",
    ]


# Accent-free folding ------------------------------------------------------------------


def test_fold_drops_accents_and_case():
    assert fold("Đức Xuân") == "duc xuan"
    assert fold("phường Phùng Chí Kiên") == "phuong phung chi kien"
    assert fold("UBND huyện Lương Tài") == "ubnd huyen luong tai"
    assert fold("Hòa") == fold("Hoà") == fold("HÓA") == "hoa"


# Dates and numbers in documents ----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2023, 1, 5), "ngày 05 tháng 01 năm 2023"),
        (dt.date(2023, 3, 17), "ngày 17 tháng 3 năm 2023"),
        (dt.date(2023, 2, 28), "ngày 28 tháng 02 năm 2023"),
        (dt.date(2023, 12, 1), "ngày 01 tháng 12 năm 2023"),
        (dt.date(2022, 4, 28), "ngày 28 tháng 4 năm 2022"),
        (dt.date(2023, 1, 12), "ngày 12 tháng 01 năm 2023"),
        (dt.date(2023, 10, 9), "ngày 09 tháng 10 năm 2023"),
    ],
)
def test_document_date(day, expected):
    assert document_date(day) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1000, None, "1.000"),
        (100, None, "100"),
        (85.5, None, "85,5"),
        (Decimal("85.50"), None, "85,5"),
        (1234567.5, None, "1.234.567,5"),
        (Decimal("1234567.5"), None, "1.234.567,5"),
        (0, None, "0"),
        (-1234.5, None, "-1.234,5"),
        (85.5, 2, "85,50"),
        (Decimal("1234567.456"), 2, "1.234.567,46"),
        (Decimal("92.333"), 2, "92,33"),
        (Decimal("99.996"), 2, "100,00"),
        (1000, 0, "1.000"),
    ],
)
def test_vi_number(value, decimals, expected):
    assert vi_number(value, decimals=decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2.675, 2, "2,68"),
        (Decimal("85.125"), 2, "85,13"),
        (2.5, 0, "3"),
    ],
)
def test_vi_number_rounds_half_up_on_the_value_as_written(value, decimals, expected):
    assert vi_number(value, decimals=decimals) == expected


# Properties on generated Vietnamese words --------------------------------------------

syllable_letters = st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=5)


@st.composite
def vi_words(draw):  # type: ignore[no-untyped-def]
    """(text, letters, tone) for one word: letters of the alphabet and at most one tone,
    placed on one of its vowels (if it has any)."""
    letters = draw(syllable_letters)
    vowel_positions = [i for i, letter in enumerate(letters) if letter in VOWELS]
    tone = draw(st.integers(0, 5)) if vowel_positions else 0
    chars = list(letters)
    if tone:
        position = draw(st.sampled_from(vowel_positions))
        chars[position] = unicodedata.normalize(
            "NFC", unicodedata.normalize("NFD", chars[position]) + TONE_MARKS[tone]
        )
    text = "".join(chars)
    if draw(st.booleans()):
        text = text.capitalize()
    return text, letters, tone


@st.composite
def vi_names(draw):  # type: ignore[no-untyped-def]
    """(name, reference key): 1–3 words; the reference key compares the letters in
    alphabet order first (a word break before any letter, the end before a word break),
    then the words' tones."""
    words = draw(st.lists(vi_words(), min_size=1, max_size=3))
    primary: list[int] = []
    for index, (_text, letters, _tone) in enumerate(words):
        if index:
            primary.append(0)
        primary.extend(1 + ALPHABET.index(letter) for letter in letters)
    tones = tuple(tone for _text, _letters, tone in words)
    return " ".join(text for text, _letters, _tone in words), (tuple(primary), tones)


def _sign(a, b) -> int:  # type: ignore[no-untyped-def]
    return (a > b) - (a < b)


@settings(max_examples=300, deadline=None)
@given(vi_names(), vi_names())
def test_key_order_is_letters_then_tones(first, second):
    name_a, ref_a = first
    name_b, ref_b = second
    assert _sign(vi_sort_key(name_a), vi_sort_key(name_b)) == _sign(ref_a, ref_b)


@settings(max_examples=100, deadline=None)
@given(st.lists(vi_names(), max_size=12))
def test_sorting_by_key_gives_the_reference_order(names):
    ordered = sorted(names, key=lambda item: vi_sort_key(item[0]))
    refs = [ref for _name, ref in ordered]
    assert refs == sorted(refs)


@settings(deadline=None)
@given(vi_names())
def test_key_is_stable_under_nfc_nfd_and_case(item):
    name, _ref = item
    key = vi_sort_key(name)
    assert vi_sort_key(unicodedata.normalize("NFD", name)) == key
    assert vi_sort_key(unicodedata.normalize("NFKD", name)) == key
    assert vi_sort_key(name.upper()) == key
    assert vi_sort_key(name.lower()) == key
    assert vi_sort_key(unicodedata.normalize("NFD", name.upper())) == key


@settings(deadline=None)
@given(st.text())
def test_key_and_fold_accept_any_text(text):
    # Total: every string has a key, and the key does not depend on the encoding.
    assert isinstance(vi_sort_key(text), str)
    assert isinstance(fold(text), str)
    assert vi_sort_key(unicodedata.normalize("NFD", text)) == vi_sort_key(
        unicodedata.normalize("NFC", text)
    )


@settings(deadline=None)
@given(st.text(), st.text())
def test_key_order_is_a_total_order(a, b):
    key_a, key_b = vi_sort_key(a), vi_sort_key(b)
    assert (key_a < key_b) + (key_a == key_b) + (key_a > key_b) == 1


@settings(deadline=None)
@given(vi_names())
def test_fold_is_ascii_lower_case(item):
    name, _ref = item
    folded = fold(name)
    assert folded.isascii()
    assert folded == folded.lower()
    assert fold(unicodedata.normalize("NFD", name)) == folded
    assert fold(name.upper()) == folded
    # One folded character per letter, spaces kept.
    assert len(folded) == len(nfc(name))


# The same rules in the database -----------------------------------------------------

# Hand-written Vietnamese order (not computed with vi_sort_key).
NAMES_IN_ORDER = [
    "An",
    "An Bình",
    "Anh Sơn",
    "Ân Thi",
    "Duy Tiên",
    "Dương Quang",
    "Đại Từ",
    "Đức Xuân",
    "Ea Kar",
    "Hòa An",
    "Hóa An",
    "Ô Môn",
    "Ơ Rê",
    "Quế Võ",
    "Tiên Du",
    "Tuy An",
    "Từ Sơn",
    "Yên Phong",
]


@pytest.mark.django_db
def test_units_come_back_in_vietnamese_order_whatever_the_insert_order():
    organizer = OrganizerFactory()
    other = OrganizerFactory()
    shuffled = NAMES_IN_ORDER[:]
    random.Random(20230117).shuffle(shuffled)
    assert shuffled != NAMES_IN_ORDER
    for name in shuffled:
        UnitFactory(organizer=organizer, name=name)
        # Stored decomposed elsewhere: the order must not depend on the encoding.
        UnitFactory(organizer=other, name=unicodedata.normalize("NFD", name))

    names = list(
        Unit.objects.filter(organizer=organizer).vi_ordered().values_list("name", flat=True)
    )
    assert names == NAMES_IN_ORDER
    others = list(Unit.objects.filter(organizer=other).vi_ordered().values_list("name", flat=True))
    assert others == NAMES_IN_ORDER  # stored in NFC, so equal to the typed names
    # Plain code-point order would be wrong: that is why vi_ordered exists.
    assert sorted(NAMES_IN_ORDER) != NAMES_IN_ORDER


@pytest.mark.django_db
def test_search_ignores_accents_and_case():
    organizer = OrganizerFactory()
    for name in [
        "phường Đức Xuân",
        "phường Xuất Hóa",
        "UBND xã Hoà Bình",
        "xã Dương Quang",
        "phường Huyền Tụng",
    ]:
        UnitFactory(organizer=organizer, name=name)
    units = Unit.objects.filter(organizer=organizer)

    assert [u.name for u in units.search("duc xuan")] == ["phường Đức Xuân"]
    assert [u.name for u in units.search("ĐỨC XUÂN")] == ["phường Đức Xuân"]
    assert [u.name for u in units.search("hoa").vi_ordered()] == [
        "phường Xuất Hóa",
        "UBND xã Hoà Bình",
    ]
    assert [u.name for u in units.search("Hòa").vi_ordered()] == [
        "phường Xuất Hóa",
        "UBND xã Hoà Bình",
    ]
    assert [u.name for u in units.search("duong")] == ["xã Dương Quang"]
    assert units.search("tung").get().name == "phường Huyền Tụng"
    assert not units.search("hanoi").exists()
    # An empty query leaves the list as it is.
    assert units.search("").count() == 5
    assert units.search("   ").count() == 5


@pytest.mark.django_db
def test_search_also_matches_short_name_and_code():
    organizer = OrganizerFactory()
    UnitFactory(
        organizer=organizer,
        name="UBND thành phố Từ Sơn",
        short_name="TP Từ Sơn",
        code="BN-TS",
        kind=Unit.Kind.CITY,
    )
    units = Unit.objects.filter(organizer=organizer)
    assert units.search("tp tu son").get().short_name == "TP Từ Sơn"
    assert units.search("bn-ts").get().code == "BN-TS"
