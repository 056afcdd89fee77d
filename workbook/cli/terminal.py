"""Terminal output: the schema listing, validation tables, merge summaries, the log, rounds (rich tables),
and the return tracker (a plain aligned table: `status` is what a coordinator runs many times a day, and
rich's import and layout cost more than the query)."""

from __future__ import annotations

import os
import sys
import unicodedata
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.campaign.history import outcome_text
from workbook.campaign.rounds import summary_line
from workbook.core.changes import APPROX_SOURCE, ORPHANS_SOURCE
from workbook.core.messages import ACCOUNT_WORDS, ROUND_WORDS, SEVERITY_WORDS, STATE_WORDS, TERMINAL_WORDS

if TYPE_CHECKING:
    from rich.console import Console

    from workbook.template.model import Field, Schema, Sheet


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
    """The template in `lang`: a table per sheet (its fields' keys, which `schema apply` files name, beside
    their titles), then the constraint factors."""
    from workbook.core.messages import t
    from workbook.template.normalize import plain_number

    out = console()
    out.print(w("schema_heading", lang, version=schema.version))
    yes = t("yes", lang)
    for sheet in schema.sheets:
        table = Table(title=f"{sheet.kind}: {sheet.title(lang)}", show_lines=False)
        for col in TERMINAL_WORDS["schema_cols"][lang]:
            table.add_column(col)
        for f in sheet.fields:
            allowed = ""
            if f.enum:
                allowed = " / ".join(o.label(lang) for o in schema.enums[f.enum])
            elif f.min is not None or f.max is not None:
                low, high = (None if x is None else plain_number(x) for x in (f.min, f.max))
                allowed = f"≤ {high}" if low is None else f"≥ {low}" if high is None else f"{low} – {high}"
            table.add_row(f.key, f.title(lang), f.type, f.unit or "", yes if f.required else "",
                          yes if f.editable and not f.derived else w("locked", lang), allowed)
        out.print(table)
    table = Table(title=w("factors_title", lang))
    for col in TERMINAL_WORDS["factor_cols"][lang]:
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


def _sheet_of(schema: Schema | None, entity: str) -> Sheet | None:
    if schema is None:
        return None
    try:
        return schema.sheet_for_entity(entity)
    except KeyError:
        return None


def _field_of(schema: Schema | None, entity: str, key: str | None) -> Field | None:
    sheet = _sheet_of(schema, entity)
    if sheet is None or key is None:
        return None
    try:
        return sheet.field(key)
    except KeyError:
        return None


def field_title(schema: Schema | None, entity: str, key: str | None, lang: str) -> str:
    """A field by the title its column shows in `lang` (a constraint factor by its title); its key when the
    schema no longer has it (a field retired since the entry was made)."""
    if key is None:
        return ""
    f = _field_of(schema, entity, key)
    if f is not None:
        return f.title(lang)
    if schema is not None:
        with suppress(KeyError):
            return schema.factor(key).title(lang)
    return key


def entity_title(schema: Schema | None, entity: str, lang: str) -> str:
    """An entity by the title of its sheet (集群清单, not cluster)."""
    sheet = _sheet_of(schema, entity)
    return sheet.title(lang) if sheet is not None else entity


def plain_text(value, lang: str) -> str:
    """Any stored value in words: lists joined, whole numbers without ".0", yes/no, a nested record as
    key=value."""
    from workbook.core.messages import t
    from workbook.template.normalize import plain_number

    if value is None:
        return ""
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, float):
        return str(plain_number(value)) if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, (list, tuple)):
        return w("list_separator", lang).join(plain_text(v, lang) for v in value)
    if isinstance(value, dict):
        return w("record_separator", lang).join(f"{k}={plain_text(v, lang)}" for k, v in value.items()
                                                if v not in (None, "", [], {}))
    return str(value)


def value_text(schema: Schema | None, entity: str, key: str | None, value, lang: str) -> str:
    """A stored value as its cell shows it: an enum's label, a list joined, a percentage with its sign."""
    from workbook.template.field_types import display_value, field_type

    if value is None or value == "" or value == []:
        return ""
    f = _field_of(schema, entity, key)
    if f is None or schema is None:
        return plain_text(value, lang)
    in_words = field_type(f).in_words
    if in_words is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return in_words(value)
    try:
        shown = display_value(schema, f, value, lang)
    except Exception:  # noqa: BLE001 - a value the field's type no longer takes (an old entry): as it is
        shown = value
    if hasattr(shown, "isoformat"):
        return shown.isoformat()
    return plain_text(shown, lang)


