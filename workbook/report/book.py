"""Write the consolidated report: a read-only workbook with native charts, and its PDF through LibreOffice.

Input is the figures of `report.figures`; every number shown is one of them. Unknown figures are "—" in the
tables and gaps in the charts (their data sit on a hidden sheet, blank where unknown), never 0."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from workbook.core.errors import CwbError
from workbook.core.messages import TERMINAL_WORDS, t
from workbook.template.approx import number_format
from workbook.template.model import Schema
from workbook.xlsx.build import COLOURS
from workbook.xlsx.layout import DOCUMENT_PROPERTY

FONT = "Noto Sans CJK SC"


DOCUMENT_KIND = "report"  # a custom property: validate and merge refuse the file, saying what it is


CHART_REGIONS = 25  # a chart with more regions than this shows the largest ones (its title says so)


DATA_SHEET = "_chart_data"


STATUS_COLOURS = {"not_started": "#BFBFBF", "in_progress": "#5B9BD5", "done": "#70AD47", "suspended": "#FFC000",
                  "unset": "#E7E6E6"}


SERIES_COLOURS = ["#1F4E79", "#2E75B6", "#9DC3E6", "#F4B183", "#C55A11", "#A9D18E", "#7F7F7F"]


class PdfError(CwbError):
    """LibreOffice is not there, or could not print the report."""

    http_status = 503


class _Book:
    """The workbook, its formats, and the hidden sheet that holds the charts' data."""

    def __init__(self, path: Path, lang: str, fig: dict, schema: Schema):
        self.lang, self.fig, self.schema = lang, fig, schema
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                  "strings_to_numbers": False})
        self.wb.set_custom_property(DOCUMENT_PROPERTY, DOCUMENT_KIND)
        self.wb.set_properties({"title": t("rpt_title", lang), "comments": self.data_date()})
        wb = self.wb
        base = {"font_name": FONT, "font_size": 10, "valign": "top"}
        self.specs: dict[str, dict[str, Any]] = {
            "int": {**base, "border": 1, "num_format": "#,##0"},
            "num": {**base, "border": 1, "num_format": "#,##0.00"},
            "total": {**base, "border": 1, "bold": True, "num_format": "#,##0", "top": 2},
            "total_num": {**base, "border": 1, "bold": True, "num_format": "#,##0.00", "top": 2},
        }  # the figures' formats, which a sum of approximate figures marks (`number`)
        self.f = {
            "title": wb.add_format({**base, "bold": True, "font_size": 15, "font_color": COLOURS["title"]}),
            "sub": wb.add_format({**base, "font_color": "#595959"}),
            "h2": wb.add_format({**base, "bold": True, "font_size": 12, "font_color": COLOURS["title"]}),
            "header": wb.add_format({**base, "bold": True, "font_color": COLOURS["header_font"], "text_wrap": True,
                                     "bg_color": COLOURS["header"], "border": 1, "align": "center",
                                     "valign": "vcenter"}),
            "group": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"}),
            "text": wb.add_format({**base, "border": 1, "text_wrap": True}),
            "bold": wb.add_format({**base, "border": 1, "bold": True, "text_wrap": True}),
            "int": wb.add_format({**base, "border": 1, "num_format": "#,##0"}),
            "num": wb.add_format({**base, "border": 1, "num_format": "#,##0.00"}),
            "mean": wb.add_format({**base, "border": 1, "num_format": "0.0"}),
            "pct": wb.add_format({**base, "border": 1, "num_format": "0%"}),
            "dash": wb.add_format({**base, "border": 1, "align": "center", "font_color": "#7F7F7F"}),
            "cover": wb.add_format({**base, "border": 1, "font_color": "#595959", "align": "center"}),
            "total": wb.add_format({**base, "border": 1, "bold": True, "num_format": "#,##0", "top": 2}),
            "total_num": wb.add_format({**base, "border": 1, "bold": True, "num_format": "#,##0.00", "top": 2}),
            "total_text": wb.add_format({**base, "border": 1, "bold": True, "top": 2}),
            "total_pct": wb.add_format({**base, "border": 1, "bold": True, "num_format": "0%", "top": 2}),
            "note": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
            # a change: an arrow up or down (the colour scale beside it says good or bad)
            "arrow": wb.add_format({**base, "border": 1, "num_format": '"▲ "#,##0;"▼ "#,##0;"＝ "0'}),
            "arrow_num": wb.add_format({**base, "border": 1, "num_format": '"▲ "#,##0.00;"▼ "#,##0.00;"＝ "0'}),
        }
        self.columns: list[tuple[str, list[Any]]] = []  # the charts' data, written by `finish`

    def data_date(self) -> str:
        fig = self.fig
        rnd = fig.get("round")
        text = t("rpt_data_date", self.lang, rev=fig["revision"], date=fig["as_of"])
        if rnd:
            text += t("rpt_data_round", self.lang, round=rnd["name"], state=t(f"rpt_round_{rnd['state']}", self.lang))
        return text

    def region_name(self, row: dict) -> str:
        name = row.get("name_zh") if self.lang == "zh" else (row.get("name_en") or row.get("name_zh"))
        return str(name or row["region"])

    def sheet(self, key: str, title_key: str, widths: list[tuple[int, float]]):
        ws = self.wb.add_worksheet(t(key, self.lang))
        ws.hide_gridlines(2)
        for col, width in widths:
            ws.set_column(col, col, width)
        ws.write_string(0, 0, t(title_key, self.lang), self.f["title"])
        ws.write_string(1, 0, self.data_date(), self.f["sub"])
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        safe = lambda s: s.replace("&", "&&")  # noqa: E731 - header codes
        ws.set_header(f"&L{safe(t('rpt_title', self.lang))} · {safe(t(key, self.lang))}&R{safe(self.data_date())}")
        ws.set_footer("&R" + t("footer_page", self.lang))
        return ws

    def number(self, ws, row: int, col: int, value: Any, fmt: str = "int", approx: dict | None = None) -> None:
        """A figure, or "—" where it is unknown; a sum of approximate figures says what it is by its number
        format, as the data sheets do (zh 1,100多 / 近30 / 约95, en ≥1,100 / ≤30 / ≈95) and stays a number."""
        if value is None:
            ws.write_string(row, col, "—", self.f["dash"])
        else:
            if fmt in ("num", "total_num") and float(value).is_integer():  # 5 firms, not 5.00
                fmt = "int" if fmt == "num" else "total"
            ws.write_number(row, col, value, self._marked(fmt, approx) if approx else self.f[fmt])

    def _marked(self, fmt: str, approx: dict) -> Any:
        key = f"{fmt}:{approx['kind']}:{approx.get('high')}"
        if key not in self.f:
            spec = {**self.specs[fmt]}
            spec["num_format"] = number_format(spec["num_format"], approx, self.lang)
            self.f[key] = self.wb.add_format(spec)
        return self.f[key]

    def header_row(self, ws, row: int, titles: list[str], height: float = 30) -> None:
        ws.set_row(row, height)
        for col, text in enumerate(titles):
            ws.write_string(row, col, text, self.f["header"])

    def series(self, name: str, values: list[Any]) -> str:
        """A column of chart data for the hidden sheet written last (blank where unknown); its range."""
        col = len(self.columns)
        self.columns.append((name, values))
        first, last = xl_rowcol_to_cell(1, col, True, True), xl_rowcol_to_cell(len(values), col, True, True)
        return f"='{DATA_SHEET}'!{first}:{last}"

    def finish(self) -> None:
        """The charts' data, on a hidden sheet after the report's own."""
        data = self.wb.add_worksheet(DATA_SHEET)
        for col, (name, values) in enumerate(self.columns):
            data.write_string(0, col, name)
            for i, v in enumerate(values, start=1):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    data.write_number(i, col, v)
                elif isinstance(v, str):
                    data.write_string(i, col, v)
        data.hide()
        self.wb.close()

    def chart(self, kind: str, title: str, subtype: str | None = None, *, legend: bool = True, y_title: str = ""):
        chart = self.wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
        font = {"name": FONT, "size": 9}
        chart.set_title({"name": title, "name_font": {"name": FONT, "size": 11, "bold": True}})
        categories = {"num_font": font, "name_font": font, "major_gridlines": {"visible": False}}
        values = {"num_font": font, "name": y_title, "name_font": font,
                  "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
        if kind == "bar":  # a bar chart's x axis is its vertical, category axis
            chart.set_x_axis(values)
            chart.set_y_axis(categories)
        else:
            chart.set_x_axis(categories)
            chart.set_y_axis(values)
        chart.set_legend({"position": "bottom", "font": font} if legend else {"none": True})
        chart.set_chartarea({"border": {"none": True}})
        return chart


def write_report(fig: dict, schema: Schema, path: Path, lang: str) -> Path:
    """The report workbook at `path`, sheets in the order a director reads them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = _Book(path, lang, fig, schema)
    _overview(book)
    _constraints(book)
    _follow_up(book)
    _targets(book)
    _changes(book)
    _trends(book)
    _quality(book)
    book.wb.worksheets()[0].activate()
    book.finish()
    return path


def _chart_rows(book: _Book, key: str) -> list[dict]:
    """The regions a chart shows: all of them, or the largest by `key` when there are too many."""
    rows = book.fig["regions"]
    if len(rows) <= CHART_REGIONS:
        return rows
    return sorted(rows, key=lambda r: -(r.get(key) if isinstance(r.get(key), (int, float)) else -1))[:CHART_REGIONS]


def _chart_title(book: _Book, key: str, shown: int) -> str:
    title = t(key, book.lang)
    if shown < len(book.fig["regions"]):
        title += t("rpt_chart_top", book.lang, n=shown)
    return title


def _overview(book: _Book) -> None:
    lang, fig, f = book.lang, book.fig, book.f
    statuses = [o for o in book.schema.enums["rec_status"]]
    widths = [(0, 14), (1, 8)] + [(c, 10 if c % 2 == 0 else 7) for c in range(2, 12)] + \
        [(c, 7.5) for c in range(12, 19)] + [(19, 8)]
    ws = book.sheet("rpt_sheet_overview", "rpt_title_overview", widths)
    inv = book.schema.sheet("inventory")
    head = [t("rpt_region", lang), t("rpt_clusters", lang)]
    for key in ("enterprises", "above_scale", "specialised_smes", "employment", "output"):
        head += [inv.field(key).title(lang), t("rpt_reported", lang)]
    head += [o.label(lang) for o in statuses] + [t("rpt_unset", lang), t("rpt_overdue", lang),
                                                 t("rpt_completeness", lang)]
    top = 3
    ws.merge_range(top, 12, top, 12 + len(statuses) + 1, t("rpt_measures", lang), f["group"])
    book.header_row(ws, top + 1, head, 44)
    row = top + 1
    for r in [*fig["regions"], None]:
        row += 1
        total = r is None
        data = fig["total"] if total else r
        text, num, dec, pct = ("total_text", "total", "total_num", "total_pct") if total else \
            ("bold", "int", "num", "pct")
        ws.write_string(row, 0, t("rpt_total", lang) if total else book.region_name(r), f[text])
        ws.write_number(row, 1, data["clusters"], f[num])
        col = 2
        for key in ("enterprises", "above_scale", "specialised_smes", "employment", "output"):
            book.number(ws, row, col, data[key], dec if key == "output" else num, data["approx"].get(key))
            ws.write_string(row, col + 1, f"{data['coverage'][key]}/{data['clusters']}", f["cover"])
            col += 2
        for o in statuses:
            ws.write_number(row, col, data["recommendations"][o.code], f[num])
            col += 1
        ws.write_number(row, col, data["recommendations"]["unset"], f[num])
        ws.write_number(row, col + 1, data["recommendations"]["overdue"], f[num])
        book.number(ws, row, col + 2, data["completeness"], pct)
    ws.conditional_format(top + 2, 12 + len(statuses) + 1, row - 1, 12 + len(statuses) + 1,
                          {"type": "cell", "criteria": ">", "value": 0,
                           "format": book.wb.add_format({"bg_color": COLOURS["overdue"]})})
    ws.write_string(row + 1, 0, t("rpt_note_coverage", lang), f["note"])
    ws.freeze_panes(top + 2, 1)
    ws.repeat_rows(top, top + 1)
    # charts: output and employment by region; clusters by formation type and by stage
    chart_row = row + 3
    for i, (key, title, unit) in enumerate((("output", "rpt_chart_output", "rpt_unit_output"),
                                            ("employment", "rpt_chart_employment", "rpt_unit_people"))):
        shown = _chart_rows(book, key)
        names = book.series(t("rpt_region", lang), [book.region_name(r) for r in shown])
        chart = book.chart("column", _chart_title(book, title, len(shown)), legend=False, y_title=t(unit, lang))
        chart.add_series({"name": t(title, lang), "categories": names, "values": book.series(key, [
            r[key] for r in shown]), "fill": {"color": SERIES_COLOURS[i]}, "gap": 80,
            "data_labels": {"value": True, "num_format": "#,##0", "font": {"name": FONT, "size": 8}}})
        ws.insert_chart(chart_row, 0 if i == 0 else 9, chart, {"x_scale": 1.15, "y_scale": 1.0})
    chart_row += 17
    for i, (key, title) in enumerate((("formation_type", "rpt_chart_formation"), ("stage", "rpt_chart_stage"))):
        shown = _chart_rows(book, "clusters")
        names = book.series(t("rpt_region", lang), [book.region_name(r) for r in shown])
        chart = book.chart("column", _chart_title(book, title, len(shown)), "stacked",
                           y_title=t("rpt_unit_clusters", lang))
        codes = [o for o in book.schema.enums[key]] + [None]
        for j, o in enumerate(codes):
            code = "unset" if o is None else str(o.code)
            chart.add_series({"name": t("rpt_unset", lang) if o is None else o.label(lang), "categories": names,
                              "values": book.series(code, [r[key][code] or None for r in shown]),
                              "fill": {"color": "#E7E6E6" if o is None else SERIES_COLOURS[j % len(SERIES_COLOURS)]},
                              "gap": 60})
        ws.insert_chart(chart_row, 0 if i == 0 else 9, chart, {"x_scale": 1.15, "y_scale": 1.0})


def _constraints(book: _Book) -> None:
    lang, fig, f, schema = book.lang, book.fig, book.f, book.schema
    group_position = {g["id"]: i for i, g in enumerate(schema.groups)}
    factors = sorted(schema.factors, key=lambda x: group_position.get(x.group, len(group_position)))
    widths = [(0, 14)] + [(c, 7.2) for c in range(1, len(factors) + 1)]
    ws = book.sheet("rpt_sheet_constraints", "rpt_title_constraints", widths)
    cells = {(c["factor"], c["region"]): c for c in fig["constraints"]}
    regions = fig["regions"]
    row = 3
    heat = {"type": "3_color_scale", "min_color": COLOURS["low"], "mid_color": COLOURS["mid"],
            "max_color": COLOURS["high"]}
    blocks = (("at_least_2", "rpt_block_at_least_2", "int"), ("mean", "rpt_block_mean", "mean"),
              ("assessed", "rpt_block_assessed", "int"))
    for key, title, fmt in blocks:
        ws.write_string(row, 0, t(title, lang), f["h2"])
        row += 1
        # the group row above the factor titles: one merged cell per factor group
        col = 1
        for g in schema.groups:
            members = [x for x in factors if x.group == g["id"]]
            if not members:
                continue
            if len(members) == 1:
                ws.write_string(row, col, g[lang], f["group"])
            else:
                ws.merge_range(row, col, row, col + len(members) - 1, g[lang], f["group"])
            col += len(members)
        book.header_row(ws, row + 1, [t("rpt_region", lang)] + [x.title(lang) for x in factors], 58)
        first = row + 2
        row += 1
        for r in regions:
            row += 1
            ws.write_string(row, 0, book.region_name(r), f["bold"])
            for j, x in enumerate(factors, start=1):
                book.number(ws, row, j, cells[(x.id, r["region"])][key], fmt)
        if key != "mean":
            row += 1
            ws.write_string(row, 0, t("rpt_total", lang), f["total_text"])
            for j, x in enumerate(factors, start=1):
                ws.write_number(row, j, sum(cells[(x.id, r["region"])][key] for r in regions), f["total"])
        if key != "assessed":
            ws.conditional_format(first, 1, first + len(regions) - 1, len(factors), heat)
        row += 3
    ws.write_string(row - 2, 0, t("rpt_note_severity", lang), f["note"])
    ranking = fig["factor_ranking"]
    titles = [schema.factor(x["factor"]).title(lang) for x in ranking]
    chart = book.chart("bar", t("rpt_chart_ranking", lang), legend=False, y_title="")
    chart.add_series({"name": t("rpt_block_at_least_2", lang),
                      "categories": book.series(t("rpt_factor", lang), list(reversed(titles))),
                      "values": book.series("at_least_2", [x["at_least_2"] for x in reversed(ranking)]),
                      "fill": {"color": COLOURS["high"]}, "gap": 40,
                      "data_labels": {"value": True, "font": {"name": FONT, "size": 8}}})
    chart.set_x_axis({"num_font": {"name": FONT, "size": 9}, "name": t("rpt_unit_clusters", lang),
                      "name_font": {"name": FONT, "size": 9},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_size({"width": 760, "height": 420})
    ws.insert_chart(row, 0, chart)


def _follow_up(book: _Book) -> None:
    lang, fig, f = book.lang, book.fig, book.f
    statuses = list(book.schema.enums["rec_status"])
    widths = [(0, 14), (1, 11), (2, 40), (3, 18), (4, 12), (5, 10), (6, 10)]
    ws = book.sheet("rpt_sheet_follow_up", "rpt_title_follow_up", widths)
    shown = _chart_rows(book, "clusters") if len(fig["regions"]) > CHART_REGIONS else fig["regions"]
    chart = book.chart("bar", _chart_title(book, "rpt_chart_status", len(shown)), "stacked",
                       y_title=t("rpt_unit_measures", lang))
    names = book.series(t("rpt_region", lang), [book.region_name(r) for r in reversed(shown)])
    for o in [*statuses, None]:
        code = "unset" if o is None else o.code
        chart.add_series({"name": t("rpt_unset", lang) if o is None else o.label(lang), "categories": names,
                          "values": book.series(code, [r["recommendations"][code] or None for r in reversed(shown)]),
                          "fill": {"color": STATUS_COLOURS.get(code, "#7F7F7F")}, "gap": 40})
    chart.set_size({"width": 760, "height": max(260, 60 + 28 * len(shown))})
    ws.insert_chart(3, 0, chart)
    row = 3 + max(14, int((60 + 28 * len(shown)) / 20) + 2)
    ws.write_string(row, 0, t("rpt_overdue_title", lang, n=len(fig["overdue"])), f["h2"])
    row += 1
    book.header_row(ws, row, [t(k, lang) for k in ("rpt_region", "rpt_id", "rpt_measure", "rpt_owner", "rpt_due",
                                                   "rpt_days_overdue", "rpt_status")])
    ws.repeat_rows(row)
    names_of = {r["region"]: book.region_name(r) for r in fig["regions"]}
    labels = {o.code: o.label(lang) for o in statuses}
    if not fig["overdue"]:
        ws.write_string(row + 1, 0, t("rpt_none_overdue", lang), f["note"])
    for o in fig["overdue"]:
        row += 1
        title = o["title"] if lang == "zh" else (o.get("title_en") or o["title"])
        ws.write_string(row, 0, names_of.get(o["region"], o["region"]), f["text"])
        ws.write_string(row, 1, o["record"], f["text"])
        ws.write_string(row, 2, str(title or ""), f["text"])
        ws.write_string(row, 3, str(o["owner"] or "—"), f["text"])
        ws.write_string(row, 4, o["due_date"], f["text"])
        ws.write_number(row, 5, o["days_overdue"], f["int"])
        ws.write_string(row, 6, labels.get(o["status"], t("rpt_unset", lang)), f["text"])


def _targets(book: _Book) -> None:
    lang, fig, f = book.lang, book.fig, book.f
    widths = [(0, 12), (1, 10), (2, 10), (3, 44), (4, 8), (5, 11), (6, 11), (7, 10), (8, 10)]
    ws = book.sheet("rpt_sheet_targets", "rpt_title_targets", widths)
    book.header_row(ws, 3, [t(k, lang) for k in ("rpt_region", "rpt_id", "rpt_subject", "rpt_metric", "rpt_unit",
                                                 "rpt_target", "rpt_actual", "rpt_actual_id", "rpt_progress")])
    ws.repeat_rows(3)
    names_of = {r["region"]: book.region_name(r) for r in fig["regions"]}
    row = 3
    for x in fig["targets"]:
        row += 1
        metric = x["metric"] if lang == "zh" else (x.get("metric_en") or x["metric"])
        ws.write_string(row, 0, names_of.get(x["region"], x["region"]), f["text"])
        ws.write_string(row, 1, x["record"], f["text"])
        ws.write_string(row, 2, x["subject"] or t("rpt_whole_region", lang), f["text"])
        ws.write_string(row, 3, str(metric or ""), f["text"])
        ws.write_string(row, 4, str(x["unit"] or ""), f["text"])
        book.number(ws, row, 5, x["target"], "num")
        book.number(ws, row, 6, x["actual"], "num")
        ws.write_string(row, 7, x["actual_record"] or "—", f["dash"] if not x["actual_record"] else f["text"])
        book.number(ws, row, 8, x["progress"], "pct")
    if not fig["targets"]:
        ws.write_string(4, 0, t("rpt_no_targets", lang), f["note"])
    else:
        ws.conditional_format(4, 8, row, 8, {"type": "data_bar", "bar_color": "#70AD47", "min_type": "num",
                                             "min_value": 0, "max_type": "num", "max_value": 1})
    ws.write_string(row + 2, 0, t("rpt_note_targets", lang), f["note"])


def _changes(book: _Book) -> None:
    lang, fig, f = book.lang, book.fig, book.f
    widths = [(0, 14), (1, 14), (2, 12), (3, 30), (4, 14), (5, 12), (6, 12), (7, 12)]
    ws = book.sheet("rpt_sheet_changes", "rpt_title_changes", widths)
    since = fig.get("since")
    if since is None:
        ws.write_string(3, 0, t("rpt_no_since", lang), f["note"])
        return
    ws.write_string(3, 0, t("rpt_since", lang, round=since["name"], rev=since["closed_rev"], now=fig["revision"]),
                    f["sub"])
    names_of = {r["region"]: book.region_name(r) for r in fig["regions"]}
    counts = fig["change_counts"]
    book.header_row(ws, 5, [t("rpt_region", lang), t("rpt_entity", lang), t("rpt_changed_fields", lang)])
    row = 5
    for c in counts:
        row += 1
        ws.write_string(row, 0, names_of.get(c["region"], c["region"]), f["text"])
        ws.write_string(row, 1, t(f"rpt_entity_{c['entity']}", lang), f["text"])
        ws.write_number(row, 2, c["changes"], f["int"])
    if not counts:
        row += 1
        ws.write_string(row, 0, t("rpt_nothing_changed", lang), f["note"])
    row += 2
    ws.write_string(row, 0, t("rpt_moves_title", lang), f["h2"])
    row += 1
    book.header_row(ws, row, [t(k, lang) for k in ("rpt_region", "rpt_id", "rpt_field", "rpt_cluster_name",
                                                   "rpt_old", "rpt_new", "rpt_delta")][:7])
    inv = book.schema.sheet("inventory")
    moves = fig["moves"]
    for m in moves:
        row += 1
        ws.write_string(row, 0, names_of.get(m["region"], m["region"]), f["text"])
        ws.write_string(row, 1, m["record"], f["text"])
        ws.write_string(row, 2, inv.field(m["field"]).title(lang), f["text"])
        ws.write_string(row, 3, str(m.get("name") or ""), f["text"])
        fmt = "num" if m["field"] == "output" else "int"
        ws.write_number(row, 4, m["old"], f[fmt])
        ws.write_number(row, 5, m["new"], f[fmt])
        ws.write_number(row, 6, m["delta"], f[fmt])
    if not moves:
        ws.write_string(row + 1, 0, t("rpt_no_moves", lang), f["note"])


TREND_COLOURS = {"merged_on_time": "#70AD47", "merged_late": "#FFC000", "not_merged": "#BFBFBF"}


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _trends(book: _Book) -> None:
    """Round against round: returns, completeness and measures; constraint severities and core figures since the
    `--since` round. Every share beside its denominator ("2/4")."""
    lang, fig, f, schema = book.lang, book.fig, book.f, book.schema
    statuses = list(schema.enums["rec_status"])
    widths = [(0, 25), (1, 10), (2, 10.5), (3, 10)] + [(c, 8.2) for c in range(4, 20)]
    ws = book.sheet("rpt_sheet_trends", "rpt_title_trends", widths)
    ws.set_row(0, 21)  # the title's own height: the data date below stays clear of it
    rounds = fig.get("rounds") or []
    row = 3
    ws.write_string(row, 0, t("rpt_trend_returns_title", lang), f["h2"])
    if not rounds:
        ws.write_string(row + 1, 0, t("rpt_trend_no_rounds", lang), f["note"])
        row += 3
    else:
        keys = ("issued", "returned", "merged_on_time", "merged_late", "not_merged")
        head = [t(k, lang) for k in ("rpt_trend_round", "rpt_trend_period", "rpt_trend_due", "rpt_trend_state")] + \
            [t(f"rpt_trend_{k}", lang) for k in keys] + \
            [t(k, lang) for k in ("rpt_trend_on_time_share", "rpt_trend_on_time_pct", "rpt_completeness",
                                  "rpt_trend_completeness_over")] + \
            [o.label(lang) for o in statuses] + [t("rpt_unset", lang), t("rpt_overdue", lang)]
        row += 1
        book.header_row(ws, row, head, 44)
        first = row + 1
        for r in rounds:
            row += 1
            ws.write_string(row, 0, r["name"], f["bold"])
            ws.write_string(row, 1, r["period"] or "—", f["text"])
            ws.write_string(row, 2, r["due"], f["text"])
            ws.write_string(row, 3, t(f"rpt_round_{r['state']}", lang), f["text"])
            col = 4
            for k in keys:
                ws.write_number(row, col, r[k], f["int"])
                col += 1
            ws.write_string(row, col, f"{r['merged_on_time']}/{r['issued']}", f["cover"])
            book.number(ws, row, col + 1, _ratio(r["merged_on_time"], r["issued"]), "pct")
            book.number(ws, row, col + 2, r["completeness"], "pct")
            ws.write_string(row, col + 3, f"{r.get('completeness_regions', 0)}/{r['issued']}", f["cover"])
            col += 4
            for code in [o.code for o in statuses] + ["unset", "overdue"]:
                ws.write_number(row, col, r["recommendations"][code], f["int"])
                col += 1
        ws.conditional_format(first, 10, row, 10, {"type": "data_bar", "bar_color": "#70AD47", "min_type": "num",
                                                    "min_value": 0, "max_type": "num", "max_value": 1})
        ws.conditional_format(first, col - 1, row, col - 1, {"type": "cell", "criteria": ">", "value": 0, "format":
                                                             book.wb.add_format({"bg_color": COLOURS["overdue"]})})
        ws.write_string(row + 2, 0, t("rpt_trend_note_rounds", lang), f["note"])
        row = _trend_charts(book, ws, row + 4, rounds, statuses)
    ws.set_h_pagebreaks([row])  # the changes since the --since round on a page of their own
    row = _severity_trend(book, ws, row + 1)
    _region_deltas(book, ws, row + 1)


def _trend_charts(book: _Book, ws, row: int, rounds: list[dict], statuses: list) -> int:
    """Returns per round with the on-time share against 90 %; completeness; measures by status and overdue.
    Returns the row below them."""
    lang = book.lang
    names = book.series(t("rpt_trend_round", lang), [r["name"] for r in rounds])
    returns = book.chart("column", t("rpt_trend_chart_returns", lang), "stacked", y_title=t("rpt_unit_regions", lang))
    for key in ("merged_on_time", "merged_late", "not_merged"):
        returns.add_series({"name": t(f"rpt_trend_{key}", lang), "categories": names,
                            "values": book.series(key, [r[key] for r in rounds]),
                            "fill": {"color": TREND_COLOURS[key]}, "gap": 60})
    share = book.wb.add_chart({"type": "line"})
    shares = [_ratio(r["merged_on_time"], r["issued"]) for r in rounds]
    share.add_series({"name": t("rpt_trend_on_time_pct", lang), "categories": names,
                      "values": book.series("on_time_share", shares),
                      "y2_axis": True, "line": {"color": "#1F4E79", "width": 2.25},
                      "marker": {"type": "circle", "size": 6, "fill": {"color": "#1F4E79"},
                                 "border": {"color": "#1F4E79"}},
                      "data_labels": {"value": True, "num_format": "0%", "position": "above",
                                      "font": {"name": FONT, "size": 8}}})
    share.add_series({"name": t("rpt_trend_target", lang), "categories": names,
                      "values": book.series("target", [0.9] * len(rounds)), "y2_axis": True,
                      "line": {"color": "#C00000", "width": 1.25, "dash_type": "dash"}, "marker": {"type": "none"}})
    font = {"name": FONT, "size": 9}
    share.set_y2_axis({"min": 0, "max": 1, "num_format": "0%", "num_font": font, "major_gridlines": {"visible": False}})
    returns.combine(share)
    ws.insert_chart(row, 0, returns, {"x_scale": 1.2, "y_scale": 1.05})
    done = book.chart("column", t("rpt_trend_chart_completeness", lang), legend=False,
                      y_title=t("rpt_completeness", lang))
    done.add_series({"name": t("rpt_completeness", lang), "categories": names,
                     "values": book.series("completeness", [r["completeness"] for r in rounds]),
                     "fill": {"color": SERIES_COLOURS[1]}, "gap": 80,
                     "data_labels": {"value": True, "num_format": "0%", "font": {"name": FONT, "size": 8}}})
    done.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "num_font": font,
                     "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    ws.insert_chart(row, 9, done, {"x_scale": 1.2, "y_scale": 1.05})
    row += 17
    measures = book.chart("column", t("rpt_trend_chart_measures", lang), "stacked",
                          y_title=t("rpt_unit_measures", lang))
    for o in [*statuses, None]:
        code = "unset" if o is None else o.code
        measures.add_series({"name": t("rpt_unset", lang) if o is None else o.label(lang), "categories": names,
                             "values": book.series(code, [r["recommendations"][code] for r in rounds]),
                             "fill": {"color": STATUS_COLOURS.get(code, "#7F7F7F")}, "gap": 60})
    overdue = book.wb.add_chart({"type": "line"})
    overdue.add_series({"name": t("rpt_overdue", lang), "categories": names,
                        "values": book.series("overdue", [r["recommendations"]["overdue"] for r in rounds]),
                        "line": {"color": "#C00000", "width": 2.25},
                        "marker": {"type": "square", "size": 6, "fill": {"color": "#C00000"},
                                   "border": {"color": "#C00000"}},
                        "data_labels": {"value": True, "position": "above", "font": {"name": FONT, "size": 8}}})
    measures.combine(overdue)
    ws.insert_chart(row, 0, measures, {"x_scale": 1.2, "y_scale": 1.05})
    return row + 17


def _severity_trend(book: _Book, ws, row: int) -> int:
    """Per factor, clusters worsened, improved, unchanged, newly assessed and resolved since the `--since` round,
    a chart of the first two, and the clusters that moved most. Returns the row below."""
    lang, fig, f, schema = book.lang, book.fig, book.f, book.schema
    changes = fig.get("severity_changes") or []
    since = fig.get("since")
    if not changes or since is None:
        ws.write_string(row, 0, t("rpt_trend_no_since", lang), f["note"])
        return row + 2
    ws.write_string(row, 0, t("rpt_trend_severity_title", lang, round=since["name"]), f["h2"])
    keys = ("worsened", "improved", "unchanged", "new", "resolved")
    row += 1
    book.header_row(ws, row, [t("rpt_factor", lang)] + [t(f"rpt_trend_{k}", lang) for k in keys])
    top = row
    for c in changes:
        row += 1
        ws.write_string(row, 0, schema.factor(c["factor"]).title(lang), f["bold"])
        for j, k in enumerate(keys, start=1):
            ws.write_number(row, j, c[k], f["int"])
    worse, better = (book.wb.add_format({"bg_color": c}) for c in (COLOURS["overdue"], "#C6EFCE"))
    for col, colour in ((1, worse), (2, better), (5, better)):  # a count above 0 stands out
        ws.conditional_format(top + 1, col, row, col, {"type": "cell", "criteria": ">", "value": 0,
                                                       "format": colour})
    chart = book.chart("bar", t("rpt_trend_chart_severity", lang), y_title="")
    titles = book.series(t("rpt_factor", lang), [schema.factor(c["factor"]).title(lang) for c in reversed(changes)])
    for key, colour in (("worsened", COLOURS["high"]), ("improved", "#70AD47")):
        chart.add_series({"name": t(f"rpt_trend_{key}", lang), "categories": titles,
                          "values": book.series(key, [c[key] or None for c in reversed(changes)]),
                          "fill": {"color": colour}, "gap": 40})
    most = max([c[k] for c in changes for k in ("worsened", "improved")] + [1])
    chart.set_x_axis({"num_font": {"name": FONT, "size": 9}, "name": t("rpt_unit_clusters", lang),
                      "name_font": {"name": FONT, "size": 9}, "min": 0, "major_unit": max(1, -(-most // 6)),
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    height = max(300, 90 + 26 * len(changes))  # room for every factor's title
    chart.set_size({"width": 600, "height": height})
    ws.insert_chart(top, 7, chart)
    row = max(row + 2, top + int(height / 20) + 1)
    ws.write_string(row, 0, t("rpt_trend_note_severity", lang), f["note"])
    row += 2
    ws.write_string(row, 0, t("rpt_trend_movers_title", lang), f["h2"])
    row += 1
    book.header_row(ws, row, [t(k, lang) for k in ("rpt_cluster_name", "rpt_id", "rpt_region",
                                                   "rpt_trend_factors_up", "rpt_trend_factors_down",
                                                   "rpt_trend_net")])
    names_of = {r["region"]: book.region_name(r) for r in fig["regions"]}
    movers = fig.get("severity_movers") or []
    if not movers:
        ws.write_string(row + 1, 0, t("rpt_trend_no_movers", lang), f["note"])
        row += 1
    for m in movers:
        row += 1
        name = m["name"] if lang == "zh" else (m.get("name_en") or m["name"])
        ws.write_string(row, 0, str(name or ""), f["text"])
        ws.write_string(row, 1, m["record"], f["text"])
        ws.write_string(row, 2, names_of.get(m["region"], m["region"] or ""), f["text"])
        ws.write_number(row, 3, m["worsened"], f["int"])
        ws.write_number(row, 4, m["improved"], f["int"])
        ws.write_number(row, 5, m["delta"], book.f["arrow"])
    return row + 2


def _region_deltas(book: _Book, ws, row: int) -> None:
    """Current | previous | change per region for the core figures, the change with an arrow and a colour scale;
    a region absent from the earlier round named below, its previous figures "—"."""
    lang, fig, f, schema = book.lang, book.fig, book.f, book.schema
    deltas = fig.get("region_changes") or []
    since = fig.get("since")
    if not deltas or since is None:
        return
    ws.write_string(row, 0, t("rpt_trend_regions_title", lang, round=since["name"]), f["h2"])
    row += 1
    inv = schema.sheet("inventory")
    figures = ("clusters", "enterprises", "employment", "output")
    for j, key in enumerate(figures):
        title = t("rpt_clusters", lang) if key == "clusters" else inv.field(key).title(lang)
        ws.merge_range(row, 1 + 3 * j, row, 3 + 3 * j, title, f["group"])
    row += 1
    book.header_row(ws, row, [t("rpt_region", lang)] + [t(f"rpt_trend_{k}", lang) for _ in figures
                                                        for k in ("current", "previous", "delta")])
    first = row + 1
    for d in deltas:
        row += 1
        ws.write_string(row, 0, book.region_name(d), f["bold"])
        for j, key in enumerate(figures):
            fmt = "num" if key == "output" else "int"
            book.number(ws, row, 1 + 3 * j, (d["current"] or {}).get(key), fmt)
            book.number(ws, row, 2 + 3 * j, (d["previous"] or {}).get(key), fmt)
            delta = (d["delta"] or {}).get(key)
            if delta is None:
                ws.write_string(row, 3 + 3 * j, "—", f["dash"])
            else:
                ws.write_number(row, 3 + 3 * j, delta, f["arrow_num" if key == "output" else "arrow"])
    for j in range(len(figures)):
        ws.conditional_format(first, 3 + 3 * j, row, 3 + 3 * j,
                              {"type": "3_color_scale", "min_color": "#F8CBAD", "mid_type": "num", "mid_value": 0,
                               "mid_color": "#FFFFFF", "max_color": "#C6EFCE"})
    absent: dict[str, list[str]] = {}
    for d in deltas:
        if d["absent_from"]:
            absent.setdefault(d["absent_from"], []).append(book.region_name(d))
    for name, regions in absent.items():
        row += 1
        listed = TERMINAL_WORDS["list_separator"][lang].join(regions)
        ws.write_string(row, 0, t("rpt_trend_absent", lang, regions=listed, round=name), f["note"])


def _quality(book: _Book) -> None:
    lang, fig, f, schema = book.lang, book.fig, book.f, book.schema
    core = [(sheet.entity, fld) for sheet in schema.sheets for fld in sheet.fields if fld.core]
    widths = [(0, 14)] + [(c, 8.5) for c in range(1, len(core) + 3)]
    ws = book.sheet("rpt_sheet_quality", "rpt_title_quality", widths)
    col = 1
    for sheet in schema.sheets:  # one group heading per sheet whose core fields follow
        n = sum(1 for fld in sheet.fields if fld.core)
        if n:
            text = t("rpt_quality_filled", lang, sheet=sheet.title(lang))
            if n == 1:
                ws.write_string(3, col, text, f["group"])
            else:
                ws.merge_range(3, col, 3, col + n - 1, text, f["group"])
            col += n
    head = [t("rpt_region", lang)] + [fld.title(lang) for _e, fld in core] + [t("rpt_approximate", lang),
                                                                             t("rpt_unknown", lang)]
    book.header_row(ws, 4, head, 58)
    ws.repeat_rows(3, 4)
    names_of = {r["region"]: book.region_name(r) for r in fig["regions"]}
    row = 4
    for q in fig["quality"]:
        row += 1
        ws.write_string(row, 0, names_of.get(q["region"], q["region"]), f["bold"])
        for j, (entity, fld) in enumerate(core, start=1):
            book.number(ws, row, j, q["filled"][f"{entity}.{fld.key}"], "pct")
        ws.write_number(row, len(core) + 1, q["approximate"], f["int"])
        ws.write_number(row, len(core) + 2, q["unknown"], f["int"])
    if row > 4:
        ws.conditional_format(5, 1, row, len(core), {"type": "3_color_scale", "min_type": "num", "min_value": 0,
                                                     "mid_type": "num", "mid_value": 0.5, "max_type": "num",
                                                     "max_value": 1, "min_color": "#F8CBAD", "mid_color": "#FFE699",
                                                     "max_color": "#C6EFCE"})
    ws.write_string(row + 2, 0, t("rpt_note_quality", lang), f["note"])


def to_pdf(path: Path) -> Path:
    """Print the workbook to a PDF beside it with LibreOffice (headless, a throwaway profile)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PdfError("pdf_no_office")
    profile = Path(tempfile.mkdtemp(prefix="cwb-pdf-"))
    try:
        done = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                               "pdf", "--outdir", str(path.parent), str(path)], capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise PdfError("pdf_timeout", path=str(path)) from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = path.with_suffix(".pdf")
    if done.returncode != 0 or not pdf.exists():
        raise PdfError("pdf_failed", path=str(path), why=done.stderr.decode(errors="replace").strip())
    return pdf
