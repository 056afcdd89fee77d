"""Check a read workbook against the schema and the store's records; produce issues and normalised rows.

Pure: a `RawWorkbook` (plain data from `read`), the schema and a `Reference` (the registry entry and the
records the workbook was cut from) in; `Checked` out. Sheets are found by their metadata, columns by
their headers, rows by their ids; every issue names its sheet, cell, field and record."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from workbook.core.messages import ISSUE_MESSAGES, Both, both, said, t
from workbook.returns.alignment import SheetRow, find_displacement, spans
from workbook.template.approx import approx_marks, mark, number_format
from workbook.template.cross_rules import CROSS_RULES
from workbook.template.field_types import display_value, field_type, make_converter, type_words
from workbook.template.model import Field, Schema, Sheet, fold
from workbook.template.normalize import Normalized, Note, as_typed, plain_number
from workbook.template.sources import is_source, shows_source, source_label
from workbook.xlsx.digest import row_digest
from workbook.xlsx.layout import IDENTITY_KEYS, PROPERTY_PREFIX, column_letter, defined_name, last_row_of
from workbook.xlsx.read import FormulaError, RawSheet, RawWorkbook


@dataclass
class Issue:
    """One problem, shaped like a pydantic error record: where, what kind, the input, and the parameters of its
    message (`ctx`). The message is rendered from the catalogue when it is output, in the language asked for
    (by default the one the command speaks)."""

    severity: str
    code: str
    sheet: str | None
    cell: str | None
    field: str | None
    record: str | None
    value: Any
    ctx: dict[str, Any] = field(default_factory=dict)  # the parameters of the message, as pydantic keeps them
    lang: str = "zh"

    @classmethod
    def of(cls, code: str, lang: str, *, sheet: str | None = None, cell: str | None = None,
           field: str | None = None, record: str | None = None, value: Any = None, **params: Any) -> Issue:
        """An issue of the catalogue (`messages.ISSUE_MESSAGES`), which gives its severity and its message."""
        return cls(ISSUE_MESSAGES[code]["severity"], code, sheet, cell, field, record, value, params, lang)

    def render(self, lang: str) -> str:
        return t(self.code, lang, record=self.record, **self.ctx)

    @property
    def message(self) -> str:
        return self.render(self.lang)

    def to_json(self, lang: str | None = None) -> dict:
        lang = lang or self.lang
        return {"severity": self.severity, "code": self.code, "sheet": self.sheet, "cell": self.cell,
                "field": self.field, "record": self.record, "value": _jsonable(self.value),
                "message": self.render(lang), "ctx": {k: _jsonable(said(v, lang)) for k, v in self.ctx.items()}}


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return str(v)


@dataclass(slots=True)
class Row:
    """One data row, normalised: what the workbook says about one record."""

    kind: str
    entity: str
    region: str
    sheet: str
    row: int
    record: str | None
    values: dict[str, Any]
    cells: Any  # CellRefs: field key -> "B7"
    delete: bool = False
    approx: dict[str, dict | None] | None = None  # field -> its approximation as typed: {"kind", "high"}; None
    # for a figure typed as text with no qualifier ('1100): exact, said so, where a number cell could not say it
    valid: bool = True
    unchanged: bool = False  # what the workbook was cut with: values dropped, nothing to merge


@dataclass
class Identity:
    workbook_id: str
    revision: int | None
    schema_version: str | None
    regions: list[str]
    lang: str | None
    issues: list[tuple[str, dict]] = field(default_factory=list)  # (code, params)


@dataclass
class Reference:
    """What the store knows: the registry entry of the workbook, base (at its revision) and ours (now)."""

    issued: dict
    base: dict[str, dict[str, dict]]
    ours: dict[str, dict[str, dict]]
    issued_rows: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # row fingerprints


@dataclass
class Checked:
    identity: Identity
    issues: list[Issue]
    rows: list[Row]
    sheets: list[tuple[str, str, str]]  # (title, kind, region)
    columns: dict[str, set[str]] = field(default_factory=dict)  # sheet title -> field keys present
    letters: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet title -> field key -> column letter
    origins: dict[str, dict[str, str]] = field(default_factory=dict)  # mapped forward: title -> new key -> old key

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")


def identity(raw: RawWorkbook) -> Identity | None:
    """The workbook's identity from its two hidden copies; None when neither is there (not ours)."""
    props = {k[len(PROPERTY_PREFIX):]: str(v) for k, v in raw.props.items() if k.startswith(PROPERTY_PREFIX)}
    meta = raw.meta
    if not props.get("workbook_id") and not meta.get("workbook_id"):
        return None
    notes: list[tuple[str, str, dict]] = []
    if not props.get("workbook_id"):
        notes.append(("meta_partial", {"where": "document properties"}))
    elif not meta.get("workbook_id"):
        notes.append(("meta_partial", {"where": "_cwb_meta"}))
    merged: dict[str, str] = {}
    for key in IDENTITY_KEYS + ("lang",):
        a, b = meta.get(key), props.get(key)
        if key == "revision":  # LibreOffice turns numeric properties into floats; compare as numbers
            a, b = _as_int_text(a), _as_int_text(b)
        if a and b and a != b:
            notes.append(("meta_mismatch", {"key": key, "a": a, "b": b}))
        merged[key] = a or b or ""
    return Identity(
        workbook_id=merged["workbook_id"],
        revision=int(merged["revision"]) if merged["revision"].isdigit() else None,
        schema_version=merged["schema_version"] or None,
        regions=[r for r in merged["regions"].split(",") if r],
        lang=merged["lang"] or None,
        issues=notes,
    )