def record_text(schema: Schema | None, entity: str, record, lang: str, each: int = 24) -> str:
    """A whole record (an insert's new value, a delete's old one) as a person reads it: 集群名称=…；企业数（家）=1100,
    its fields in the sheet's order by their titles, long texts shortened, internal keys left out."""
    if not isinstance(record, dict):
        return plain_text(record, lang)
    sheet = _sheet_of(schema, entity)
    if sheet is None:
        return _short(plain_text(record, lang), 200)
    from workbook.template.field_types import field_type

    parts = []
    for f in sheet.fields:
        if f.key in ("id", "delete") or f.derived or f.key not in record:
            continue
        if not f.editable and field_type(f).free_text:  # the source and its quote: long, and not the record's
            continue
        text = value_text(schema, entity, f.key, record[f.key], lang)
        if text:
            parts.append(f"{f.title(lang)}={_short(text, each)}")
    return w("record_separator", lang).join(parts)


def change_value(schema: Schema | None, entity: str, key: str | None, value, lang: str, width: int) -> str:
    """An old or new value of a change: a whole record for an insert or a delete, else the field's value."""
    if key is None and isinstance(value, dict):
        return _short(record_text(schema, entity, value, lang), width * 3)
    return _short(value_text(schema, entity, key, value, lang), width)


def print_issues(out: Console, issues, lang: str, titles: dict[tuple[str | None, str], str] | None = None) -> None:
    """The issues of a file; `titles`: (sheet title, field key) -> the column's title in `lang`."""
    if not issues:
        return
    titles = titles or {}
    table = Table(show_lines=False)
    for col in TERMINAL_WORDS["cols"][lang]:
        table.add_column(col, overflow="fold")
    for i in issues:
        field = titles.get((i.sheet, i.field), i.field) if i.field else ""
        table.add_row(SEVERITY_WORDS[lang][i.severity], i.sheet or "", i.cell or "", field, i.record or "",
                      i.message)
    out.print(table)


def _titles(result, lang: str) -> dict[tuple[str | None, str], str]:
    return result.field_titles(lang) if getattr(result, "checked", None) is not None else {}


def print_validation(results, lang: str) -> None:
    out = console()
    for r in results:
        if r.rejected:
            out.print(r.rejected)
            continue
        status = w("ok", lang) if r.ok else ""
        out.print(f"{r.path}: {w('summary', lang, errors=r.checked.errors, warnings=r.checked.warnings)} {status}")
        print_issues(out, r.issues, lang, _titles(r, lang))
    if len(results) > 1:
        ok = sum(1 for r in results if r.ok)
        out.print(w("total", lang, files=len(results), ok=ok, bad=len(results) - ok))


def _counts_text(counts: dict, lang: str) -> str:
    names = {"zh": {"insert": "新增", "update": "修改", "delete": "删除", "unchanged": "未变行", "conflicts": "冲突"},
             "en": {"insert": "inserts", "update": "updates", "delete": "deletes", "unchanged": "unchanged rows",
                    "conflicts": "conflicts"}}[lang]
    return ("，" if lang == "zh" else ", ").join(f"{names[k]} {v}" for k, v in counts.items())


def print_merge(results, lang: str, dry_run: bool, schema: Schema | None = None) -> None:
    """Each file's outcome, issues, conflicts and changes; `schema`: the store's now, which the changes' fields
    are keys of (else each file's own)."""
    out = console()
    ops = TERMINAL_WORDS["ops"][lang]
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
        print_issues(out, r.issues, lang, _titles(r, lang))
        words = schema or r.schema
        if r.plan.conflicts:
            table = Table(title=w("conflicts_title", lang))
            for col in TERMINAL_WORDS["conflict_cols"][lang]:
                table.add_column(col, overflow="fold")
            for c in r.plan.conflicts:
                table.add_row(c.record or "", field_title(words, c.entity, c.field, lang),
                              *(ops["delete"] if c.field is None and v == "delete"
                                else change_value(words, c.entity, c.field, v, lang, 40)
                                for v in (c.base, c.ours, c.theirs)),
                              f"{c.sheet}!{c.cell}")
            out.print(table)
            for c in r.plan.conflicts:
                out.print(f"{c.sheet}!{c.cell} {c.record}: {c.message(lang)}")
        if r.plan.changes and (dry_run or r.applied):
            table = Table()
            for col in TERMINAL_WORDS["change_cols"][lang]:
                table.add_column(col, overflow="fold")
            for c in r.plan.changes:
                table.add_row(ops.get(c.op, c.op), c.record or "", field_title(words, c.entity, c.field, lang),
                              change_value(words, c.entity, c.field, c.old, lang, 40),
                              change_value(words, c.entity, c.field, c.new, lang, 40), f"{c.sheet}!{c.cell}")
            out.print(table)
    if len(results) > 1:
        ok = sum(1 for r in results if r.ok)
        out.print(w("total", lang, files=len(results), ok=ok, bad=len(results) - ok))


