"""``--help`` in the user's language: every command's and option's help text goes through the
catalogs before click shows it.

Click's help texts are plain strings (the commands' docstrings and ``help=``); their Russian is
in ``migstat/locale/ru/LC_MESSAGES/cli_help.po``, keyed by the English text as click holds it.
:func:`localise` runs before the command line is parsed, in the language that ``--lang``
(anywhere on the line), ``MIGSTAT_LANG`` or the locale names; a text without a translation
stays in English. The English texts are kept, so a later run in English shows English.

Click's own messages (a missing option, an unknown command, a value not among the choices,
"[required]") are looked up by click through the standard ``gettext`` functions it imports
into each of its modules; :func:`localise` points those names at the catalogs, whose
``click.po`` holds their Russian, so a usage error reads in the user's language too.
"""

from __future__ import annotations

import gettext
import importlib
from collections.abc import Callable, Iterator
from typing import Any

import click

from migstat.i18n import gettext_, resolve_language, translations

CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "shell_completion",
    "termui",
    "types",
    "utils",
)
"""Click's modules that translate their messages (each imports ``gettext``'s functions)."""


def _walk(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _walk(sub)


def _set(thing: Any, attr: str, lang: str) -> None:
    key = f"_english_{attr}"
    english = thing.__dict__.get(key) if hasattr(thing, "__dict__") else None
    if english is None:
        english = getattr(thing, attr, None)
        if not english:
            return
        setattr(thing, key, english)
    setattr(thing, attr, gettext_(english, lang))


class _Formatter(click.HelpFormatter):
    """Click's own words (``Usage:``, ``Options``, ``Commands``, the help option's text)
    through the catalogs too."""

    lang = "en"

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = gettext_("Usage:", self.lang) + " "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(gettext_(heading, self.lang))

    def write_dl(self, rows: Any, *args: Any, **kwargs: Any) -> None:
        shown = [(term, gettext_(text, self.lang) if text else text) for term, text in rows]
        super().write_dl(shown, *args, **kwargs)


def _click_speaks(lang: str) -> None:
    """Click's messages in ``lang``: its modules' ``_`` and ``ngettext`` read the catalogs."""
    found = translations(resolve_language(lang))
    words: Callable[[str], str] = found.gettext
    plural: Callable[[str, str, int], str] = found.ngettext
    if lang == "en":
        words, plural = gettext.gettext, gettext.ngettext
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = words  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = plural  # type: ignore[attr-defined]


def localise(root: click.Command, lang: str) -> None:
    """Put the help texts of ``root`` and every command under it, and click's own messages,
    into ``lang``."""
    click.Context.formatter_class = type("LocalisedFormatter", (_Formatter,), {"lang": lang})
    _click_speaks(lang)
    for command in _walk(root):
        command._help_option = None  # click makes it once, in the language of the moment
        _set(command, "help", lang)
        _set(command, "short_help", lang)
        for param in command.params:
            _set(param, "help", lang)


def help_texts(root: click.Command) -> list[str]:
    """Every help text under ``root`` in English (to keep the catalog complete)."""
    localise(root, "en")
    out: list[str] = []
    for command in _walk(root):
        out += [t for t in (command.help, command.short_help) if t]
        out += [p.help for p in command.params if getattr(p, "help", None)]  # type: ignore[attr-defined]
    return list(dict.fromkeys(out))
