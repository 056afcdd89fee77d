"""The return tracker as a small workbook a coordinator can forward: one row per region, late ones marked."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from workbook.campaign.history import outcome_text
from workbook.campaign.rounds import summary_line
from workbook.core.messages import ROUND_WORDS, STATE_WORDS
from workbook.xlsx.build import COLOURS
from workbook.xlsx.layout import DOCUMENT_PROPERTY

FONT = "Noto Sans CJK SC"


DOCUMENT_KIND = "tracker"  # a custom property that tells validate and merge this is not a return


WIDTHS = (16, 26, 16, 6, 16, 16, 7, 7, 7, 7, 8, 12, 30)


def _when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else ""


def write_tracker(tracker: dict, path: Path, lang: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    wb.set_custom_property(DOCUMENT_PROPERTY, DOCUMENT_KIND)
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True}
    title = wb.add_format({**base, "bold": True, "font_size": 13, "font_color": COLOURS["title"], "text_wrap": False})
    header = wb.add_format({**base, "bold": True, "font_color": COLOURS["header_font"], "bg_color": COLOURS["header"],
                            "border": 1, "align": "center", "valign": "vcenter"})
    cell = wb.add_format({**base, "border": 1})
    number = wb.add_format({**base, "border": 1, "num_format": "0"})
    percent = wb.add_format({**base, "border": 1, "num_format": "0%"})
    late = wb.add_format({"bg_color": COLOURS["overdue"], "bold": True})
    stuck = wb.add_format({"bg_color": "#FFEB9C"})
    ws = wb.add_worksheet(ROUND_WORDS["tracker_sheet"][lang])
    ws.write_string(0, 0, summary_line(tracker, lang), title)
    rnd = tracker["round"]
    if rnd.get("period"):
        ws.write_string(1, 0, f"{ROUND_WORDS['period'][lang]}: {rnd['period']}", wb.add_format(base))
    head_row = 3
    for col, (text, width) in enumerate(zip(ROUND_WORDS["status_cols"][lang], WIDTHS, strict=True)):
        ws.write_string(head_row, col, text, header)
        ws.set_column(col, col, width)
    row = head_row
    for r in tracker["regions"]:
        row += 1
        name = r["name_zh"] if lang == "zh" else (r["name_en"] or r["name_zh"])
        ws.write_string(row, 0, f"{r['region']} {name or ''}".strip(), cell)
        ws.write_string(row, 1, r["workbook"] or "", cell)
        ws.write_string(row, 2, STATE_WORDS[lang][r["state"]], cell)
        ws.write_number(row, 3, r["attempts"], number)
        ws.write_string(row, 4, _when(r["last_attempt_at"]), cell)
        ws.write_string(row, 5, _when(r["merged_at"]), cell)
        for col, key in ((6, "changes"), (7, "errors"), (8, "conflicts")):
            ws.write_number(row, col, r[key], number)
        ws.write_string(row, 9, ROUND_WORDS["overdue"][lang] if r["overdue"] else "", cell)
        ws.write_number(row, 10, r["completeness"], percent)
        ws.write_string(row, 11, outcome_text(r.get("record") or [], lang), cell)
        ws.write_string(row, 12, r["contact"] or "", cell)
        if r["overdue"]:
            ws.conditional_format(row, 0, row, len(WIDTHS) - 1, {"type": "no_errors", "format": late})
        elif r["state"] in ("errors", "conflicts"):
            ws.conditional_format(row, 0, row, len(WIDTHS) - 1, {"type": "no_errors", "format": stuck})
    ws.write_string(row + 2, 0, ROUND_WORDS["record_note"][lang], wb.add_format({**base, "text_wrap": False,
                                                                                "italic": True}))
    ws.autofilter(head_row, 0, max(row, head_row + 1), len(WIDTHS) - 1)
    ws.freeze_panes(head_row + 1, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(head_row)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&L" + summary_line(tracker, lang).replace("&", "&&")[:200] + "&R&P / &N")
    wb.close()
