"""Terminal output: the schema listing, validation tables, merge summaries, the log (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .schema import Schema


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=160)


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
