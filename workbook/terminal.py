"""Terminal output: the schema listing, validation tables, merge summaries, the log, rounds (rich tables),
and the return tracker (a plain aligned table: `status` is what a coordinator runs many times a day, and
rich's import and layout cost more than the query)."""

from __future__ import annotations

import os
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from .messages import ROUND_WORDS, SEVERITY_WORDS, STATE_WORDS, TERMINAL_WORDS

if TYPE_CHECKING:
    from rich.console import Console

    from .schema import Schema


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    # markup off: file names, cell values and messages come from people and are printed as they are
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=160, markup=False)


def Table(*args, **kwargs):  # noqa: N802 - rich's Table, imported when a table is made
    from rich.table import Table as RichTable

    return RichTable(*args, **kwargs)


ANSI = {"red": "\033[1;31m", "yellow": "\033[33m", "bold": "\033[1m", "reset": "\033[0m"}


def _width(text: str) -> int:
    """Columns a text takes in a terminal: two for a CJK or full-width character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def aligned(headers: tuple[str, ...], rows: list[tuple[list[str], str | None]]) -> str:
    """A plain table, columns padded to their widest cell; a row's colour (red, yellow) only on a terminal
    that shows colours (and without NO_COLOR)."""
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    widths = [max([_width(h)] + [_width(cells[i]) for cells, _ in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), "  ".join("─" * w for w in widths)]
    for cells, style in rows:
        text = line(cells)
        out.append(f"{ANSI[style]}{text}{ANSI['reset']}" if colour and style else text)
    return "\n".join(out)


def print_schema(schema: Schema, lang: str) -> None:
    out = console()
    out.print(f"cluster-wb schema {schema.version}")
    for sheet in schema.sheets:
        table = Table(title=f"{sheet.kind}: {sheet.title(lang)}", show_lines=False)
        for col in ("key", "title", "type", "unit", "required", "editable", "allowed"):
            table.add_column(col)
        for f in sheet.fields:
            allowed = ""
            if f.enum:
                allowed = " / ".join(o.label(lang) for o in schema.enums[f.enum])
            elif f.min is not None or f.max is not None:
                allowed = f"{f.min} – {f.max}"
            table.add_row(f.key, f.title(lang), f.type, f.unit or "", "yes" if f.required else "",
                          "yes" if f.editable and not f.derived else "locked", allowed)
        out.print(table)
    table = Table(title="constraint factors")
    for col in ("id", "group", "title"):
        table.add_column(col)
    for f in schema.factors:
        table.add_row(f.id, schema.group_title(f.group, lang), f.title(lang))
    out.print(table)




def w(key: str, lang: str, **values) -> str:
    text = TERMINAL_WORDS[key][lang]
    return text.format(**values) if values else text


def _short(value, width: int = 40) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def print_issues(out: Console, issues, lang: str) -> None:
    if not issues:
        return
    table = Table(show_lines=False)
    for col in TERMINAL_WORDS["cols"][lang]:
        table.add_column(col, overflow="fold")
    for i in issues:
        table.add_row(SEVERITY_WORDS[lang][i.severity], i.sheet or "", i.cell or "", i.field or "", i.record or "",
                      i.message)
    out.print(table)


def print_validation(results, lang: str) -> None:
    out = console()
    for r in results:
        if r.rejected:
            out.print(r.rejected)
            continue
        status = w("ok", lang) if r.ok else ""
        out.print(f"{r.path}: {w('summary', lang, errors=r.checked.errors, warnings=r.checked.warnings)} {status}")
        print_issues(out, r.issues, lang)
    if len(results) > 1:
        ok = sum(1 for r in results if r.ok)
        out.print(w("total", lang, files=len(results), ok=ok, bad=len(results) - ok))


def _counts_text(counts: dict, lang: str) -> str:
    names = {"zh": {"insert": "新增", "update": "修改", "delete": "删除", "unchanged": "未变行", "conflicts": "冲突"},
             "en": {"insert": "inserts", "update": "updates", "delete": "deletes", "unchanged": "unchanged rows",
                    "conflicts": "conflicts"}}[lang]
    return ", ".join(f"{names[k]} {v}" for k, v in counts.items())


def print_merge(results, lang: str, dry_run: bool) -> None:
    out = console()
    for r in results:
        if r.rejected:
            out.print(r.rejected)
            continue
        counts = r.plan.counts()
        if not r.ok:
            line = w("not_merged", lang, errors=r.checked.errors, conflicts=counts["conflicts"])
        elif dry_run:
            line = w("dry", lang, counts=_counts_text(counts, lang))
        elif r.applied:
            line = w("merged", lang, rev=r.revision, counts=_counts_text(counts, lang))
        else:
            line = w("nothing", lang)
        if r.already and not r.applied:
            line += " " + w("already", lang, rev=r.already)
        out.print(f"{r.path}: {line}")
        print_issues(out, r.issues, lang)
        if r.plan.conflicts:
            table = Table(title="conflicts")
            for col in TERMINAL_WORDS["conflict_cols"][lang]:
                table.add_column(col, overflow="fold")
            for c in r.plan.conflicts:
                table.add_row(c.record or "", c.field or "", _short(c.base), _short(c.ours), _short(c.theirs),
                              f"{c.sheet}!{c.cell}")
            out.print(table)
            for c in r.plan.conflicts:
                out.print(f"{c.sheet}!{c.cell} {c.record}: {c.message(lang)}")
        if r.plan.changes and (dry_run or r.applied):
            table = Table()
            for col in TERMINAL_WORDS["change_cols"][lang]:
                table.add_column(col, overflow="fold")
            for c in r.plan.changes:
                table.add_row(c.op, c.record or "", c.field or "", _short(c.old), _short(c.new), f"{c.sheet}!{c.cell}")
            out.print(table)
    if len(results) > 1:
        ok = sum(1 for r in results if r.ok)
        out.print(w("total", lang, files=len(results), ok=ok, bad=len(results) - ok))


def print_log(entries: list[dict]) -> None:
    out = console()
    table = Table()
    for col in ("revision", "at", "by", "source", "entity", "record", "field", "op", "old", "new", "cell"):
        table.add_column(col, overflow="fold")
    for e in entries:
        cell = f"{e['sheet']}!{e['cell']}" if e.get("sheet") else ""
        table.add_row(str(e["revision"]), e["at"], e["by"] or "", e["source"] or "", e["entity"], e["record"] or "",
                      e["field"] or "", e["op"], _short(e["old"], 30), _short(e["new"], 30), cell)
    out.print(table)


# -- rounds and the return tracker -------------------------------------------------------------------


def _when(iso: str | None) -> str:
    """An ISO time as people read it: 2026-11-26 18:40."""
    return iso[:16].replace("T", " ") if iso else ""


def summary_line(tracker: dict, lang: str) -> str:
    rnd, s = tracker["round"], tracker["summary"]
    return ROUND_WORDS["summary"][lang].format(name=rnd["name"], due=rnd["due"], state=STATE_WORDS[lang][rnd["state"]],
                                               **s)


def print_status(tracker: dict, lang: str) -> None:
    """The tracker at a glance: overdue rows in red, rows waiting on errors or conflicts in yellow, the
    word 逾期 / OVERDUE for terminals without colour, the summary first and last."""
    rows = []
    for r in tracker["regions"]:
        name = r["name_zh"] if lang == "zh" else (r["name_en"] or r["name_zh"])
        style = "red" if r["overdue"] else "yellow" if r["state"] in ("errors", "conflicts") else None
        rows.append(([f"{r['region']} {name or ''}", r["workbook"] or "", STATE_WORDS[lang][r["state"]],
                      str(r["attempts"]), _when(r["last_attempt_at"]), _when(r["merged_at"]), str(r["changes"]),
                      str(r["errors"]), str(r["conflicts"]), ROUND_WORDS["overdue"][lang] if r["overdue"] else "",
                      f"{r['completeness']:.0%}", r["contact"] or ""], style))
    print(summary_line(tracker, lang))
    print(aligned(ROUND_WORDS["status_cols"][lang], rows))
    print(summary_line(tracker, lang))


def print_rounds(rounds: list[dict], lang: str) -> None:
    out = console()
    table = Table()
    for col in ROUND_WORDS["round_cols"][lang]:
        table.add_column(col, overflow="fold")
    for r in rounds:
        table.add_row(r["name"], r["period"] or "", r["due"], STATE_WORDS[lang][r["state"]], str(len(r["regions"])),
                      _when(r["opened_at"]), _when(r["closed_at"]),
                      "" if r["closed_rev"] is None else str(r["closed_rev"]))
    out.print(table)


def round_opened_line(done: dict, lang: str) -> str:
    rnd = done["round"]
    folder = str(Path(done["workbooks"][0]["path"]).parent) if done["workbooks"] else ""
    return ROUND_WORDS["opened"][lang].format(name=rnd["name"], n=len(done["workbooks"]), folder=folder, due=rnd["due"])


def round_state_line(rnd: dict, changed: bool, lang: str) -> str:
    if changed:
        key = "closed" if rnd["state"] == "closed" else "reopened"
    else:
        key = "unchanged_closed" if rnd["state"] == "closed" else "unchanged_open"
    return ROUND_WORDS[key][lang].format(name=rnd["name"], rev=rnd["closed_rev"], at=_when(rnd["closed_at"]))
