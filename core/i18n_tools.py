"""Keep the Vietnamese catalogue whole.

``python -m core.i18n_tools merge`` copies translations from
``locale/vi/pending/*.json`` ({English msgid: Vietnamese}, the source of truth for
the text; plural entries take the one Vietnamese form) into ``django.po``;
``compile`` writes ``django.mo`` (committed, so a fresh clone needs no gettext);
``check`` lists msgids still untranslated and exits 1 if any.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES"
PENDING = LOCALE.parent / "pending"


def _catalogue() -> polib.POFile:
    return polib.pofile(str(LOCALE / "django.po"), wrapwidth=100)


def merge() -> int:
    po = _catalogue()
    translations: dict[str, str] = {}
    for path in sorted(PENDING.glob("*.json")):
        translations.update(json.loads(path.read_text(encoding="utf-8")))
    filled = 0
    for entry in po:
        text = translations.get(entry.msgid)
        if text and entry.msgid_plural:
            # Vietnamese has one plural form: the pending text serves every count.
            if entry.msgstr_plural.get(0) != text or "fuzzy" in entry.flags:
                entry.msgstr_plural = {0: text}
                entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
                filled += 1
        elif text and (entry.msgstr != text or "fuzzy" in entry.flags):
            entry.msgstr = text
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            filled += 1
    po.metadata.update(
        {
            "Project-Id-Version": "cum-thi-dua",
            "Language": "vi",
            "Language-Team": "Vietnamese",
            "Plural-Forms": "nplurals=1; plural=0;",
        }
    )
    po.metadata_is_fuzzy = False
    po.save()
    print(f"filled {filled} translations")
    return 0


def untranslated() -> list[str]:
    po = _catalogue()
    return [
        entry.msgid
        for entry in po
        if not entry.obsolete
        and (
            "fuzzy" in entry.flags
            or (not entry.msgid_plural and not entry.msgstr)
            or (entry.msgid_plural and not all(entry.msgstr_plural.values()))
        )
    ]


def compile_mo() -> int:
    _catalogue().save_as_mofile(str(LOCALE / "django.mo"))
    return 0


def check() -> int:
    missing = untranslated()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit({"merge": merge, "compile": compile_mo, "check": check}[command]())