def _as_int_text(v: str | None) -> str | None:
    if v is None or v == "":
        return v
    try:
        f = float(v)
    except ValueError:
        return v
    return str(int(f)) if f.is_integer() else v


class _Collector:
    def __init__(self, lang: str):
        self.lang = lang
        self.issues: list[Issue] = []

    def add(self, code: str, *, sheet: str | None = None, cell: str | None = None, field: str | None = None,
            record: str | None = None, value: Any = None, **params: Any) -> None:
        self.issues.append(Issue.of(code, self.lang, sheet=sheet, cell=cell, field=field, record=record,
                                    value=value, **params))


_TITLES: dict[int, tuple[Sheet, dict[str, Field]]] = {}


def _titles_of(sheet: Sheet) -> dict[str, Field]:
    """Folded zh and en titles -> field, once per sheet kind (a national book has thousands of sheets)."""
    cached = _TITLES.get(id(sheet))
    if cached is None or cached[0] is not sheet:
        exact: dict[str, Field] = {}
        for f in sheet.fields:
            exact[fold(f.title_zh)] = f
            exact[fold(f.title_en)] = f
        cached = _TITLES[id(sheet)] = (sheet, exact)
    return cached[1]


def _header_map(sheet: Sheet, header: tuple[Any, ...], lang: str, out: _Collector, title: str
                ) -> dict[int, Field] | None:
    """Columns by header text, in either language; near misses get a 'did you mean'."""
    exact = _titles_of(sheet)
    mapping: dict[int, Field] = {}
    mapped: set[int] = set()
    unmatched: list[tuple[int, str]] = []
    for col, text in enumerate(header):
        if text is None or not str(text).strip():
            continue
        text = str(text)
        f = exact.get(fold(text))
        if f is None:
            unmatched.append((col, text))
            continue
        if id(f) in mapped:
            out.add("extra_column", sheet=title, cell=f"{column_letter(col + 1)}1", value=text,
                    header=text)
            continue
        mapping[col] = f
        mapped.add(id(f))
        if text not in (f.title_zh, f.title_en):
            out.add("header_variant", sheet=title, cell=f"{column_letter(col + 1)}1", field=f.key,
                    value=text, header=text, name=f.titles)
    missing = [f for f in sheet.fields if id(f) not in mapped]
    ok = True
    for f in missing:
        guess = None
        for col, text in unmatched:
            titles = [fold(f.title_zh), fold(f.title_en)]
            if difflib.get_close_matches(fold(text), titles, n=1, cutoff=0.6):
                guess = (col, text)
                break
        if guess:
            hint = both("did_you_mean", col=column_letter(guess[0] + 1), header=guess[1], name=f.titles)
        else:
            hint = both("restore_column")
        if f.key == "id" or f.required:
            out.add("missing_column", sheet=title, cell=None, field=f.key, value=None,
                    name=f.titles, hint=hint)
            ok = False
        elif not f.derived:
            out.add("missing_column_optional", sheet=title, field=f.key, name=f.titles)
    for col, text in unmatched:
        out.add("extra_column", sheet=title, cell=f"{column_letter(col + 1)}1", value=text,
                header=text)
    return mapping if ok else None


def _find_sheets(raw: RawWorkbook, schema: Schema, ident: Identity, out: _Collector
                 ) -> list[tuple[RawSheet, str, str]]:
    """Each expected data sheet, found by defined name (follows renames), then by name, then by header."""
    by_title = {s.title: s for s in raw.sheets}
    expected = [(m["kind"], m["region"], m["name"]) for m in raw.meta_sheets]
    if not expected:  # the meta sheet is gone: expect every kind for every region named in the identity
        expected = [(s.kind, r, "") for r in ident.regions for s in schema.sheets if not s.only_if_records]
    found: list[tuple[RawSheet, str, str]] = []
    used: set[str] = set()
    pending = []
    for kind, region, name in expected:
        title = raw.names.get(defined_name(kind, region))
        if title in by_title and title not in used:
            found.append((by_title[title], kind, region))
            used.add(title)
        elif name in by_title and name not in used:
            found.append((by_title[name], kind, region))
            used.add(name)
        else:
            pending.append((kind, region, name))
    for kind, region, name in pending:
        sheet = schema.sheet(kind)
        titles = _titles_of(sheet)
        candidates = []
        for s in raw.sheets:
            if s.title in used or not s.rows:
                continue
            header = [fold(str(v)) for v in s.rows[0][1] if v not in (None, "")]
            if header and sum(1 for h in header if h in titles) >= max(2, int(0.6 * len(sheet.fields))):
                ids = [str(r[1][0]) for r in s.rows[1:] if r[1] and r[1][0]]
                if ids and sum(1 for i in ids if i.startswith(region + "-")) * 2 >= len(ids):
                    candidates.append(s)
        if len(candidates) == 1:
            found.append((candidates[0], kind, region))
            used.add(candidates[0].title)
        else:
            out.add("missing_sheet", sheet=name or None, title=sheet.titles, region=region)
    return found


