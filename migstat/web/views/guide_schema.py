"""The schema the glossary and guide files (``web/glossary/*.yaml``) are read through.

Every text is given in English and Russian, ``{en: …, ru: …}``. In such a flow mapping an
unquoted comma ends the value: ``{en: Foreign-born population, ru: Население, родившееся за
рубежом}`` reads as ``ru: Население`` plus a key ``родившееся за рубежом`` without a value,
and the page would show the text cut short. So a text is exactly its two languages, each
present and not empty, and a file that breaks this is refused with the place (file, line and
path) and what to do, instead of being shown truncated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from migstat.i18n import N_
from migstat.model import InputError, Location

TRUNCATED_ENDS = (",", ";", ":", "(", "-", "–", "—")
"""How a text cut short ends."""

Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Text(BaseModel):
    """One text in both languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: Words
    ru: Words

    @field_validator("en", "ru")
    @classmethod
    def _whole(cls, value: str) -> str:
        if value.endswith(TRUNCATED_ENDS):
            raise ValueError(f"ends with {value[-1]!r}, as if cut short")
        return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GlossaryEntry(_Strict):
    term: Text
    definition: Text


class Reading(_Strict):
    title: Text
    mistakes: list[Text] = Field(min_length=1)


class Audience(_Strict):
    id: Words
    title: Text
    text: Text


class Guide(_Strict):
    """``guide.yaml``: the glossary, how to read the data, advice by audience."""

    glossary: list[GlossaryEntry] = Field(min_length=1)
    read: Reading
    audiences: list[Audience] = Field(min_length=1)


SCHEMAS: dict[str, type[BaseModel]] = {"guide.yaml": Guide}
"""Files with a schema of their own; any other file of the folder has its texts checked."""


def load(path: Path, schema: type[BaseModel] | None = None) -> dict[str, Any]:
    """The content of a glossary or guide file, checked against ``schema`` (default: the
    file's in :data:`SCHEMAS`); :class:`InputError` naming the file, line and place of the
    first text that is missing, empty or cut short, or of the first value the schema refuses."""
    source = path.read_text(encoding="utf-8")
    content = yaml.safe_load(source)
    schema = schema or SCHEMAS.get(path.name)
    try:
        if schema is not None:
            schema.model_validate(content)
        _check_texts(content)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise _refusal(path, source, [str(p) for p in error["loc"]], error) from exc
    except _TextError as exc:
        error = exc.error.errors()[0]
        place = [*exc.place, *(str(p) for p in error["loc"])]
        raise _refusal(path, source, place, error) from exc
    return content


class _TextError(Exception):
    """A text found by :func:`_check_texts` that is not whole, and where it is."""

    def __init__(self, place: tuple[str, ...], error: ValidationError) -> None:
        super().__init__(str(error))
        self.place = place
        self.error = error


def _check_texts(node: Any) -> None:
    """Every mapping that has an ``en`` or ``ru`` key anywhere in the file is a :class:`Text`
    (the error says where: its ``place``)."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), node)]
    while stack:
        place, item = stack.pop()
        if isinstance(item, dict) and ("en" in item or "ru" in item):
            try:
                Text.model_validate(item)
            except ValidationError as exc:
                raise _TextError(place, exc) from exc
        elif isinstance(item, dict):
            stack.extend(((*place, str(k)), v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(((*place, str(i)), v) for i, v in reversed(list(enumerate(item))))


def _refusal(path: Path, source: str, place: list[str], error: Any) -> InputError:
    """The error for a person: where, what, and how to mend it."""
    if error["type"] == "extra_forbidden":
        key = place.pop()
        message = N_(
            "The guide text at {path} is cut at a comma: “{key}” is the rest of it. Write the "
            "text in full and put a text that contains a comma in quotes."
        )
    elif error["type"] == "missing":
        key = ""
        message = N_("The guide text at {path} is missing. Write it in English and in Russian.")
    elif _cut_short(error):
        key = ""
        message = N_("The guide text at {path} is empty or cut short. Write it in full.")
    else:
        key = str(error.get("msg", "")).removeprefix("Value error, ")
        message = N_("The guide file's value at {path} is not allowed: {key}.")
    return InputError(
        message,
        where=Location(file=path.name, line=_line(source, place)),
        path=".".join(place),
        key=key,
    )


def _cut_short(error: Any) -> bool:
    """Whether a schema error is a text that is empty or ends as if cut short."""
    return error["type"] in ("string_too_short", "string_type") or str(
        error.get("msg", "")
    ).startswith("Value error, ends with")


def _line(source: str, place: list[str]) -> int | None:
    """The line of ``place`` (keys and list indexes) in the YAML text, 1-based; for a key
    that is missing, the line of the mapping that lacks it."""
    node: Any = yaml.compose(source)
    for step in place:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and step.isdigit() and int(step) < len(node.value):
            found = node.value[int(step)]
        else:
            found = None
        if found is None:
            return node.start_mark.line + 1 if node is not None else None
        node = found
    return node.start_mark.line + 1
