"""Write the workbook an official receives: instructions, index, and per region the data sheets.

Input is plain data (`BuildInput`), output one .xlsx file. Every sheet, column, dropdown, input message,
number format and lock comes from the schema. Text that came from people is always written as a string,
never as a formula or a link."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from workbook import __version__
from workbook.core.messages import REGION_LEVEL_WORDS, t
from workbook.template.approx import approx_marks, number_format
from workbook.template.field_types import TYPES, cell_format, display_value, field_type
from workbook.template.model import Field, Schema, Sheet
from workbook.template.sources import is_source, source_label
from workbook.xlsx.digest import number_as_read, row_digest
from workbook.xlsx.fastxml import DataWorkbook, DataWorksheet
from workbook.xlsx.layout import LISTS_SHEET, META_SHEET, PROPERTY_PREFIX, defined_name

SPARE_ROWS = 300  # rows below the data that keep dropdowns, formats and unlocked cells for new records


INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")


COLOURS = {
    "header": "#1F4E79", "header_font": "#FFFFFF", "locked": "#EDEDED", "editable": "#FFFFFF",
    "overdue": "#F8CBAD", "title": "#1F4E79", "inferred": "#B45F06", "low": "#E2EFDA", "mid": "#FFE699",
    "high": "#F4B183",
}


@dataclass
class RegionData:
    id: str
    record: dict
    records: dict[str, dict[str, dict]] | None = None  # entity -> id -> record; None: BuildInput.load gives it


@dataclass
class BuildInput:
    """What a workbook is built from. A region's records may be left None and given by `load` when the
    builder reaches that region, so that a national workbook never holds every region in memory at once."""

    workbook_id: str
    revision: int
    built_at: datetime
    by: str
    regions: list[RegionData]
    load: Callable[[str], dict[str, dict[str, dict]]] | None = None
    round: dict | None = None  # the reporting round it is issued in: name, period, due

    def records_of(self, region: RegionData) -> dict[str, dict[str, dict]]:
        if region.records is not None:
            return region.records
        assert self.load is not None
        return self.load(region.id)


@dataclass
class SheetPlan:
    name: str
    kind: str
    region: str
    sheet: Sheet
    records: list[tuple[str, dict]]
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # cluster id -> lang -> name (matrix rows)
    digests: dict[str, str] = field(default_factory=dict)  # record id -> fingerprint of its row as written


def sheet_name(region_name: str, title: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of []:*?/\\) for any region name."""
    suffix = "-" + title
    base = INVALID_SHEET_CHARS.sub("_", region_name).strip() or "_"
    base = base[: 31 - len(suffix)]
    name = base + suffix
    n = 2
    while name.casefold() in taken:
        tag = f"~{n}"
        name = base[: 31 - len(suffix) - len(tag)] + tag + suffix
        n += 1
    taken.add(name.casefold())
    return name