def validate(raw: RawWorkbook, schema: Schema, ref: Reference, lang: str = "zh") -> Checked:
    out = _Collector(lang)
    ident = identity(raw)
    if ident is None:
        raise ValueError("not a cluster-wb workbook")
    for code, params in ident.issues:
        out.add(code, **params)
    expected = ref.issued.get("schema_version")  # none: issued before the store kept versions
    if expected is not None and ident.schema_version and ident.schema_version != str(expected):
        out.add("schema_version", theirs=ident.schema_version, ours=expected)
    if ident.revision is not None and ident.revision != ref.issued["rev"]:
        out.add("meta_revision", theirs=ident.revision, ours=ref.issued["rev"])
    rows: list[Row] = []
    sheets = []
    columns: dict[str, set[str]] = {}
    letters: dict[str, dict[str, str]] = {}
    ids_read: set[tuple[str, str]] = set()
    checker = _RowChecks(schema, ref, lang, out, columns)
    for rs, kind, region in _find_sheets(raw, schema, ident, out):
        sheets.append((rs.title, kind, region))
        if region not in ref.issued["regions"]:
            out.add("region_not_issued", sheet=rs.title, region=region)
            continue
        sheet = schema.sheet(kind)
        if not rs.rows or rs.rows[0][0] != 1:
            out.add("missing_column", sheet=rs.title, field="id", name=sheet.field("id").titles,
                    hint=both("restore_column"))
            continue
        mapping = _header_map(sheet, rs.rows[0][1], lang, out, rs.title)
        if mapping is None:
            continue
        columns[rs.title] = {f.key for f in mapping.values()}
        letters[rs.title] = {f.key: column_letter(col + 1) for col, f in mapping.items()}
        for rng in rs.merged:
            if last_row_of(rng) >= 2:
                out.add("merged", sheet=rs.title, cell=rng.split(":")[0], value=rng, range=rng)
        # rows can be known by their fingerprints only where every column stands where it was written
        as_built = len(mapping) == len(sheet.fields) and all(mapping.get(i) is f for i, f in enumerate(sheet.fields))
        issued = ref.issued_rows.get((kind, region)) if as_built else None
        sheet_rows = _read_rows(rs, sheet, kind, region, mapping, schema, raw.epoch1904, out, issued, ids_read)
        rs.release()
        for row in sheet_rows:
            if row.unchanged:  # the issued row, cell for cell
                checker.check_issued(row)
                continue
            checker.check(row)
            _say_dropped_marks(row, sheet, ref, columns[rs.title], out)
            _compact(row, sheet, ref, columns[rs.title])
        _check_alignment(sheet_rows, sheet, region, ref, mapping, lang, out)
        rows.extend(sheet_rows)
    checker.finish(rows)
    return Checked(ident, out.issues, rows, sheets, columns, letters)


def _check_alignment(rows: list[Row], sheet: Sheet, region: str, ref: Reference, mapping: dict[int, Field],
                     lang: str, out: _Collector) -> None:
    """One error for a sheet whose editable cells moved away from their ids (a sort of some columns only);
    its rows are left out of the merge."""
    if sum(1 for row in rows if not row.unchanged) < 2:  # most sheets of a return: nothing can have moved
        return
    entity = sheet.entity
    matrix = sheet.row_per_cluster  # a row per cluster of the region, assessed or not
    owners = ref.base.get("cluster" if matrix else entity, {})
    records = ref.base.get(entity, {})
    column_of = {f.key: col for col, f in mapping.items()}
    fields = sorted((f for f in sheet.editable_fields if f.key in column_of), key=lambda f: column_of[f.key])
    seen: set[str] = set()
    candidates = []
    base: dict[str, dict] = {}
    by_number: dict[int, Row] = {}
    for row in rows:
        if row.record is None or row.delete or row.record in seen:
            continue
        seen.add(row.record)
        owner = owners.get(row.record)
        if owner is None or owner.get("region") != region:  # another region's id: an error of its own
            continue
        base[row.record] = records.get(row.record, {}) if matrix else owner
        by_number[row.row] = row
        candidates.append(SheetRow(row.row, row.record, None if row.unchanged else row.values))
    found = find_displacement(candidates, base, fields)
    if found is None:
        return
    for number in found.rows:
        by_number[number].valid = False
    letters = [column_letter(column_of[k] + 1) for k in found.moved]
    first, last = min(column_of[k] for k in found.moved), max(column_of[k] for k in found.moved)
    moved = column_letter(first + 1) + ("" if first == last else "–" + column_letter(last + 1))
    id_col = column_letter(column_of["id"] + 1) if "id" in column_of else "A"
    runs = [str(a) if a == b else f"{a}–{b}" for a, b in spans(found.rows)]
    rows_text = Both("、".join(runs), ", ".join(runs))
    example: Any = ""
    if found.example:
        number, shown, other = found.example
        example = both("misaligned_example", row=number, record=shown, other=other)
    first_row = by_number[found.rows[0]]
    out.add("misaligned", sheet=first_row.sheet, cell=f"{letters[0]}{found.rows[0]}" if letters else None,
            record=first_row.record, value=found.records, rows=rows_text, moved=moved, id_col=id_col,
            example=example)


