"""Country names as publishers write them, matched to AREA codes by normalisation, never guessed.

The AREA code list holds each country's codes, its English and Russian names and the
publishers' spellings curated in ``migstat/definitions/codelists/AREA.yaml``. A name that is
not one of those verbatim is reduced to a *key* and looked up among the keys of all of them:

* letter case, Latin diacritics (NFKD: "Réunion" is "reunion"; Cyrillic "й" stays, "ё" is
  "е"), punctuation and spacing; a leading "the"; "&" for "and", "St." for "Saint";
* a footnote mark ("Aruba*"), a code in brackets ("Réunion (FR)"), a bracketed parent country
  ("Guadeloupe (France)"), a bracketed date ("Kosovo (from 2014)");
* an inversion ("Gambia, The", "Korea, Republic of", "Congo (Democratic Republic of the)");
* an "including …", "excluding …" or "except …" clause; the word "former" ("USSR (former)");
* Russian case forms ("Кыргызстана", "в Кыргызстане", "из Узбекистана", "Российской
  Федерации"): prepositions are dropped and every Cyrillic word is read as written and
  without each inflectional ending of :data:`RU_ENDINGS` that leaves a stem of at least three
  letters, on the names and on the text alike ("Китай" and "в Китае" share "кита"). The rule
  is tested on every country of the region.

A key that two codes share (a stem of "Нигер" and of "Нигерия") matches neither, and a name
whose keys reach two codes matches none: nothing is guessed. What stays unmatched gets the
closest candidates (:meth:`NameIndex.suggest`) for the finding that reports it.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import get_close_matches
from itertools import islice, product

from migstat.model.codelists import CodeList

RU_ENDINGS = tuple(
    sorted(
        [
            "иями",
            "ями",
            "ами",
            "ией",
            "ого",
            "его",
            "ому",
            "ему",
            "ыми",
            "ими",
            "ая",
            "яя",
            "ое",
            "ее",
            "ую",
            "юю",
            "ой",
            "ей",
            "ий",
            "ый",
            "ые",
            "ие",
            "ых",
            "их",
            "ым",
            "им",
            "ом",
            "ем",
            "ам",
            "ям",
            "ах",
            "ях",
            "ия",
            "ии",
            "ию",
            "ья",
            "ьи",
            "ью",
            "ов",
            "ев",
            "а",
            "я",
            "ы",
            "и",
            "е",
            "у",
            "ю",
            "о",
            "ь",
            "й",
        ],
        key=len,
        reverse=True,
    )
)
"""Russian inflectional endings stripped from each Cyrillic word of a key (longest first)."""
RU_MIN_STEM = 3
MAX_KEYS = 256
PREPOSITIONS = frozenset(
    ["в", "во", "из", "изо", "на", "с", "со", "от", "до", "для", "по", "к", "ко", "о", "об"]
)
"""Russian prepositions before a country name ("в Кыргызстане", "из Узбекистана")."""
FORMER = frozenset(
    [
        "former",
        "formerly",
        "ancienne",
        "ancien",
        "бывший",
        "бывшая",
        "бывшее",
        "бывшего",
        "бывшей",
        "бывш",
    ]
)
NAMED_KINDS = frozenset({"country", "historical", "residual"})
"""Codes whose labels are names to match; an aggregate matches only by its aliases."""
_ARTICLE = frozenset({"the"})
_WORDS = {
    "st": "saint",
    "ste": "sainte",
    "&": "and",
    "rep": "republic",
    "dem": "democratic",
    "fed": "federated",
    "is": "islands",
}

_BRACKET = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_CLAUSE = re.compile(
    r"[\s,;(]*\b(?:including|incl\.?|excluding|excl\.?|except|включая|без)\b.*$",
    re.IGNORECASE,
)
_CODE = re.compile(r"^[A-Z]{2,3}$")
_TEMPORAL = re.compile(r"\d|\b(?:from|until|since|before|after|former|с|до)\b", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^\w&]+")
_FOOTNOTE = re.compile(r"[*\u2020\u2021\d]+$")


def _fold_char(char: str) -> str:
    """Latin letters lose their diacritics; Cyrillic keeps "й" (only "ё" becomes "е")."""
    if char in "ёЁ":
        return "е"
    if "\u0400" <= char <= "\u04ff":
        return char
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


def _stems(word: str) -> list[str]:
    """The readings of one word: a Cyrillic word as written and without each ending of
    :data:`RU_ENDINGS` that leaves a stem of :data:`RU_MIN_STEM` letters (longest first)."""
    if not any("\u0400" <= c <= "\u04ff" for c in word):
        return [word]
    found = [
        word[: -len(ending)]
        for ending in RU_ENDINGS
        if word.endswith(ending) and len(word) - len(ending) >= RU_MIN_STEM
    ]
    return [*dict.fromkeys([*found, word])]


def _words(text: str) -> list[str]:
    folded = "".join(_fold_char(c) for c in unicodedata.normalize("NFC", text).casefold())
    words = [_WORDS.get(w, w) for w in _NOT_WORD.sub(" ", folded.replace("'", "")).split()]
    while words and (words[0] in _ARTICLE or words[0] in PREPOSITIONS):
        words = words[1:]
    return [w for w in words if w not in PREPOSITIONS]


def name_key(text: str) -> str:
    """The main key of a name: folded, unpunctuated, articles and prepositions dropped, each
    Russian word without its longest ending (see the module's docstring)."""
    return " ".join(_stems(w)[0] for w in _words(text))


def name_keys(text: str) -> list[str]:
    """Every key of a name: each Russian word with each of its endings stripped or none
    ("Китай" and "Китая" share "китай"), at most :data:`MAX_KEYS`."""
    return [" ".join(k) for k in islice(product(*map(_stems, _words(text))), MAX_KEYS)]


def _invert(text: str) -> str | None:
    """ "Gambia, The" -> "The Gambia"; "Korea, Republic of" -> "Republic of Korea"."""
    head, sep, tail = text.partition(",")
    if not sep or "," in tail or not tail.strip():
        return None
    return f"{tail.strip()} {head.strip()}"


def _bracket_first(text: str) -> str | None:
    """ "Иран (Исламская Республика)" -> "Исламская Республика Иран"."""
    groups = _BRACKET.findall(text)
    if len(groups) != 1 or not text.rstrip().endswith((")", "]")):
        return None
    return f"{groups[0].strip()} {_BRACKET.sub('', text).strip()}"


class NameIndex:
    """The keys of every code's names and aliases, for one AREA code list."""

    def __init__(self, areas: CodeList) -> None:
        self.areas = areas
        self.keys: dict[str, str] = {}
        self.ambiguous: dict[str, set[str]] = {}
        for code in areas:
            texts = {code.id, *code.aliases}
            if code.attributes.get("kind") in NAMED_KINDS:  # "Asia" names no country
                texts.update(code.name.values())
            for text in texts:
                for variant in filter(None, (text, _invert(text), _bracket_first(text))):
                    for key in name_keys(variant):
                        self._add(key, code.id)

    def _add(self, key: str, code: str) -> None:
        if not key:
            return
        if key in self.ambiguous:
            self.ambiguous[key].add(code)
            return
        owner = self.keys.setdefault(key, code)
        if owner != code:
            self.ambiguous[key] = {owner, code}
            del self.keys[key]

    def lookup(self, text: str) -> str | None:
        """The one code that a key of ``text`` belongs to, or ``None``.

        Keys shared by several codes are passed over; when the keys that remain point to
        more than one code, or none, nothing is matched."""
        codes = {self.keys[k] for k in name_keys(text) if k in self.keys}
        return codes.pop() if len(codes) == 1 else None

    def resolve(self, text: str) -> str | None:
        """The code for a publisher's name, trying its variants in turn (see :meth:`lookup`);
        ``None`` when none matches."""
        for variant in self.variants(text):
            code = self.lookup(variant)
            if code is not None:
                return code
        return None

    def variants(self, text: str) -> list[str]:
        """The readings of ``text``: as written, without a clause, brackets or "former",
        and each of those inverted."""
        text = _FOOTNOTE.sub("", text.strip()).strip()
        bases = [text]
        bare = _CLAUSE.sub("", text).strip(" ,;")
        if bare and bare != text:
            bases.append(bare)
        for base in list(bases):
            unbracketed = self._unbracket(base)
            if unbracketed and unbracketed not in bases:
                bases.append(unbracketed)
        for base in list(bases):
            words = [w for w in base.split() if w.casefold().strip(",()") not in FORMER]
            unformer = " ".join(words).strip(" ,")
            if unformer and unformer not in bases:
                bases.append(unformer)
        out: list[str] = []
        for base in bases:
            out.append(base)
            inverted = _invert(base)
            if inverted:
                out.append(inverted)
        return out

    def _unbracket(self, text: str) -> str | None:
        """``text`` with its brackets removed when each holds a code ("FR"), a date or a
        parent country, or turned into an inversion ("Congo (Democratic Republic of the)")
        when the bracket is the first part of the name."""
        groups = _BRACKET.findall(text)
        if not groups:
            return None
        outside = _BRACKET.sub("", text).strip()
        if all(self._qualifier(g) for g in groups):
            return outside
        return _bracket_first(text)

    def _qualifier(self, content: str) -> bool:
        content = content.strip()
        if not content or _CODE.match(content) or _TEMPORAL.search(content):
            return True
        if re.match(r"^(?:french|dutch|british|us|uk)\s+part$", content, re.IGNORECASE):
            return False
        code = self.lookup(content)
        return code is not None and self.areas[code].attributes.get("kind") == "country"

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """The codes whose names come closest to ``text`` (difflib ratio 0.6 or more)."""
        seen: list[str] = []
        keys = [*self.keys, *self.ambiguous]
        for variant in self.variants(text):
            for key in get_close_matches(name_key(variant), keys, n=limit * 2, cutoff=0.6):
                for code in sorted(self.ambiguous.get(key, ())) or [self.keys[key]]:
                    if code not in seen:
                        seen.append(code)
        return seen[:limit]


_INDEXES: dict[int, tuple[CodeList, NameIndex]] = {}


def index_for(areas: CodeList) -> NameIndex:
    """The (cached) name index of a code list."""
    found = _INDEXES.get(id(areas))
    if found is None or found[0] is not areas:
        found = _INDEXES[id(areas)] = (areas, NameIndex(areas))
    return found[1]


def describe_candidates(areas: CodeList, codes: list[str]) -> str:
    """``GMB Gambia / Гамбия; ZMB Zambia / Замбия`` for a message in either language."""
    return "; ".join(f"{c} {areas.label(c, 'en')} / {areas.label(c, 'ru')}" for c in codes)