def region_label(region: dict, lang: str) -> str:
    return region.get("name_zh" if lang == "zh" else "name_en") or region.get("name_zh") or ""


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "Noto Sans CJK SC", "font_size": 10, "valign": "top"}
        self.wb = wb
        self.base = base
        self.header = wb.add_format({**base, "bold": True, "font_color": COLOURS["header_font"],
                                     "bg_color": COLOURS["header"], "text_wrap": True, "border": 1,
                                     "valign": "vcenter", "align": "center", "locked": True})
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "font_color": COLOURS["title"]})
        self.h2 = wb.add_format({**base, "bold": True, "font_size": 12, "font_color": COLOURS["title"]})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.bold = wb.add_format({**base, "bold": True})
        self.label = wb.add_format({**base, "bold": True, "text_wrap": True})  # a label longer than its column
        self.due = wb.add_format({**base, "bold": True, "font_color": "#C00000"})
        self.plain = wb.add_format(base)
        self.link = wb.add_format({**base, "font_color": "#0563C1", "underline": 1})
        self.int = wb.add_format({**base, "num_format": "#,##0", "align": "right"})
        self.num = wb.add_format({**base, "num_format": "#,##0.00", "align": "right"})
        self.covered = wb.add_format({**base, "font_color": "#595959", "align": "center"})
        self.legend = {k: wb.add_format({**base, "bg_color": COLOURS[k], "border": 1})
                       for k in ("locked", "editable", "overdue", "low", "mid", "high")}
        self.legend_header = wb.add_format({**base, "bg_color": COLOURS["header"], "border": 1,
                                            "font_color": COLOURS["header_font"]})
        self._cache: dict[tuple, Any] = {}

    def marked(self, f: Field, lang: str, *, approx: dict | None, inferred: bool) -> Any:
        """A cell's own format: an approximate figure shows its kind around the number and stays a number
        (zh 1,100多 / 近30 / 约95 / 5至6, en ≥1,100 / ≤30 / ≈95 / 5–6: `template/approx.py`); a value read from
        context rather than stated for the record is in italic orange (its note says why)."""
        kind = (approx["kind"], approx.get("high")) if approx else None
        key = ("marked", f.type, f.unit, f.editable and not f.derived, kind, inferred, lang)
        if key not in self._cache:
            spec: dict[str, Any] = {**self.base, **cell_format(f), "locked": not key[3]}
            if not key[3]:
                spec["bg_color"] = COLOURS["locked"]
            if approx:
                spec["num_format"] = number_format(spec["num_format"], approx, lang, percent=f.type == "percent")
            if inferred:
                spec.update(italic=True, font_color=COLOURS["inferred"])
            self._cache[key] = self.wb.add_format(spec)
        return self._cache[key]

    def column(self, f: Field) -> Any:
        """The format of a data column: number format by type and unit, grey and locked when read-only."""
        key = (f.type, f.unit, f.editable and not f.derived)  # what the format depends on
        if key not in self._cache:
            spec: dict[str, Any] = {**self.base, **cell_format(f)}
            if key[2]:
                spec["locked"] = False
            else:
                spec["locked"] = True
                spec["bg_color"] = COLOURS["locked"]
            self._cache[key] = self.wb.add_format(spec)
        return self._cache[key]


def plan_region(region: RegionData, records: dict[str, dict[str, dict]], schema: Schema, lang: str,
                taken: set[str]) -> list[SheetPlan]:
    """The data sheets of one region, with the rows each will hold."""
    label = region_label(region.record, lang)
    clusters = records.get("cluster", {})
    names = {cid: {"zh": c.get("name_zh"), "en": c.get("name_en") or c.get("name_zh")} for cid, c in clusters.items()}
    plans = []
    for sheet in schema.sheets:
        recs = records.get(sheet.entity, {})
        if sheet.row_per_cluster:  # the matrix has a row for every cluster, assessed or not
            recs = {cid: recs.get(cid, {}) for cid in clusters}
        if sheet.only_if_records and not recs:
            continue
        plans.append(SheetPlan(sheet_name(label, sheet.title(lang), taken), sheet.kind, region.id, sheet,
                               sorted(recs.items()),
                               names if any(field_type(f).shows_cluster_name for f in sheet.fields) else {}))
    return plans