class CellRefs:
    """The cell reference of each field in one row, made on demand from the sheet's column letters."""

    __slots__ = ("letters", "row")

    def __init__(self, letters: dict[str, str], row: int):
        self.letters = letters
        self.row = row

    def get(self, key: str, default: str | None = None) -> str | None:
        letter = self.letters.get(key)
        return f"{letter}{self.row}" if letter else default

    def __getitem__(self, key: str) -> str:
        return f"{self.letters[key]}{self.row}"


def _read_rows(rs: RawSheet, sheet: Sheet, kind: str, region: str, mapping: dict[int, Field], schema: Schema,
               epoch1904: bool, out: _Collector, issued: dict[str, str] | None,
               ids_read: set[tuple[str, str]]) -> list[Row]:
    """The sheet's rows, normalised. A row whose fingerprint is the one `issued` for its id is taken as it was
    written (`unchanged`, no values) unless a row before it, on any sheet, carried the same id."""
    rows = []
    entity = sheet.entity
    # the id first, so that every issue of the row can name its record
    plan = sorted(mapping.items(), key=lambda item: item[1].key != "id")
    letters = {f.key: column_letter(col + 1) for col, f in plan}
    converters = {col: make_converter(schema, f, epoch1904) for col, f in plan}
    sheet_rows = rs.rows
    formulas = rs.formulas
    formula_rows = {r for r, _c in formulas}
    n_fields = len(sheet.fields)
    id_col = next(i for i, f in enumerate(sheet.fields) if f.key == "id")
    for number, values in sheet_rows[1:]:
        if issued and number not in formula_rows and len(values) >= n_fields:
            rid = values[id_col]
            expected = issued.get(rid) if type(rid) is str else None
            if expected is not None and (entity, rid) not in ids_read and \
                    row_digest(values if len(values) == n_fields else values[:n_fields]) == expected:
                ids_read.add((entity, rid))
                rows.append(Row(kind, entity, region, rs.title, number, rid, {}, CellRefs(letters, number),
                                unchanged=True))
                continue
        row = Row(kind, entity, region, rs.title, number, None, {}, CellRefs(letters, number))
        width = len(values)
        for col, f in plan:
            raw_value = values[col] if col < width else None
            if formulas and (number, col) in formulas:
                text, cached = formulas[(number, col)]
                cell = row.cells[f.key]
                if cached is None:
                    out.add("formula_no_value", sheet=rs.title, cell=cell, field=f.key, record=row.record,
                            value=text, text=text)
                    row.valid = False
                    continue
                if type(cached) is FormulaError:  # the cell shows #DIV/0!, #VALUE! …: name what the official sees
                    out.add("formula_error", sheet=rs.title, cell=cell, field=f.key, record=row.record,
                            value=str(cached), error=str(cached), text=text)
                    row.valid = False
                    continue
                out.add("formula", sheet=rs.title, cell=cell, field=f.key, record=row.record, value=text,
                        val=as_typed(cached))
                raw_value = cached
            if raw_value is None or raw_value == "":
                value = None
            else:
                value = converters[col](raw_value)
                if type(value) is Normalized:
                    norm = value
                    value = norm.value
                    for note in norm.notes:
                        _note_issue(out, note, rs.title, row.cells[f.key], f, raw_value, schema, row.record, value)
                        if note.severity == "error":
                            row.valid = False
                    if norm.approximate:
                        row.approx = {**(row.approx or {}), f.key: mark(norm.approximate, norm.high)}
                    elif type(raw_value) is str and f.numeric and value is not None:
                        row.approx = {**(row.approx or {}), f.key: None}
            if f.key == "delete":
                row.delete = bool(value)
                if row.delete and not _own_mark(raw_value):
                    _say_delete_read(out, rs.title, row.cells[f.key], row.record, raw_value)
            elif f.key == "id":
                row.record = value
            else:
                if value is not None:  # sparse: a present column without a value reads as None
                    row.values[f.key] = value
        if row.record is None and not row.delete and not any(v not in (None, [], False) for v in row.values.values()):
            continue  # only derived or empty cells: not a record
        if row.record is not None:
            ids_read.add((entity, row.record))
        rows.append(row)
    return rows


OWN_MARKS = {fold(t("yes", lang)) for lang in ("zh", "en")}  # what the Delete column's help and dropdown offer


