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
from migstat.formats.limits import check_file as check_file_size
from migstat.formats.submeta import FIELDS as META_FIELDS
from migstat.formats.submeta import columns_for, metadata_facts
from migstat.i18n import N_
from migstat.importing import ImportResult as ImportResult  # the import: a stream
from migstat.importing import import_file as import_file
from migstat.mapping.apply import apply_mappings
from migstat.mapping.model import (
    ANY,
    Mapping,
    MappingEntry,
    read_mappings_csv,
    write_mappings_csv,
)
from migstat.mapping.stored import (
    get_mapping,
    latest_mappings,
    list_mappings,
    record_use,
    used_by,
)
from migstat.mapping.stored import save_mapping as save_version
from migstat.model import (
    Dataset,
    Finding,
    InputError,
    Registry,
    Severity,
    TableDef,
    default_registry,
)
from migstat.sources import SOURCES
from migstat.sources.tabular import category_key
from migstat.store import ObservationQuery, Principal, Store, SubmissionRecord
from migstat.store.access import PUBLISHED
from migstat.store.rawfiles import RawFile
from migstat.store.store import resolve_url
from migstat.submitting import Submission as Submission  # a submission as a stream
from migstat.validation import validate

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class CheckedFile:
    """A file read and validated: its dataset (a CSV file's first
    :data:`~migstat.submitting.KEPT` observations; ``observations`` counts them all), what is
    stored as received (a workbook's bytes, or a CSV file on disk to be read in pieces) and
    its findings."""

    file_name: str
    raw: bytes | RawFile
    dataset: Dataset
    findings: list[Finding] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)
    """The classification mapping versions the numbers went through (:mod:`migstat.mapping`)."""
    observations: int = 0
    """Observations read (all of them, not only those kept in ``dataset``)."""
    tables: list[str] = field(default_factory=list)
    """The tables with observations."""

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


def make_template(
    path: str | Path,
    *,
    country: str,
    year: int,
    tables: Sequence[str] | None = None,
    lang: str = "both",
    registry: Registry | None = None,
) -> Path:
    """Write an empty bilingual questionnaire for ``country`` and ``year``."""
    from migstat.formats.questionnaire import write_template

    reg = registry or default_registry()
    code = reg.country(country)
    ids = [reg.table(t).id for t in tables] if tables else None
    return write_template(Path(path), country=code, year=year, tables=ids, lang=lang, registry=reg)


def read_file(
    path: str | Path,
    *,
    country: str | None = None,
    registry: Registry | None = None,
    metadata_file: str | Path | None = None,
    meta: Sequence[str] = (),
) -> tuple[Dataset, bytes]:
    """Read a questionnaire, long CSV or SDMX-CSV file (detected from its content). A CSV
    file's metadata come from its sidecar (``metadata_file``, default
    ``<file>.metadata.json``), its metadata columns and ``meta`` (``FIELD=VALUE`` or
    ``TABLE.FIELD=VALUE``), as :mod:`migstat.formats.submeta` documents."""
    from migstat.formats.detect import read_submission
    from migstat.formats.submeta import parse_options

    reg = registry or default_registry()
    code = reg.country(country) if country else None
    return read_submission(
        Path(path),
        registry=reg,
        country=code,
        metadata_file=metadata_file,
        metadata=parse_options(meta) if meta else None,
    )


def check_dataset(
    dataset: Dataset,
    *,
    store: Store | None = None,
    imported: bool = False,
    registry: Registry | None = None,
) -> list[Finding]:
    """Validate a dataset; with a store, year-on-year checks compare with stored data."""
    return validate(
        dataset, registry=registry or default_registry(), history=store, imported=imported
    )


def check_file(
    path: str | Path,
    *,
    country: str | None = None,
    store: Store | None = None,
    registry: Registry | None = None,
    metadata_file: str | Path | None = None,
    meta: Sequence[str] = (),
) -> CheckedFile:
    """Read and validate a submitted file a chunk at a time (:mod:`migstat.submitting`):
    with a store, through its classification mappings and with year-on-year checks."""
    with _submission(path, country, store, registry, metadata_file, meta) as sub:
        findings = sub.check()
        return _checked(path, sub, findings)


def _submission(
    path: str | Path,
    country: str | None,
    store: Store | None,
    registry: Registry | None,
    metadata_file: str | Path | None,
    meta: Sequence[str],
) -> Submission:
    from migstat.formats.submeta import parse_options

    reg = registry or default_registry()
    return Submission(
        path,
        store=store,
        registry=reg,
        country=reg.country(country) if country else None,
        metadata_file=metadata_file,
        metadata=parse_options(meta) if meta else None,
    )


def _checked(path: str | Path, sub: Submission, findings: list[Finding]) -> CheckedFile:
    return CheckedFile(
        Path(path).name,
        sub.raw_file(),
        sub.dataset,
        findings,
        sub.mappings,
        observations=sum(s.observations for s in sub.summary.values()),
        tables=sorted(t for t, s in sub.summary.items() if s.observations),
    )