def build_workbook(data: BuildInput, schema: Schema, path: Path, lang: str = "zh") -> list[SheetPlan]:
    """Write the workbook to `path`; returns the data sheets written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = DataWorkbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                  "strings_to_numbers": False, "constant_memory": True})
    fmt = _Formats(wb)
    instructions = wb.add_worksheet(t("sheet_instructions", lang))
    index = wb.add_worksheet(t("sheet_index", lang))
    list_names = _write_lists(wb, schema, lang)
    taken = {"说明", "目录", "instructions", "index", META_SHEET.casefold(), LISTS_SHEET.casefold()}
    plans: list[SheetPlan] = []
    summaries: dict[str, tuple[dict[str, SheetPlan], dict[str, Any]]] = {}
    today = data.built_at.date()
    for region in data.regions:
        records = data.records_of(region)
        region_plans = plan_region(region, records, schema, lang, taken)
        for plan in region_plans:
            ws = wb.add_worksheet(plan.name, worksheet_class=DataWorksheet)
            _write_data_sheet(wb, ws, plan, schema, lang, fmt, list_names, region, round_header(data.round, lang))
            wb.define_name(defined_name(plan.kind, plan.region), f"='{plan.name}'!$A$1")
            plan.records = plan.records[:0]  # written out: let the region's records go
            plan.names = {}
        summaries[region.id] = ({p.kind: p for p in region_plans}, _summary_values(schema, records, today))
        plans += region_plans
        del records
    _write_index(index, data, schema, lang, fmt, summaries)
    _write_instructions(instructions, data, schema, lang, fmt)
    _write_meta(wb, data, schema, lang, plans)
    instructions.activate()
    wb.close()
    return plans


def _write_lists(wb: xlsxwriter.Workbook, schema: Schema, lang: str) -> dict[str, str]:
    """Dropdown values on a hidden sheet, one column per list, each behind a defined name."""
    ws = wb.add_worksheet(LISTS_SHEET)
    names = {}
    lists = {name: [o.label(lang) for o in opts] for name, opts in schema.enums.items()}
    lists.update({ft.name: ft.own_list(lang) for ft in TYPES.values() if ft.own_list})
    numeric = {f.enum for s in schema.sheets for f in s.fields if f.enum and f.numeric}  # lists of numbers
    columns = list(lists.items())
    for col, (name, labels) in enumerate(columns):
        letter = xl_col_to_name(col)
        list_name = f"cwb_list_{name}"
        wb.define_name(list_name, f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}")
        names[name] = list_name
    for row in range(max(len(labels) for _, labels in columns) + 1):  # row by row, as constant memory wants
        for col, (name, labels) in enumerate(columns):
            if row == 0:
                ws.write_string(0, col, name)
            elif row <= len(labels):
                if name in numeric:
                    ws.write_number(row, col, int(labels[row - 1]))
                else:
                    ws.write_string(row, col, labels[row - 1])
    ws.hide()
    return names


def _validation(f: Field, lang: str, list_names: dict[str, str]) -> dict[str, Any]:
    title = f.title(lang)[:32]
    message = f.help(lang)[:255]
    common = {"input_title": title, "input_message": message, "error_type": "warning",
              "error_title": t("dv_error_title", lang)[:32],
              "error_message": (t("dv_error_message", lang) + " " + message)[:255]}
    ft = field_type(f)
    listed = ft.dropdown(f)
    if listed:
        return {"validate": "list", "source": "=" + list_names[listed], **common}
    check = ft.excel_check(f)
    if check:
        return {**check, **common}
    if not f.editable or f.derived:  # typing here asks "continue?": the sheet is not protected (see above)
        return {"validate": "custom", "value": "=FALSE()", "input_title": title, "input_message": message,
                "error_type": "warning", "error_title": t("dv_readonly_title", lang)[:32],
                "error_message": t("dv_readonly_message", lang)[:255]}
    return {"validate": "any", "input_title": title, "input_message": message}


def _write_cell(ws, row: int, col: int, f: Field, value: Any, cell_fmt) -> Any:
    """Write a value of any other type; return it as a reader gets it back (a date cell reads as a date)."""
    if isinstance(value, bool):
        ws.write_string(row, col, str(value), cell_fmt)
        return str(value)
    if isinstance(value, (int, float)) and not field_type(f).textual:
        ws.write_number(row, col, value, cell_fmt)
        return number_as_read(value)
    if isinstance(value, (date, datetime)):
        ws.write_datetime(row, col, datetime.combine(value, datetime.min.time()) if isinstance(value, date)
                          and not isinstance(value, datetime) else value, cell_fmt)
        return value
    ws.write_string(row, col, str(value), cell_fmt)
    return str(value)


def display_width(text: str) -> float:
    """Column-width units a text takes in the 10-point font: measured on LibreOffice's print, a CJK or
    full-width character (three bytes in UTF-8) takes about 1.4 units, a Latin one about 0.9."""
    n = len(text)
    wide = (len(text.encode("utf-8")) - n) // 2
    return 0.9 * (n - wide) + 1.4 * wide


_NARROW, _BROAD = set("iljtfr.,:;'()[]|!-/ "), set("MWmw%@")  # a Latin letter's width, against the others'


def header_word_width(word: str) -> float:
    """Column-width units a word of a header takes in the bold 10-point header font (measured on LibreOffice's
    print): an application wraps a header between its words, and breaks a word only where it is wider than the
    column ("Employme/nt")."""
    wide = sum(1 for ch in word if len(ch.encode("utf-8")) > 1)
    latin = [ch for ch in word if len(ch.encode("utf-8")) == 1]
    return (1.5 * wide + sum(0.6 if ch in _NARROW else 1.35 if ch in _BROAD or ch.isupper() else 1.0 for ch in latin)
            + 1.0)  # the cell's padding


def fitted_width(width: float, header: str) -> float:
    """A column's width, widened where a word of its header would not fit (English headers have longer words
    than the Chinese ones the widths were chosen for; a Chinese header wraps between characters)."""
    longest = max((header_word_width(word) for word in header.split()), default=0.0)
    return max(width, math.ceil(longest * 2) / 2)


def column_width(f: Field, lang: str) -> float:
    return fitted_width(f.width, f.title(lang))


def row_height(values: list[tuple[Any, float]], line: float = 13.5, most: int = 6) -> float:
    """A row height that shows wrapped text, so every application prints the same (none autofits reliably)."""
    lines = 1
    for value, width in values:
        if isinstance(value, str) and (1.4 * len(value) > width - 1 or "\n" in value):
            usable = max(width - 1, 1)
            if "\n" in value:
                needed = sum(max(1, math.ceil(display_width(part) / usable)) for part in value.split("\n"))
            else:  # most texts: one paragraph
                needed = math.ceil(display_width(value) / usable)
            if needed >= most:
                return line * most + 3
            lines = max(lines, needed)
    return line * lines + 3


def _cell_getter(schema: Schema, f: Field, lang: str, names: dict[str, dict[str, str]],
                 places: dict[str, str] | None = None):
    """How to get the shown value of a column from (id, record), chosen once per column."""
    if f.key == "id":
        return lambda rid, rec: rid
    if is_source(f):  # said in the workbook's language (`Article 2, Shaoxing, §1.1`); the quote stays verbatim
        return lambda rid, rec: source_label(rec.get("source"), lang, places)
    ft = field_type(f)
    if ft.shows_cluster_name:
        return lambda rid, rec: names.get(rid, {}).get(lang)
    key = f.key
    if ft.display is None:
        return lambda rid, rec: rec.get(key)
    return lambda rid, rec: display_value(schema, f, rec.get(key), lang)


def _write_data_sheet(wb, ws, plan: SheetPlan, schema: Schema, lang: str, fmt: _Formats,
                      list_names: dict[str, str], region: RegionData, header: str | None = None) -> None:
    fields = plan.sheet.fields
    last_row = len(plan.records) + SPARE_ROWS  # 0-based index of the last row that keeps formats
    widths = [column_width(f, lang) for f in fields]
    ws.set_row(0, row_height([(f.title(lang), widths[col]) for col, f in enumerate(fields)], line=13, most=4))
    for col, f in enumerate(fields):
        ws.set_column(col, col, widths[col], fmt.column(f))
        ws.write_string(0, col, f.title(lang), fmt.header)
        ws.data_validation(1, col, last_row, col, _validation(f, lang, list_names))
    places = {region.record.get("name_zh"): region.record.get("name_en")} if region.record.get("name_en") else {}
    getters = [_cell_getter(schema, f, lang, plan.names, places) for f in fields]
    columns = [(col, f, fmt.column(f), f.numeric) for col, f in enumerate(fields)]
    wrapped = [(col, widths[col]) for col, f in enumerate(fields) if field_type(f).wrap]
    factor_cols = [(col, f.key) for col, f in enumerate(fields) if f.is_factor]
    comment_style = {"x_scale": 3, "y_scale": 2.2, "font_name": "Noto Sans CJK SC"}
    write_string, write_number, set_row = ws.write_string, ws.write_number, ws.set_row
    digests = plan.digests
    for r, (rid, rec) in enumerate(plan.records, start=1):
        values = [get(rid, rec) for get in getters]
        # the height first: in constant-memory mode a row is written out once the next one starts
        set_row(r, row_height([(value, width) for col, width in wrapped if type(value := values[col]) is str]))
        as_read = [""] * len(values)  # the row as a reader will get it back, for its fingerprint
        approx, inferred = rec.get("approx"), rec.get("inferred")  # marks of single values (rare)
        if approx:
            approx = approx_marks(approx)
        evidence = rec.get("evidence")
        for col, f, cell_fmt, numeric in columns:
            value = values[col]
            if value is None:  # an empty cell keeps the column's format (and lock) without a record
                continue
            if (approx or inferred) and (f.key in (approx or ()) or f.key in (inferred or {})):
                cell_fmt = fmt.marked(f, lang, approx=(approx or {}).get(f.key) if numeric else None,
                                      inferred=f.key in (inferred or {}))
                if inferred and f.key in inferred and not (evidence and f.key in evidence):
                    ws.write_comment(r, col, t("inferred_note", lang, reason=inferred[f.key]), comment_style)
            kind = type(value)
            if kind is str:
                write_string(r, col, value, cell_fmt)
                as_read[col] = value
            elif numeric and (kind is int or kind is float):
                write_number(r, col, value, cell_fmt)
                as_read[col] = number_as_read(value)
            else:
                as_read[col] = _write_cell(ws, r, col, f, value, cell_fmt)
        digest = row_digest(as_read)
        if digest is not None:
            digests[rid] = digest
        if evidence:
            for col, key in factor_cols:
                ev = evidence.get(key)
                if ev and ev.get("quote"):
                    note = f"{ev['quote']}\n—— {source_label(ev.get('source'), lang, places) or ''}"
                    if inferred and key in inferred:  # a diagnosis set on a cluster the text does not name
                        note = t("inferred_note", lang, reason=inferred[key]) + "\n\n" + note
                    ws.write_comment(r, col, note, comment_style)
    last_col = len(fields) - 1
    if plan.kind == "constraints":
        first_factor = next(i for i, f in enumerate(fields) if f.is_factor)
        ws.conditional_format(1, first_factor, last_row, last_col, {
            "type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": COLOURS["low"],
            "mid_type": "num", "mid_value": 1.5, "mid_color": COLOURS["mid"],
            "max_type": "num", "max_value": 3, "max_color": COLOURS["high"]})
    if plan.kind == "recommendations":
        due = xl_col_to_name(_col(fields, "due_date"))
        status = xl_col_to_name(_col(fields, "status"))
        done = schema.option("rec_status", "done").label(lang)
        ws.conditional_format(1, 0, last_row, last_col, {
            "type": "formula",
            "criteria": f'=AND(${due}2<>"",${due}2<TODAY(),${status}2<>"{done}")',
            "format": wb.add_format({"bg_color": COLOURS["overdue"]})})
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(plan.records), 1), last_col)
    # Not protected: Excel, WPS and LibreOffice refuse to sort, delete or paste rows that hold a locked cell
    # on a protected sheet, and every row holds one (its id). Read-only columns warn when typed into, and
    # validation reports any change to them; a sort of some columns only is caught by `validate.alignment`.
    _print_setup(ws, f"{region_label(region.record, lang)} · {plan.sheet.title(lang)}", lang, header)


def _print_setup(ws, label: str, lang: str, header: str | None = None) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.6 if header else 0.5, bottom=0.6)
    safe = label.replace("&", "&&")
    ws.set_footer(f"&L{safe}&R{t('footer_page', lang)}")
    if header:
        ws.set_header(header)


def round_header(rnd: dict | None, lang: str) -> str | None:
    """The printed page header of a round's workbook: the round and period on the left, the due date right."""
    if not rnd:
        return None
    left = " · ".join(str(v) for v in (rnd.get("name"), rnd.get("period")) if v).replace("&", "&&")
    return f"&L{left}&R{t('header_due', lang, due=rnd['due'])}"