def _own_mark(raw: Any) -> bool:
    """The Delete column's own word (是 / Y, as its help says): taken silently. Any other word read as yes (1,
    TRUE, √, 删除…) deletes too, but is said: a deletion is the one edit the workbook cannot undo."""
    return type(raw) is str and fold(raw) in OWN_MARKS


def _say_delete_read(out: _Collector, sheet: str, cell: str, record: str | None, raw: Any) -> None:
    text = ("TRUE" if raw else "FALSE") if isinstance(raw, bool) else plain_number(raw) \
        if isinstance(raw, (int, float)) else str(raw).strip()  # as the cell shows it
    out.add("delete_synonym", sheet=sheet, cell=cell, field="delete", record=record, value=text, text=text,
            yes=Both(t("yes", "zh"), t("yes", "en")))


def _note_issue(out: _Collector, note: Note, sheet: str, cell: str, f: Field, raw: Any, schema: Schema,
                record: str | None, normalized: Any = None) -> None:
    """An issue from a normaliser's note. Its value is the normalised one where the cell was read (a warning:
    `３.２万` gives 32000), and the input as typed where it could not be (an error)."""
    params = dict(note.params)
    params.setdefault("text", as_typed(raw))
    if note.code == "type":
        params.update(zip(("kind", "hint"), type_words(f), strict=True))
    if note.code == "enum":
        hint = field_type(f).allowed_hint
        if f.enum:
            params["allowed"] = Both("、".join(o.zh for o in schema.enums[f.enum]),
                                     ", ".join(o.en for o in schema.enums[f.enum]))
        elif hint:
            params["allowed"] = both(hint)
        else:
            params["allowed"] = Both("、".join(map(str, params["allowed"])), ", ".join(map(str, params["allowed"])))
    if note.code == "synonym":
        opt = schema.option(f.enum, params.get("code"))
        params["label"] = opt.labels if opt else params.get("code")
    params.pop("code", None)
    if "value" in params:
        value_read = params.pop("value")
        params["val"] = plain_number(value_read) if type(value_read) is float else value_read
    if note.code == "approximate":
        _say_kind(params, f)
    if note.code == "range_order":
        params.update(low=_shown_figure(params["low"], f), high=_shown_figure(params["high"], f))
    value = normalized if note.severity == "warning" else raw
    out.add(note.code, sheet=sheet, cell=cell, field=f.key, record=record, value=value, **params)


def _shown_figure(value: Any, f: Field) -> str:
    """A figure as a message shows it, as it would be typed: a share with its % sign."""
    return f"{plain_number(value)}" + ("%" if f.unit == "%" else "")


def _say_kind(params: dict[str, Any], f: Field) -> None:
    """The `approximate` warning's figure and kind: at least 1100, at most 30, about 95, 5–6 a range."""
    kind, high = params.pop("kind", None) or "about", params.pop("high", None)
    shown = _shown_figure(params["val"], f)
    if kind == "range" and high is not None:
        shown = f"{plain_number(params['val'])}–{_shown_figure(high, f)}"
    params["val"] = shown
    params["kind"] = both(f"approx_said_{kind}", val=shown)


