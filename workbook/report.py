"""Terminal output: the schema listing, validation tables, merge summaries, the log (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .schema import Schema


def console(stderr: bool = False) -> Console:
    # markup off: file names, cell values and messages come from people and are printed as they are
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=160, markup=False)


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


SEVERITY_WORD = {"error": {"zh": "错误", "en": "error"}, "warning": {"zh": "警告", "en": "warning"}}
WORDS = {
    "ok": {"zh": "通过", "en": "ok"},
    "summary": {"zh": "{errors} 个错误，{warnings} 个警告", "en": "{errors} errors, {warnings} warnings"},
    "cols": {"zh": ("级别", "工作表", "单元格", "字段", "记录", "说明"),
             "en": ("severity", "sheet", "cell", "field", "record", "message")},
    "merged": {"zh": "已合并为版本 {rev}：{counts}", "en": "merged as revision {rev}: {counts}"},
    "nothing": {"zh": "没有需要合并的改动", "en": "nothing to change"},
    "already": {"zh": "（此文件已于版本 {rev} 合并过）", "en": "(this file was merged before, as revision {rev})"},
    "dry": {"zh": "试运行，未写入：{counts}", "en": "dry run, nothing written: {counts}"},
    "not_merged": {"zh": "未合并：{errors} 个错误，{conflicts} 个冲突；本文件的改动均未写入",
                   "en": "not merged: {errors} errors, {conflicts} conflicts; nothing of this file was applied"},
    "change_cols": {"zh": ("操作", "记录", "字段", "原值", "新值", "单元格"),
                    "en": ("op", "record", "field", "old", "new", "cell")},
    "conflict_cols": {"zh": ("记录", "字段", "原值（发出时）", "数据库现值", "工作簿值", "单元格"),
                      "en": ("record", "field", "base", "ours (store)", "theirs (workbook)", "cell")},
    "total": {"zh": "共 {files} 个文件：{ok} 个通过，{bad} 个有问题",
              "en": "{files} files: {ok} ok, {bad} with problems"},
}


def w(key: str, lang: str, **values) -> str:
    text = WORDS[key][lang]
    return text.format(**values) if values else text


def _short(value, width: int = 40) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def print_issues(out: Console, issues, lang: str) -> None:
    if not issues:
        return
    table = Table(show_lines=False)
    for col in WORDS["cols"][lang]:
        table.add_column(col, overflow="fold")
    for i in issues:
        table.add_row(SEVERITY_WORD[i.severity][lang], i.sheet or "", i.cell or "", i.field or "", i.record or "",
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
            for col in WORDS["conflict_cols"][lang]:
                table.add_column(col, overflow="fold")
            for c in r.plan.conflicts:
                table.add_row(c.record or "", c.field or "", _short(c.base), _short(c.ours), _short(c.theirs),
                              f"{c.sheet}!{c.cell}")
            out.print(table)
            for c in r.plan.conflicts:
                out.print(f"{c.sheet}!{c.cell} {c.record}: {c.message(lang)}")
        if r.plan.changes and (dry_run or r.applied):
            table = Table()
            for col in WORDS["change_cols"][lang]:
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