def _col(fields: tuple[Field, ...], key: str) -> int:
    return next(i for i, f in enumerate(fields) if f.key == key)


def _summary_values(schema: Schema, records: dict[str, dict[str, dict]], today: date) -> dict[str, Any]:
    clusters = records.get("cluster", {})
    recs = records.get("recommendation", {})
    constraints = records.get("constraint", {})
    open_recs = [r for r in recs.values() if r.get("status") != "done"]
    overdue = [r for r in open_recs if r.get("due_date") and date.fromisoformat(r["due_date"]) < today]
    def known_sum(key: str) -> tuple[Any, str]:
        """The sum over the clusters that report the figure ("—" when none does, never 0), and "n/N"."""
        values = [c[key] for c in clusters.values() if isinstance(c.get(key), (int, float))]
        return (sum(values) if values else "—"), f"{len(values)}/{len(clusters)}"

    return {
        "clusters": len(clusters),
        "employment": known_sum("employment"),
        "output": known_sum("output"),
        "high": sum(1 for c in constraints.values() for f in schema.factors if c.get(f.id) == 3),
        "open": len(open_recs),
        "overdue": len(overdue),
    }


def _write_index(ws, data: BuildInput, schema: Schema, lang: str, fmt: _Formats,
                 by_region: dict[str, tuple[dict[str, SheetPlan], dict[str, Any]]]) -> None:
    headers = [t(k, lang) for k in ("ix_region", "ix_level", "ix_clusters", "ix_employment", "ix_reported",
                                    "ix_output", "ix_reported", "ix_high", "ix_open", "ix_overdue")]
    links = 10  # the first column of the links to each sheet
    kinds = [s.kind for s in schema.sheets]
    headers += [schema.sheet(k).title(lang) for k in kinds]
    ws.write_string(0, 0, t("index_title", lang), fmt.title)
    ws.set_row(2, 32)
    for col, h in enumerate(headers):
        ws.write_string(2, col, h, fmt.header)
    levels = [REGION_LEVEL_WORDS.get(lv, {}).get(lang, lv)
              for r in data.regions if (lv := str(r.record.get("level") or ""))]
    widths = [16, max([10.0] + [header_word_width(level) for level in levels])] + [11] * (links - 2)
    widths += [max(12, header_word_width(h)) for h in headers[links:]]  # a link shows the title on one line
    for col, h in enumerate(headers):
        ws.set_column(col, col, fitted_width(widths[col], h))
    inv = schema.sheet("inventory")
    name_col = xl_col_to_name(_col(inv.fields, "name_zh"))
    emp_col = xl_col_to_name(_col(inv.fields, "employment"))
    out_col = xl_col_to_name(_col(inv.fields, "output"))
    cons = schema.sheet("constraints")
    f0 = xl_col_to_name(next(i for i, f in enumerate(cons.fields) if f.is_factor))
    f1 = xl_col_to_name(len(cons.fields) - 1)
    rec = schema.sheet("recommendations")
    title_col = xl_col_to_name(_col(rec.fields, "title_zh"))
    status_col = xl_col_to_name(_col(rec.fields, "status"))
    due_col = xl_col_to_name(_col(rec.fields, "due_date"))
    done = schema.option("rec_status", "done").label(lang)
    for i, region in enumerate(data.regions):
        row = 3 + i
        sheets, values = by_region[region.id]
        first = sheets.get("inventory")
        label = region_label(region.record, lang)
        if first:
            ws.write_url(row, 0, f"internal:'{first.name}'!A1", fmt.link, string=label)
        else:
            ws.write_string(row, 0, label, fmt.plain)
        level = str(region.record.get("level") or "")
        ws.write_string(row, 1, REGION_LEVEL_WORDS.get(level, {}).get(lang, level), fmt.plain)
        formulas = []
        if "inventory" in sheets:
            s = sheets["inventory"].name
            count = f"COUNTA('{s}'!{name_col}:{name_col})-1"
            formulas.append((2, f"={count}", values["clusters"], fmt.int))
            for col, key, letter, number_fmt in ((3, "employment", emp_col, fmt.int), (5, "output", out_col, fmt.num)):
                figures = f"'{s}'!{letter}:{letter}"
                total, covered = values[key]
                formulas += [(col, f'=IF(COUNT({figures})=0,"—",SUM({figures}))', total, number_fmt),
                             (col + 1, f'=COUNT({figures})&"/"&({count})', covered, fmt.covered)]
        if "constraints" in sheets:
            s = sheets["constraints"].name
            formulas.append((7, f"=COUNTIF('{s}'!{f0}:{f1},3)", values["high"], fmt.int))
        if "recommendations" in sheets:
            s = sheets["recommendations"].name
            formulas += [
                (8, f"=COUNTA('{s}'!{title_col}:{title_col})-1-COUNTIF('{s}'!{status_col}:{status_col},\"{done}\")",
                 values["open"], fmt.int),
                (9, f"=COUNTIFS('{s}'!{due_col}:{due_col},\"<\"&TODAY(),'{s}'!{status_col}:{status_col},"
                    f"\"<>{done}\")", values["overdue"], fmt.int)]
        for col, formula, cached, cell_fmt in formulas:
            ws.write_formula(row, col, formula, cell_fmt, cached)
        for j, kind in enumerate(kinds):
            if kind in sheets:
                ws.write_url(row, links + j, f"internal:'{sheets[kind].name}'!A1", fmt.link,
                             string=schema.sheet(kind).title(lang))
    note_row = 4 + len(data.regions)
    ws.write_string(note_row, 0, t("index_note", lang), fmt.plain)
    ws.freeze_panes(3, 1)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})  # an overview: its sums follow
    _print_setup(ws, t("sheet_index", lang), lang, round_header(data.round, lang))