class _RowChecks:
    """The checks of each row against the store and the rows before it, sheet by sheet, and at the end the
    checks that need every row (rows pasted twice, records gone from their sheet)."""

    def __init__(self, schema: Schema, ref: Reference, lang: str, out: _Collector, columns: dict[str, set[str]]):
        self.schema, self.ref, self.lang, self.out, self.columns = schema, ref, lang, out, columns
        self.seen: dict[tuple[str, str], Row] = {}
        self.present: dict[tuple[str, str], set[str]] = {}
        self.checks: dict[str, list] = {}
        self.figures: dict[str, list[Field]] = {}  # per sheet kind, the figures with a unit (for unit slips)
        self.clusters_by_region: dict[str, set[str]] = {}
        for source in (ref.base.get("cluster", {}), ref.ours.get("cluster", {})):
            for cid, c in source.items():
                self.clusters_by_region.setdefault(c.get("region"), set()).add(cid)

    def check(self, row: Row) -> None:
        schema, ref, lang, out = self.schema, self.ref, self.lang, self.out
        sheet = schema.sheet(row.kind)
        self.present.setdefault((row.kind, row.region), set())
        rec_id = row.record
        base = ref.base.get(row.entity, {})
        ours = ref.ours.get(row.entity, {})
        if rec_id is None and not sheet.new_rows:
            out.add("no_new_rows", sheet=row.sheet, cell=row.cells.get("id") or f"A{row.row}", field="id",
                    row=row.row, name=sheet.titles)
            row.valid = False
            return
        if rec_id is None and sheet.row_per_cluster:
            # the matrix has a row per cluster; a new cluster gets its row in the next build: the message says to
            # clear this row to send the rest
            out.add("matrix_row_without_id", sheet=row.sheet, cell=row.cells.get("id") or f"A{row.row}", field="id",
                    name=sheet.titles)
            row.valid = False
            return
        if rec_id is not None:
            key = (row.entity, rec_id)
            if key in self.seen:
                first = self.seen[key]
                other = f"{first.sheet}!{first.cells.get('id')}"
                out.add("duplicate_id", sheet=row.sheet, cell=row.cells.get("id"), field="id", record=rec_id,
                        value=rec_id, other=other)
                row.valid = False
                return
            self._note_present(row)
            if sheet.row_per_cluster:
                if rec_id not in self.clusters_by_region.get(row.region, set()):  # a new cluster's id guessed?
                    out.add("matrix_row_unknown_cluster", sheet=row.sheet, cell=row.cells.get("id"), field="id",
                            record=rec_id, value=rec_id, ref=rec_id, name=sheet.titles)
                    row.valid = False
                    return
            else:
                record = base.get(rec_id) or ours.get(rec_id)
                if record is None:
                    out.add("unknown_id", sheet=row.sheet, cell=row.cells.get("id"), field="id",
                            record=rec_id, value=rec_id)
                    row.valid = False
                    return
                if (rec_id if row.entity == "region" else record.get("region")) != row.region:  # a region owns itself
                    out.add("wrong_region", sheet=row.sheet, cell=row.cells.get("id"), field="id",
                            record=rec_id, value=rec_id, region=record.get("region"))
                    row.valid = False
                    return
            _check_readonly(row, sheet, schema, ref, lang, out, self.columns.get(row.sheet, set()))
        if row.kind not in self.checks:
            self.checks[row.kind] = _field_checks(sheet)
        _check_fields(row, self.checks[row.kind], lang, out, self.clusters_by_region.get(row.region, set()),
                      self.columns.get(row.sheet, set()))
        _check_cross(row, sheet, schema, lang, out, self.columns.get(row.sheet, set()))
        if row.kind not in self.figures:
            self.figures[row.kind] = [f for f in sheet.editable_fields if f.numeric and f.unit not in (None, "%")]
        if self.figures[row.kind]:
            stored = (ref.base.get(row.entity, {}).get(rec_id) or ref.ours.get(row.entity, {}).get(rec_id) or {}) \
                if rec_id is not None else {}
            _check_magnitudes(row, self.figures[row.kind], stored, out)

    def check_issued(self, row: Row) -> None:
        """A row recognised by its fingerprint: the issued row of its record, on its region's sheet, and the
        first with its id. The checks of `check` held when it was written (the store holds only values that
        pass them), so only its presence is noted, for the duplicate and missing-row checks."""
        self._note_present(row)

    def _note_present(self, row: Row) -> None:
        """The record is on the sheet, first with its id: later rows with the id are duplicates, and it is
        not missing."""
        self.seen[(row.entity, row.record)] = row
        self.present.setdefault((row.kind, row.region), set()).add(row.record)

    def finish(self, rows: list[Row]) -> None:
        schema, ref, out = self.schema, self.ref, self.out
        # duplicates among new rows (a row pasted twice)
        first_new: dict[tuple, Row] = {}
        for row in rows:
            if row.record is None:
                sig = (row.kind, row.region, tuple(sorted((k, str(v)) for k, v in row.values.items())))
                if sig in first_new:
                    out.add("duplicate_row", sheet=row.sheet, cell=f"A{row.row}", other=first_new[sig].row)
                else:
                    first_new[sig] = row
        self._edits_of_deleted_owners(rows)
        # records that vanished from their sheet
        by_region: dict[tuple[str, str | None], list[tuple[str, dict]]] = {}
        grouped: set[str] = set()
        titles: dict[tuple[str, str], str] = {}
        for row in rows:
            titles.setdefault((row.kind, row.region), row.sheet)
        for kind, _region in self.present:
            entity = schema.sheet(kind).entity
            if entity not in grouped:
                grouped.add(entity)
                for rid, rec in ref.base.get(entity, {}).items():
                    by_region.setdefault((entity, rec.get("region")), []).append((rid, rec))
        for (kind, region), ids in self.present.items():
            sheet = schema.sheet(kind)
            title = titles.get((kind, region))
            for rid, rec in by_region.get((sheet.entity, region), []):
                if rid not in ids:
                    if sheet.row_per_cluster and not any(rec.get(f.key) is not None for f in sheet.editable_fields):
                        continue
                    out.add("row_missing", sheet=title, record=rid, value=rid)


    def _edits_of_deleted_owners(self, rows: list[Row]) -> None:
        """A matrix row edited while its cluster is marked for deletion: the delete wins (the record goes with
        its cluster, `merge._delete_owned`), so say at the first edited cell that its edits are not kept."""
        deleted = {(row.entity, row.record): row for row in rows if row.delete and row.record is not None}
        if not deleted:
            return
        for row in rows:
            sheet = self.schema.sheet(row.kind)
            owner_row = deleted.get((sheet.owner, row.record)) if sheet.owner else None
            if owner_row is None or row.unchanged or row.delete or not row.valid:
                continue
            base = self.ref.base.get(row.entity, {}).get(row.record) or {}
            present = self.columns.get(row.sheet, set())
            edited = next((f for f in sheet.editable_fields if f.key in present
                           and not same_value(row.values.get(f.key), base.get(f.key))), None)
            if edited is None:
                continue
            self.out.add("matrix_row_of_deleted", sheet=row.sheet, cell=row.cells.get(edited.key), field=edited.key,
                         record=row.record, value=row.values.get(edited.key), name=sheet.titles,
                         owner=self.schema.sheet(owner_row.kind).titles,
                         delete_cell=f"{owner_row.sheet}!{owner_row.cells.get('delete')}")


