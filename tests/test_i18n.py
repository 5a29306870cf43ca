"""Every message meant for people has a Russian translation with the same parameters."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from migstat.i18n import LOCALE_DIR, gettext_, resolve_language

PACKAGE = Path(__file__).resolve().parents[1] / "migstat"
KEYWORDS = {"N_": None, "gettext_": None, "_": None}
PARAM = re.compile(r"\{(\w+)[^}]*\}")


def _messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
    ):
        if isinstance(message, tuple):
            message = message[0]
        if message:
            found.setdefault(message, f"{filename}:{lineno}")
    return found


def _russian() -> dict[str, str]:
    out: dict[str, str] = {}
    for po in sorted((LOCALE_DIR / "ru" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="ru"):
                if message.id and message.string and not message.fuzzy:
                    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
                    text = message.string
                    out[msgid] = text[0] if isinstance(text, tuple) else text
    return out


def test_every_message_has_a_russian_translation() -> None:
    russian = _russian()
    missing = {m: where for m, where in _messages().items() if m not in russian}
    assert not missing, "untranslated messages:\n" + "\n".join(
        f"{where}: {m!r}" for m, where in sorted(missing.items(), key=lambda x: x[1])
    )


def test_translations_keep_the_parameters() -> None:
    for msgid, text in _russian().items():
        assert set(PARAM.findall(msgid)) == set(PARAM.findall(text)), (msgid, text)


def test_language_resolution(monkeypatch) -> None:
    monkeypatch.delenv("MIGSTAT_LANG", raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert resolve_language(None) == "ru"
    monkeypatch.setenv("MIGSTAT_LANG", "en")
    assert resolve_language(None) == "en"
    assert resolve_language("ru") == "ru"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    monkeypatch.delenv("MIGSTAT_LANG")
    assert resolve_language(None) == "en"


def test_russian_message_is_rendered_with_parameters() -> None:
    text = gettext_("Unknown table {table}. Known tables: {known}.", "ru", table="X9", known="S01")
    assert "X9" in text and "S01" in text and "таблица" in text.lower()


def test_every_message_of_click_has_a_russian_translation() -> None:
    """Click's own messages (usage errors, "[required]") are shown through the catalogs
    (``migstat/cli/helptext.py``): a click that adds one is noticed here."""
    import click

    russian = _russian()
    folder = Path(click.__file__).parent
    missing = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(folder),
        method_map=[("**.py", "python")],
        keywords={"_": None, "ngettext": (1, 2)},
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid and msgid not in russian and not filename.startswith("_"):
            missing.append(f"{filename}:{lineno}: {msgid!r}")
    assert not missing, "click messages without Russian:\n" + "\n".join(missing)