def _write_instructions(ws, data: BuildInput, schema: Schema, lang: str, fmt: _Formats) -> None:
    label_width, text_width = 24, 90
    ws.set_column(0, 0, label_width)
    ws.set_column(1, 1, text_width)
    row = 0

    def line(label: str, text: str, label_fmt) -> None:
        """One row: a label and a text, as tall as the wrapped text needs (nothing autofits it)."""
        nonlocal row
        ws.set_row(row, row_height([(label, label_width), (text, text_width)]))
        ws.write_string(row, 0, label, label_fmt)
        if text:
            ws.write_string(row, 1, text, fmt.text)
        row += 1

    def heading(text: str) -> None:
        nonlocal row
        row += 1
        ws.write_string(row, 0, text, fmt.h2)
        row += 1

    ws.write_string(row, 0, t("instr_title", lang), fmt.title)
    row += 2
    separator = "、" if lang == "zh" else ", "
    if data.round:  # where officials look first: which round, for which period, due when
        line(t("instr_round", lang), data.round["name"], fmt.bold)
        if data.round.get("period"):
            line(t("instr_period", lang), str(data.round["period"]), fmt.bold)
        line(t("instr_due", lang), t("instr_due_v", lang, due=data.round["due"]), fmt.due)
    line(t("instr_what_k", lang), t("instr_what_v", lang), fmt.bold)
    line(t("instr_regions", lang), separator.join(region_label(r.record, lang) for r in data.regions), fmt.bold)
    line(t("instr_revision", lang), str(data.revision), fmt.bold)
    line(t("instr_built", lang), data.built_at.strftime("%Y-%m-%d %H:%M"), fmt.bold)
    line(t("instr_id", lang), data.workbook_id, fmt.bold)
    heading(t("instr_how", lang))
    for sheet in schema.sheets:
        line(sheet.title(lang), sheet.help(lang), fmt.label)
    for key in ("instr_rule_new", "instr_rule_delete", "instr_rule_numbers", "instr_rule_readonly",
                "instr_rule_send"):
        line("•", t(key, lang), fmt.bold)
    heading(t("instr_legend", lang))
    for key in ("header", "locked", "editable", "overdue", "low", "mid", "high"):
        line("", t(f"legend_{key}", lang), fmt.legend_header if key == "header" else fmt.legend[key])
    heading(t("instr_severity", lang))
    for level in schema.severity_scale:
        line("", level[lang], fmt.text)
    heading(t("instr_factors", lang))
    for f in schema.factors:
        line(f.title(lang), f"[{schema.group_title(f.group, lang)}] " + (f.help_zh if lang == "zh" else f.help_en),
             fmt.label)
    heading(t("instr_dont", lang))
    line("", t("instr_dont_v", lang), fmt.text)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    _print_setup(ws, t("sheet_instructions", lang), lang, round_header(data.round, lang))