def _compact(row: Row, sheet: Sheet, ref: Reference, present: set[str]) -> None:
    """A valid row that says what the workbook was cut with changes nothing: keep its id, let its values go."""
    if not row.valid or row.record is None or row.delete:
        return
    base = ref.base.get(row.entity, {}).get(row.record) or {}
    values = row.values
    for f in sheet.editable_fields:
        if f.key in present:
            v, b = values.get(f.key), base.get(f.key)
            if v != b and not same_value(v, b):
                return
    if row.approx:  # the same figures, but a qualifier typed or taken away: a change of the marks alone
        marks = approx_marks(base.get("approx"))
        if any(m != marks.get(key) for key, m in row.approx.items() if key in present):
            return
    row.values = {}
    row.unchanged = True


def _say_dropped_marks(row: Row, sheet: Sheet, ref: Reference, present: set[str], out: _Collector) -> None:
    """A new figure typed as a number over an approximate one is exact, and is recorded so; but the cell keeps
    the number format that showed the old qualifier (1,100多) until the next workbook. Say so at the cell."""
    if row.record is None or row.delete:
        return
    base = ref.base.get(row.entity, {}).get(row.record) or {}
    marks = approx_marks(base.get("approx"))
    if not marks:
        return
    typed = row.approx or {}
    for key, m in marks.items():
        if key in typed or key not in present:
            continue
        v = row.values.get(key)
        if v is None or same_value(v, base.get(key)):
            continue
        f = sheet.field(key)
        shown = _shown_figure(v, f)
        looks = Both(*(number_format("\0", m, lang, percent=f.unit == "%").replace('"', "").replace("\0", shown)
                       for lang in ("zh", "en")))  # what the cell shows now: the new figure, the old qualifier
        out.add("approx_dropped", sheet=row.sheet, cell=row.cells.get(key), field=key, record=row.record, value=v,
                val=shown, kind=both(f"approx_kind_{m['kind']}"), mark=looks)


def _check_readonly(row: Row, sheet: Sheet, schema: Schema, ref: Reference, lang: str, out: _Collector,
                    present: set[str]) -> None:
    base = ref.base.get(row.entity, {}).get(row.record) or ref.ours.get(row.entity, {}).get(row.record) or {}
    for f in sheet.fields:
        if f.editable or f.key == "id" or f.key not in present:
            continue
        theirs = row.values.get(f.key)
        if field_type(f).shows_cluster_name:
            cluster = ref.base.get("cluster", {}).get(row.record) or ref.ours.get("cluster", {}).get(row.record) or {}
            allowed = {cluster.get("name_zh"), cluster.get("name_en"), None}
            old = cluster.get("name_zh")
            if theirs in allowed:
                continue
        else:
            old = base.get(f.key)
            if same_value(theirs, old):
                continue
            if is_source(f):  # an English workbook shows it in English
                region = ref.base.get("region", {}).get(row.region) or ref.ours.get("region", {}).get(row.region) or {}
                places = {region.get("name_zh"): region.get("name_en")}
                if shows_source(theirs, old, places):
                    continue
                old = Both(old, source_label(old, "en", places))
        shown = old if type(old) is Both else Both(*("" if (v := display_value(schema, f, old, lang_)) is None else v
                                                     for lang_ in ("zh", "en")))
        out.add("readonly", sheet=row.sheet, cell=row.cells.get(f.key), field=f.key, record=row.record,
                value=theirs, old=shown, name=f.titles)
        row.valid = False


def same_value(a: Any, b: Any) -> bool:
    """Equal as stored values: empty is empty whatever its form, numbers within float noise."""
    if a == b:
        return True
    if a in (None, "", []) and b in (None, "", []):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) < 1e-9 * max(1, abs(a), abs(b))
    return a == b


def _field_checks(sheet: Sheet) -> list[tuple[Field, bool, bool, bool, str | None]]:
    """Per field of a sheet, which checks apply: (field, required, range, length, reference: one or many)."""
    out = []
    for f in sheet.fields:
        if f.key == "id":
            continue
        required = f.required and f.editable
        ranged = f.numeric and f.min is not None and f.max is not None
        ft = field_type(f)
        length = ft.free_text and f.editable and f.max is not None
        reference = ft.references
        if required or ranged or length or reference:
            out.append((f, required, ranged, length, reference))
    return out