def submit_file(
    store: Store,
    path: str | Path,
    *,
    country: str,
    submitted_by: str = "cli",
    note: str | None = None,
    progress: Progress | None = None,
    registry: Registry | None = None,
    release: str | None = PUBLISHED,
    metadata_file: str | Path | None = None,
    meta: Sequence[str] = (),
) -> tuple[SubmissionRecord, CheckedFile]:
    """Read, validate and store a national submission a chunk at a time, in one
    transaction; once accepted it starts in the release state ``release`` (``None``:
    internal)."""
    with _submission(path, country, store, registry, metadata_file, meta) as sub:
        record = sub.submit(
            store, submitted_by=submitted_by, note=note, progress=progress, release=release
        )
        checked = _checked(path, sub, sub.findings())
    if checked.mappings:
        record_use(store, record.id, checked.mappings)
    return record, checked


def submit_dataset(
    store: Store,
    dataset: Dataset,
    raw: bytes,
    *,
    imported: bool = True,
    submitted_by: str = "import",
    note: str | None = None,
    progress: Progress | None = None,
    registry: Registry | None = None,
) -> tuple[SubmissionRecord, list[Finding]]:
    """Validate and store a dataset read by an importer (published data are kept as published;
    their arithmetic findings are warnings)."""
    findings = check_dataset(dataset, store=store, imported=imported, registry=registry)
    record = store.submit(
        dataset, raw, findings=findings, submitted_by=submitted_by, note=note, progress=progress
    )
    return record, findings