CUSTOM_PROPERTY_MAX = 255  # Excel's limit on a custom document property's text


def _write_meta(wb, data: BuildInput, schema: Schema, lang: str, plans: list[SheetPlan]) -> None:
    """The workbook's identity, in a very hidden sheet and in custom document properties."""
    values = {
        "workbook_id": data.workbook_id,
        "revision": str(data.revision),
        "schema_version": schema.version,
        "regions": ",".join(r.id for r in data.regions),
        "lang": lang,
        "built_at": data.built_at.isoformat(timespec="seconds"),
        "tool": f"cluster-wb {__version__}",
    }
    if data.round:
        values["round"] = data.round["name"]
    ws = wb.add_worksheet(META_SHEET)
    row = 0
    for k, v in values.items():
        ws.write_string(row, 0, k)
        ws.write_string(row, 1, v)
        row += 1
    for plan in plans:
        ws.write_string(row, 0, "sheet")
        ws.write_string(row, 1, plan.name)
        ws.write_string(row, 2, plan.kind)
        ws.write_string(row, 3, plan.region)
        row += 1
    ws.very_hidden()
    ws.protect("")
    for k, v in values.items():
        if len(v) <= CUSTOM_PROPERTY_MAX:  # a longer one (the regions of a national book) lives in the sheet only
            wb.set_custom_property(PROPERTY_PREFIX + k, v)