def _check_fields(row: Row, checks: list, lang: str, out: _Collector, clusters: set[str],
                  present: set[str]) -> None:
    values = row.values
    for f, required, ranged, length, reference in checks:
        if f.key not in present:
            continue
        v = values.get(f.key)
        if v is None:
            if required and not row.delete:
                out.add("required", sheet=row.sheet, cell=row.cells.get(f.key), field=f.key,
                        record=row.record, name=f.titles)
                row.valid = False
            continue
        if ranged and isinstance(v, (int, float)):
            for bound in (v, _high_bound(row, f.key)):  # a range's high bound is checked as its value is
                if bound is not None and not (f.min <= bound <= f.max):
                    out.add("range", sheet=row.sheet, cell=row.cells.get(f.key), field=f.key, record=row.record,
                            value=bound, val=bound, min=plain_number(f.min), max=plain_number(f.max))
                    row.valid = False
        if length and len(str(v)) > f.max:
            out.add("length", sheet=row.sheet, cell=row.cells.get(f.key), field=f.key, record=row.record,
                    value=v, length=len(str(v)), max=plain_number(f.max))
            row.valid = False
        if reference:
            for r in (v if reference == "many" else [v]):
                if r not in clusters:
                    out.add("cross_sheet", sheet=row.sheet, cell=row.cells.get(f.key), field=f.key,
                            record=row.record, value=r, ref=r, name=f.titles)
                    row.valid = False


def _high_bound(row: Row, key: str) -> int | float | None:
    """The high bound of a range typed in the cell (5至6: 6), if one was."""
    m = (row.approx or {}).get(key)
    return m.get("high") if m else None


def _check_cross(row: Row, sheet: Sheet, schema: Schema, lang: str, out: _Collector, present: set[str]) -> None:
    for check in sheet.checks:
        rule = CROSS_RULES[check["rule"]]
        params = rule.broken(row.values, check)
        if params is None:
            unset = rule.unset(row.values, check) if rule.unset else None
            if unset is not None and check[unset[0]] in present:  # an empty cell, not a column not sent
                _say_unset(row, sheet, schema, check, rule.unset_code, *unset, out)
            continue
        key = check["field"]
        status = check.get("status")
        if status and params.get("status") is not None:  # an enum code, shown as its label
            f = sheet.field(status)
            opt = schema.option(f.enum, params["status"]) if f.enum else None
            params["status"] = opt.labels if opt else params["status"]
        out.add(check["code"], sheet=row.sheet, cell=row.cells.get(key), field=key, record=row.record,
                value=row.values.get(key), **params)
        row.valid = False


def _say_unset(row: Row, sheet: Sheet, schema: Schema, check: dict, code: str, key: str, params: dict,
               out: _Collector) -> None:
    """A warning at the empty cell that a rule between fields says what to fill in (status `done` at 100 %): the
    row merges, but the official is told what the rule expects."""
    empty = sheet.field(check[key])
    for value_key in CROSS_RULES[check["rule"]].values:  # the value the rule expects, shown as its label
        opt = schema.option(empty.enum, check[value_key]) if empty.enum else None
        params[value_key] = opt.labels if opt else check[value_key]
    out.add(code, sheet=row.sheet, cell=row.cells.get(empty.key), field=empty.key, record=row.record,
            value=None, name=empty.titles, **params)


SLIPS = ((1e4, Both("1万", "10,000")), (1e8, Both("1亿", "100 million")),  # 万元 or 元 typed in a 亿元 column
         (1e-4, Both("万分之一", "1/10,000")), (1e-8, Both("亿分之一", "1/100,000,000")))  # 3.2 for 3.2万人


def _check_magnitudes(row: Row, figures: list[Field], stored: dict, out: _Collector) -> None:
    """The commonest slip in a return is a figure in the wrong unit (元 or 万元 in a 亿元 column, 万人 in a persons
    column). A changed figure about 10⁴ or 10⁸ times (or that fraction of) the stored one is a warning naming
    the slip and the value in the column's unit; a new or changed figure outside the field's plausible range
    (`plausible:` in the schema) is one too. Warnings: the figure may be right."""
    for f in figures:
        v = row.values.get(f.key)
        if type(v) not in (int, float) or v == 0:
            continue
        old = stored.get(f.key)
        if same_value(v, old):
            continue
        if type(old) in (int, float) and old:
            ratio = v / old
            slip = next(((factor, word) for factor, word in SLIPS if 0.8 <= ratio / factor <= 1.25), None)
            if slip:
                out.add("unit_slip", sheet=row.sheet, cell=row.cells.get(f.key), field=f.key, record=row.record,
                        value=v, name=f.titles, val=plain_number(v), old=plain_number(old), factor=slip[1],
                        unit=f.unit, guess=plain_number(round(v / slip[0], 10)))
                continue
        if not f.plausible or any(i.code == "unit_magnitude" and i.cell == row.cells.get(f.key)
                                  and i.sheet == row.sheet for i in out.issues[-20:]):
            continue  # said already: a magnitude word converted across units
        for bound in (v, _high_bound(row, f.key)):  # a range's high bound is a figure too
            if bound is not None and not (f.plausible[0] <= bound <= f.plausible[1]):
                out.add("implausible", sheet=row.sheet, cell=row.cells.get(f.key), field=f.key,
                        record=row.record, value=bound, name=f.titles, val=plain_number(bound),
                        low=plain_number(f.plausible[0]), high=plain_number(f.plausible[1]), unit=f.unit)
                break
