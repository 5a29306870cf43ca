"""The small public Python API: what the command line does, callable from Python.

>>> from migstat import api
>>> api.make_template("kgz.xlsx", country="KGZ", year=2024)            # doctest: +SKIP
>>> checked = api.check_file("kgz.xlsx")                                # doctest: +SKIP
>>> with api.open_store() as store:                                     # doctest: +SKIP
...     record, checked = api.submit_file(store, "kgz.xlsx", country="KGZ")
...     result = api.query(store, "S01", countries=["KGZ"], lang="ru")

Every read of stored data goes through :class:`migstat.store.Store`, whose reads pass the
one access gate (:mod:`migstat.store.access`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from migstat.formats import output
from migstat.i18n import N_
from migstat.model import (
    Dataset,
    Finding,
    InputError,
    Registry,
    Severity,
    TableDef,
    default_registry,
)
from migstat.store import ObservationQuery, Principal, Store, SubmissionRecord
from migstat.store.store import resolve_url
from migstat.validation import validate

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class CheckedFile:
    """A file read and validated: its dataset, raw bytes and findings."""

    file_name: str
    raw: bytes
    dataset: Dataset
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]


def open_store(url: str | None = None) -> Store:
    """The store at ``url``, ``MIGSTAT_DATABASE_URL``, or ``migstat.db`` in the working folder."""
    return Store.open(url)


def store_exists(url: str | None = None) -> bool:
    """Whether the store at ``url`` (resolved as :func:`open_store` does) is already there:
    a server database is assumed to be, a SQLite file must exist."""
    resolved = resolve_url(url)
    if resolved.get_backend_name() != "sqlite" or not resolved.database:
        return True
    return Path(resolved.database).exists()


def tables(registry: Registry | None = None) -> list[TableDef]:
    return list((registry or default_registry()).tables.values())


def make_template(path: str | Path, *, country: str, year: int,
                  tables: Sequence[str] | None = None, lang: str = "both",
                  registry: Registry | None = None) -> Path:
    """Write an empty bilingual questionnaire for ``country`` and ``year``."""
    from migstat.formats.questionnaire import write_template

    reg = registry or default_registry()
    code = reg.country(country)
    ids = [reg.table(t).id for t in tables] if tables else None
    return write_template(Path(path), country=code, year=year, tables=ids, lang=lang,
                          registry=reg)


def read_file(path: str | Path, *, country: str | None = None,
              registry: Registry | None = None) -> tuple[Dataset, bytes]:
    """Read a questionnaire, long CSV or SDMX-CSV file (detected from its content)."""
    from migstat.formats.detect import read_submission

    reg = registry or default_registry()
    code = reg.country(country) if country else None
    return read_submission(Path(path), registry=reg, country=code)


def check_dataset(dataset: Dataset, *, store: Store | None = None, imported: bool = False,
                  registry: Registry | None = None) -> list[Finding]:
    """Validate a dataset; with a store, year-on-year checks compare with stored data."""
    return validate(dataset, registry=registry or default_registry(), history=store,
                    imported=imported)


def check_file(path: str | Path, *, country: str | None = None, store: Store | None = None,
               registry: Registry | None = None) -> CheckedFile:
    dataset, raw = read_file(path, country=country, registry=registry)
    findings = check_dataset(dataset, store=store, registry=registry)
    return CheckedFile(Path(path).name, raw, dataset, findings)


def submit_file(store: Store, path: str | Path, *, country: str, submitted_by: str = "cli",
                note: str | None = None, progress: Progress | None = None,
                registry: Registry | None = None) -> tuple[SubmissionRecord, CheckedFile]:
    """Read, validate and store a national submission (one transaction)."""
    checked = check_file(path, country=country, store=store, registry=registry)
    record = store.submit(checked.dataset, checked.raw, findings=checked.findings,
                          submitted_by=submitted_by, note=note, progress=progress)
    return record, checked


def submit_dataset(store: Store, dataset: Dataset, raw: bytes, *, imported: bool = True,
                   submitted_by: str = "import", note: str | None = None,
                   progress: Progress | None = None,
                   registry: Registry | None = None) -> tuple[SubmissionRecord, list[Finding]]:
    """Validate and store a dataset read by an importer (published data are kept as published;
    their arithmetic findings are warnings)."""
    findings = check_dataset(dataset, store=store, imported=imported, registry=registry)
    record = store.submit(dataset, raw, findings=findings, submitted_by=submitted_by,
                          note=note, progress=progress)
    return record, findings


@dataclass(slots=True)
class QueryResult:
    table: TableDef
    columns: list[str]
    rows: list[dict[str, Any]]
    lang: str
    as_of: datetime | None = None

    def to_csv(self) -> str:
        return output.write_csv(self.rows, self.columns)

    def to_json(self) -> str:
        meta = {"as_of": self.as_of.isoformat() if self.as_of else None}
        return output.write_json(self.rows, self.table, self.lang, meta)

    def to_xlsx(self, path: Path) -> None:
        meta = {"as_of": self.as_of.isoformat() if self.as_of else "latest"}
        output.write_xlsx(path, self.rows, self.columns, self.table, self.lang, meta)


def parse_as_of(text: str | None) -> datetime | None:
    """``YYYY-MM-DD`` means the state at the end of that day (UTC); a full ISO time is exact."""
    if not text:
        return None
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), time.max, tzinfo=UTC)
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(N_("Cannot read the date {value}: write it as YYYY-MM-DD or "
                            "YYYY-MM-DDTHH:MM:SS."), value=text) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def query(store: Store, table: str, *, countries: Sequence[str] | None = None,
          partners: Sequence[str] | None = None, start: int | None = None,
          end: int | None = None, as_of: datetime | None = None,
          providers: Sequence[str] | None = None, filters: dict[str, list[str]] | None = None,
          lang: str = "en", principal: Principal | None = None,
          registry: Registry | None = None) -> QueryResult:
    """Tidy rows of the latest accepted values (or the state at ``as_of``)."""
    reg = registry or default_registry()
    tdef = reg.table(table)
    areas = [_area(reg, c) for c in countries] if countries else None
    parts = [_area(reg, p) for p in partners] if partners else None
    q = ObservationQuery(table=tdef.id, ref_areas=areas, partners=parts, time_from=start,
                         time_to=end, providers=[p.upper() for p in providers] if providers
                         else None, filters=filters)
    rows = output.label_rows(store.read(q, as_of=as_of, principal=principal), tdef, reg, lang)
    return QueryResult(tdef, output.columns(tdef), rows, lang, as_of)


def _area(reg: Registry, code: str) -> str:
    resolved = reg.areas.resolve(code)
    if resolved is None:
        raise InputError(N_("Unknown country or area {code}: give an ISO 3166 alpha-3 code "
                            "such as KGZ."), code=code)
    return resolved
