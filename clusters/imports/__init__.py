"""Excel imports for board staff: read a file into plain rows (kept in the session
between preview and confirm), check every row against the register, and apply a
clean file in one transaction through ``clusters.services``."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from core.text import fold, nfc, vi_sort_key

T = TypeVar("T")
_NOT_WORD = re.compile(r"[\W_]+")


def loose(text: str) -> str:
    """Accent-free, case-free, punctuation-free: "Cụm thi đua các xã, phường" and
    "cum thi dua cac xa phuong" are one."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


class NameIndex(Generic[T]):
    """Finds things by a name typed in a spreadsheet.

    Tried in turn: the exact name (case-free; "Hòa" and "Hoà" are one), the name
    without accents or punctuation ("duc xuan"), then the same against the short names.
    """

    def __init__(
        self,
        items: Iterable[T],
        *,
        name: Callable[[T], str],
        short_name: Callable[[T], str] | None = None,
    ) -> None:
        self._exact: dict[str, list[T]] = defaultdict(list)
        self._folded: dict[str, list[T]] = defaultdict(list)
        self._short: dict[str, list[T]] = defaultdict(list)
        for item in items:
            self.add(item, name(item), short_name(item) if short_name else "")

    def add(self, item: T, name: str, short_name: str = "") -> None:
        self._exact[vi_sort_key(nfc(name))].append(item)
        self._folded[loose(name)].append(item)
        if short_name:
            self._short[loose(short_name)].append(item)

    def find(self, text: str) -> list[T]:
        text = nfc(text)
        if not text:
            return []
        return (
            self._exact.get(vi_sort_key(text))
            or self._folded.get(loose(text))
            or self._short.get(loose(text))
            or []
        )