@dataclass(slots=True)
class QueryResult:
    table: TableDef
    columns: list[str]
    rows: list[dict[str, Any]]
    lang: str
    as_of: datetime | None = None
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The table metadata of each data provider in the rows (their latest submission's)."""

    def to_csv(self, *, excel: bool = False) -> str:
        """The rows as CSV; ``excel``: with a BOM and ``;`` between fields, as a Russian (or
        other European) Excel opens a CSV file by double-click."""
        text = output.write_csv(self.rows, self.columns, separator=";" if excel else ",")
        return "\ufeff" + text if excel else text

    def to_json(self) -> str:
        meta = {"as_of": self.as_of.isoformat() if self.as_of else None}
        return output.write_json(self.rows, self.table, self.lang, meta)

    def to_xlsx(self, path: Path) -> None:
        meta: dict[str, Any] = {"as_of": self.as_of.isoformat() if self.as_of else "latest"}
        meta.update(metadata_facts(self.metadata, self.lang))
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
        raise InputError(
            N_("Cannot read the date {value}: write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS."),
            value=text,
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def query(
    store: Store,
    table: str,
    *,
    countries: Sequence[str] | None = None,
    partners: Sequence[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    as_of: datetime | None = None,
    providers: Sequence[str] | None = None,
    filters: dict[str, list[str]] | None = None,
    lang: str = "en",
    principal: Principal | None = None,
    registry: Registry | None = None,
) -> QueryResult:
    """Tidy rows of the latest accepted values (or the state at ``as_of``)."""
    reg = registry or default_registry()
    tdef = reg.table(table)
    areas = [_area(reg, c) for c in countries] if countries else None
    parts = [_area(reg, p) for p in partners] if partners else None
    q = ObservationQuery(
        table=tdef.id,
        ref_areas=areas,
        partners=parts,
        time_from=start,
        time_to=end,
        providers=[p.upper() for p in providers] if providers else None,
        filters=filters,
    )
    rows = output.label_rows(store.read(q, as_of=as_of, principal=principal), tdef, reg, lang)
    cols = output.columns(tdef)
    metas = _with_metadata(store, rows, tdef.id, principal)
    extra = columns_for(metas.values())
    at = cols.index("COMMENT") + 1
    cols[at:at] = extra
    return QueryResult(tdef, cols, rows, lang, as_of, metadata=metas)


def _with_metadata(
    store: Store, rows: list[dict[str, Any]], table: str, principal: Principal | None
) -> dict[str, dict[str, Any]]:
    """Put each row's table metadata (as its submission stated them) in the row's metadata
    columns, so that an export can be corrected and submitted back with its metadata; return
    the metadata by provider (the last submission's, for the XLSX metadata sheet)."""
    ids = sorted({r["SUBMISSION"] for r in rows if r.get("SUBMISSION") is not None})
    stored = store.tables_metadata(ids, principal=principal) if ids else {}
    by_provider: dict[str, dict[str, Any]] = {}
    for row in rows:
        meta = stored.get(row.get("SUBMISSION"), {}).get(table) or {}
        for name, value in meta.items():
            if name in META_FIELDS:
                row[name.upper()] = value
        if meta:
            by_provider[row["DATA_PROVIDER"]] = {k: v for k, v in meta.items() if k in META_FIELDS}
    return by_provider


def _area(reg: Registry, code: str) -> str:
    resolved = reg.areas.resolve(code)
    if resolved is None:
        raise InputError(
            N_("Unknown country or area {code}: give an ISO 3166 alpha-3 code such as KGZ."),
            code=code,
        )
    return resolved


# -- imports of published data; classification mappings -------------------------------------
# (``migstat import`` and ``migstat mapping``; the portal's mapping editor calls the same)


def import_sources() -> list[str]:
    """The names ``--source`` of ``migstat import`` accepts."""
    return sorted(SOURCES)


def map_categories(
    store: Store | None,
    dataset: Dataset,
    *,
    source: str | None = None,
    drop_unmapped: bool = False,
    registry: Registry | None = None,
) -> list[Mapping]:
    """Map national categories in ``dataset`` through the store's latest mappings for its
    source; return the mapping versions used. Without ``drop_unmapped`` (a national
    submission) codes no mapping covers are left for validation to report at their cells."""
    src = source or dataset.format
    found = latest_mappings(store, source=src) if store is not None else []
    if not found and not drop_unmapped:
        return []
    report = apply_mappings(
        dataset,
        found,
        registry=registry or default_registry(),
        source=src,
        drop_unmapped=drop_unmapped,
    )
    return report.mappings


def mappings(
    store: Store,
    *,
    country: str | None = None,
    source: str | None = None,
    codelist: str | None = None,
    all_versions: bool = False,
    entries: bool = False,
) -> list[Mapping]:
    """The classification mappings in the store (latest versions unless ``all_versions``)."""
    return list_mappings(
        store,
        country=_mapping_country(country) if country else None,
        source=source.lower() if source else None,
        codelist=codelist.upper() if codelist else None,
        all_versions=all_versions,
        entries=entries,
    )


def mapping(
    store: Store, country: str, codelist: str, *, source: str = "*", version: int | None = None
) -> Mapping:
    """One mapping version (default the latest) with its entries."""
    return get_mapping(
        store, _mapping_country(country), codelist.upper(), source=source.lower(), version=version
    )


def save_mapping(
    store: Store,
    new: Mapping,
    *,
    created_by: str = "cli",
    note: str | None = None,
    registry: Registry | None = None,
) -> Mapping:
    """Check a whole mapping (a :class:`migstat.mapping.model.Mapping`) and store it as the
    next version of its country, source and code list (what the portal's editor saves)."""
    new.check(registry or default_registry())
    return save_version(store, new, created_by=created_by, note=note)


def set_mapping(
    store: Store,
    country: str,
    codelist: str,
    national: str,
    targets: dict[str, float],
    *,
    source: str = "*",
    label: str | None = None,
    created_by: str = "cli",
    note: str | None = None,
    registry: Registry | None = None,
) -> Mapping:
    """A new version of a mapping in which ``national`` maps to ``targets`` (code -> share);
    the other categories are carried over from the latest version."""
    reg = registry or default_registry()
    code = _mapping_country(country)
    cl = codelist.upper()
    src = source.lower()
    latest = list_mappings(store, country=code, source=src, codelist=cl, entries=True)
    key = category_key(national)
    entries = [
        e
        for e in (latest[-1].entries if latest else [])
        if key not in (category_key(e.national_code), category_key(e.national_label or ""))
    ]
    codes = reg.codelists.get(cl)
    for target, share in targets.items():
        resolved = (codes.resolve(target) if codes else None) or target
        entries.append(MappingEntry(national, resolved, share, label))
    return save_mapping(
        store, Mapping(code, src, cl, entries), created_by=created_by, note=note, registry=reg
    )


def import_mappings(
    store: Store,
    path: str | Path,
    *,
    created_by: str = "cli",
    note: str | None = None,
    country: str | None = None,
    source: str | None = None,
    registry: Registry | None = None,
) -> list[Mapping]:
    """Store every mapping of a CSV file (:mod:`migstat.mapping.model`) as a new version."""
    reg = registry or default_registry()
    path = Path(path)
    if not path.is_file():
        raise InputError(N_("File not found: {path}"), path=str(path))
    check_file_size(path)
    found = read_mappings_csv(
        path, file_name=path.name, registry=reg, country=country, source=source
    )
    return [save_version(store, m, created_by=created_by, note=note) for m in found]


def export_mappings(store: Store, *, country: str | None = None, source: str | None = None) -> str:
    """The latest mappings as CSV (the form :func:`import_mappings` reads)."""
    return write_mappings_csv(mappings(store, country=country, source=source, entries=True))


def mappings_used(store: Store, submission_id: int) -> list[Mapping]:
    """The mapping versions a stored submission's numbers went through."""
    return used_by(store, submission_id)


def _mapping_country(code: str) -> str:
    return ANY if code.strip() == ANY else default_registry().country(code)