def _source_text(source: str | None, lang: str) -> str:
    """Where a revision came from: a file's name, or the seed dataset or an upgrade in words (not `seed:bundled`)."""
    if not source:
        return ""
    if source == "seed:bundled":
        return w("seed_bundled", lang)
    if source.startswith("seed:"):
        return w("seed_from", lang, name=source[len("seed:"):])
    if source == ORPHANS_SOURCE:
        return w("upgrade_orphans", lang)
    if source == APPROX_SOURCE:
        return w("upgrade_approx", lang)
    return source


def print_log(entries: list[dict], lang: str = "zh", schema: Schema | None = None) -> None:
    """The audit trail in `lang`: headers and operations in words, fields by their titles (`schema`: the
    store's now), whole records as title=value."""
    out = console()
    ops = TERMINAL_WORDS["ops"][lang]
    table = Table()
    for col in TERMINAL_WORDS["log_cols"][lang]:
        table.add_column(col, overflow="fold")
    for e in entries:
        entity, key = e["entity"], e["field"]
        cell = f"{e['sheet']}!{e['cell']}" if e.get("sheet") else ""
        table.add_row(str(e["revision"]), _when(e["at"]), e["by"] or "", _source_text(e["source"], lang),
                      entity_title(schema, entity, lang), e["record"] or "", field_title(schema, entity, key, lang),
                      ops.get(e["op"], e["op"]), change_value(schema, entity, key, e["old"], lang, 30),
                      change_value(schema, entity, key, e["new"], lang, 30), cell)
    out.print(table)


def _when(iso: str | None) -> str:
    """An ISO time as people read it: 2026-11-26 18:40."""
    return iso[:16].replace("T", " ") if iso else ""


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
                      f"{r['completeness']:.0%}", outcome_text(r.get("record") or [], lang), r["contact"] or ""],
                     style))
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


def due_passed_line(rnd: dict, lang: str, today: date | None = None) -> str | None:
    """A round opened with its due date past is accepted (a late campaign is real), and said once."""
    today = today or date.today()
    if date.fromisoformat(rnd["due"]) >= today:
        return None
    return ROUND_WORDS["due_passed"][lang].format(due=rnd["due"], today=today.isoformat())


def round_state_line(rnd: dict, changed: bool, lang: str) -> str:
    if changed:
        key = "closed" if rnd["state"] == "closed" else "reopened"
    else:
        key = "unchanged_closed" if rnd["state"] == "closed" else "unchanged_open"
    return ROUND_WORDS[key][lang].format(name=rnd["name"], rev=rnd["closed_rev"], at=_when(rnd["closed_at"]))


def print_accounts(accounts: list[dict], lang: str) -> None:
    """The portal accounts, one row each; never a key. A coordinator's regions: all of them, said in one word."""
    if not accounts:
        from workbook.core.messages import t
        console(stderr=True).print(t("account_none", lang))
        return
    out = console()
    table = Table()
    for col in ACCOUNT_WORDS["cols"][lang]:
        table.add_column(col, overflow="fold")
    for a in accounts:
        regions = (ACCOUNT_WORDS["all_regions"][lang] if a["role"] == "coordinator"
                   else w("list_separator", lang).join(a["regions"]))
        table.add_row(a["name"], ACCOUNT_WORDS[a["role"]][lang], regions,
                      ACCOUNT_WORDS["active" if a["active"] else "revoked"][lang], _when(a["last_seen"]))
    out.print(table)
