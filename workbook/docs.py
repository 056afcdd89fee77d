"""The README's generated parts: the field reference (from the schema), the command reference (from the
commands' own help) and the issue and refusal codes (from the message catalogue). `python -m workbook.docs`
rewrites them in place; a test keeps them in sync."""

from __future__ import annotations

import sys
from pathlib import Path

from workbook.template.cross_rules import CROSS_RULES
from workbook.template.field_types import TYPES
from workbook.template.model import Field, Schema
from workbook.template.schema import load_schema

_ANY_FIELD = Field("x", "x", "x", "text", enum="x")  # stand-ins for the formats that depend on the field
_MONEY_FIELD = Field("x", "x", "x", "number", unit="亿元")


def _n(x: float, grouped: bool = True) -> str:
    if not grouped:
        return f"{int(x)}" if float(x).is_integer() else f"{x}"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def field_reference(schema: Schema) -> str:
    lines = ["The bundled schema (`templates/schema.yaml`), which `init` makes a store's version 1; "
             "`cluster-wb schema --format text` describes a store's own, after any `schema apply`. "
             "Stored enum values are the codes; the workbook shows the labels. "
             "A key in **bold** is a core field: a region's completeness (in `status` and the report) is the "
             "share of its records' core fields that hold a value.", ""]
    for sheet in schema.sheets:
        lines += [f"### {sheet.title_zh} / {sheet.title_en} (`{sheet.kind}`, entity `{sheet.entity}`)", "",
                  "| key | 中文列名 | English header | type | unit | required | editable | allowed | help |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for f in sheet.fields:
            if f.is_factor:
                continue
            if f.enum:
                allowed = " / ".join(f"`{o.code}` {o.zh}" for o in schema.enums[f.enum])
            elif f.min is not None and f.max is not None:
                grouped = TYPES[f.type].number_format(f) != "0"  # a year reads 2025, not 2,025
                allowed = f"{_n(f.min, grouped)} – {_n(f.max, grouped)}" if f.numeric else f"≤ {_n(f.max)} characters"
            elif f.max is not None:
                allowed = f"≤ {_n(f.max)} characters"
            else:
                allowed = ""
            if f.plausible:
                allowed += f" (usually {_n(f.plausible[0])} – {_n(f.plausible[1])})"
            editable = "locked" if not f.editable or f.derived else "yes"
            key = f"**`{f.key}`**" if f.core else f"`{f.key}`"
            lines.append(f"| {key} | {f.title_zh} | {f.title_en} | {f.type} | {f.unit or ''} | "
                         f"{'yes' if f.required else ''} | {editable} | {allowed} | {f.help_en} |")
        if any(f.is_factor for f in sheet.fields):
            lines.append("| *one column per constraint factor* | *factor title* | *factor title* | severity | | "
                         "| yes | 0 – 3 | " + next(f.help_en for f in sheet.fields if f.is_factor) + " |")
        lines.append("")
        for check in sheet.checks:
            named = ", ".join(f"{k}: `{v}`" for k, v in check.items() if k != "rule")
            lines.append(f"Check `{check['rule']}` ({named}): {CROSS_RULES[check['rule']].says}")
            lines.append("")
    for entity in schema.entities.values():
        if not entity.fields:
            continue
        lines += [f"### The {entity.name} record (no sheet of its own)", "", "| key | 中文 | English | type |",
                  "|---|---|---|---|"]
        lines += [f"| `{f.key}` | {f.title_zh} | {f.title_en} | {f.type} |" for f in entity.fields]
        lines.append("")
    lines += ["### Field types", "",
              "Every `type` above is one entry of the type table (`workbook/template/field_types.py`): "
              "how a typed cell is read, the cell's number format, its dropdown or Excel check, how a value is shown.",
              "", "| type | holds (中文) | holds | for example | cell format |", "|---|---|---|---|---|"]
    for ft in TYPES.values():
        fmt = "list" if ft.dropdown(_ANY_FIELD) else f"`{ft.number_format(_ANY_FIELD)}`"
        if not ft.dropdown(_ANY_FIELD) and ft.number_format(_MONEY_FIELD) != ft.number_format(_ANY_FIELD):
            fmt += f"; `{ft.number_format(_MONEY_FIELD)}` in {_MONEY_FIELD.unit}"
        lines.append(f"| `{ft.name}` | {ft.words['zh']} | {ft.words['en']} | {ft.hint['en']} | {fmt} |")
    lines += ["", "### Constraint factors", "", "| id | group | 中文 | English | what it covers |",
              "|---|---|---|---|---|"]
    for f in schema.factors:
        lines.append(f"| `{f.id}` | {schema.group_title(f.group, 'en')} | {f.title_zh} | {f.title_en} | {f.help_en} |")
    lines += ["", "Severity scale: " + "; ".join(s["en"] for s in schema.severity_scale) + "."]
    return "\n".join(lines)


def command_reference() -> str:
    """Every command and subcommand of the command tree: its usage, and what it does and its exit codes from the
    catalogue of its help (in English: `cluster-wb --lang en COMMAND --help`)."""
    import click

    from workbook.cli import cli
    from workbook.core.messages import COMMAND_HELP

    lines = ["| command | what it does | exit codes |", "|---|---|---|"]

    def row(command: click.Command, name: str) -> None:
        ctx = click.Context(command, info_name=name)
        usage = " ".join(click.Command.collect_usage_pieces(command, ctx))  # the metavars in English
        options = " ".join(f"[{'/'.join(p.opts)}{'' if p.is_flag else ' ' + p.make_metavar(ctx)}]"
                           for p in command.params if isinstance(p, click.Option) and p.opts[0] != "--help"
                           and not p.hidden)
        usage = usage.replace("[OPTIONS]", options).replace("|", "\\|")
        lines.append(f"| `{name} {usage.strip()}` | {COMMAND_HELP[name]['en']} | {COMMAND_HELP[name]['exit_en']} |")

    def walk(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(click.Context(group)):
            command = group.get_command(click.Context(group), name)
            if command is None or command.hidden:
                continue
            if isinstance(command, click.Group):
                if command.invoke_without_command:  # a command of its own too (`schema`)
                    row(command, f"{prefix}{name}")
                walk(command, f"{prefix}{name} ")
                continue
            row(command, f"{prefix}{name}")

    walk(cli, "")
    return "\n".join(lines)


def code_reference() -> str:
    """The codes of the issue catalogue (in `validate` and `merge` output) and of the refusals (exit 2)."""
    from workbook.core.messages import ISSUE_MESSAGES, REFUSALS

    lines = ["Issues (`validate` and `merge`, JSON key `code`; `ctx` holds the message's parameters):", "",
             "| code | severity | message (English; Chinese by default) |", "|---|---|---|"]
    lines += [f"| `{code}` | {entry['severity']} | {_cell(entry['en'])} |" for code, entry in ISSUE_MESSAGES.items()]
    lines += ["", "Refusals (on stderr, in the language of `--lang`; exit code 2, but 1 for `apply_refused`, whose "
              "list of problems is made of the `apply_…` lines):", "", "| code | message (English) |", "|---|---|"]
    lines += [f"| `{code}` | {_cell(entry['en'])} |" for code, entry in REFUSALS.items()]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """A message as one Markdown table cell: its line breaks as spaces, its bars as slashes."""
    return " ".join(text.replace("|", "/").split("\n"))


BLOCKS = {
    "field-reference": lambda schema: field_reference(schema),
    "commands": lambda schema: command_reference(),
    "codes": lambda schema: code_reference(),
}


def render_readme(text: str, schema: Schema) -> str:
    for name, make in BLOCKS.items():
        begin = f"<!-- {name}:begin (generated by `python -m workbook.docs`; do not edit by hand) -->"
        end = f"<!-- {name}:end -->"
        if begin not in text:
            continue
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{make(schema)}\n{end}{tail}"
    return text


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("README.md")
    path.write_text(render_readme(path.read_text(encoding="utf-8"), load_schema()), encoding="utf-8")


if __name__ == "__main__":
    main()
