"""An old workbook's rows brought to the template now: read with the version it was built with, then mapped through the
steps since (renamed fields and values, split factors, retired columns)."""

from __future__ import annotations

from workbook.returns.validate import CellRefs, Checked, Issue, Row, same_value
from workbook.template.model import Field, Schema
from workbook.template.schema_change import fits, migrate_record, rule_text, same_rules, stored_shown

STRUCTURAL = ("rename_field", "split_factor", "retire_field")  # the steps that move a value to another key


def forward(checked: Checked, steps: list[dict], old: Schema, new: Schema, base_old: dict[str, dict[str, dict]],
            base_new: dict[str, dict[str, dict]], lang: str) -> None:
    """A workbook built under an older version (`old`), validated with its own columns, brought to the version
    now (`new`), in place: each row's values under the new keys with list values mapped; a value the official
    left as it was issued takes what the store's migration made of it; a value typed anew must fit the new
    field (else an error at its cell of the old workbook); a retired column is a warning and is not merged; a
    new field, absent from the old workbook, counts as unchanged. Cell references stay the old workbook's."""
    structural = [s for s in steps if s["op"] in STRUCTURAL]
    issue = Issue.of
    rows_of: dict[str, list[Row]] = {}  # by sheet: a national workbook has thousands of sheets
    for row in checked.rows:
        rows_of.setdefault(row.sheet, []).append(row)
    issues_of: dict[str | None, list[Issue]] = {}
    for i in checked.issues:
        if i.field is not None:
            issues_of.setdefault(i.sheet, []).append(i)
    checked.issues.append(issue("schema_mapped", lang, value=old.version, theirs=old.version, ours=new.version))
    for title, kind, _region in checked.sheets:
        present = checked.columns.get(title)
        if present is None:
            continue
        entity = old.sheet(kind).entity
        new_sheet = new.sheet(kind)
        known = {f.key for f in new_sheet.fields}
        moved = migrate_record(entity, None, {k: k for k in present}, structural, stored=False)
        origin = {nk: ok for nk, ok in moved.items() if nk in known}
        letters = checked.letters.get(title, {})
        rows = rows_of.get(title, [])
        for ok in sorted(present - set(origin.values()), key=lambda k: letters.get(k, "")):
            f = old.sheet(kind).field(ok)
            typed = [row for row in rows if not row.unchanged and not same_value(
                row.values.get(ok), (base_old.get(entity, {}).get(row.record) or {}).get(ok) if row.record else None)]
            if typed and f.editable and not f.derived:  # only where someone typed in it: nothing else is lost
                checked.issues.append(issue("column_retired", lang, sheet=title, field=ok,
                                            cell=f"{letters[ok]}{typed[0].row}" if ok in letters else None,
                                            record=typed[0].record, value=typed[0].values.get(ok), name=f.titles,
                                            version=new.version, count=len(typed)))
        new_letters = {nk: letters[ok] for nk, ok in origin.items() if ok in letters}
        checked.columns[title] = set(origin)
        checked.origins[title] = origin
        renamed = {ok: nk for nk, ok in origin.items() if ok != nk and list(origin.values()).count(ok) == 1}
        for i in issues_of.get(title, ()):  # the validation's issues name fields by the keys now, as the merge does
            if i.field in renamed:
                i.field = renamed[i.field]
        checked.letters[title] = new_letters
        old_sheet = old.sheet(kind)
        plan = [(nk, ok, new_sheet.field(nk), old_sheet.field(ok)) for nk, ok in origin.items()
                if nk not in ("id", "delete")]
        plan = [(nk, ok, nf, of, not same_rules(old, of, new, nf)) for nk, ok, nf, of in plan]
        inverse: dict[str, list[str]] = {}
        for nk, ok in origin.items():
            inverse.setdefault(ok, []).append(nk)
        for row in rows:
            row.cells = CellRefs(new_letters, row.row)
            if row.unchanged:
                continue
            _forward_row(row, entity, steps, plan, inverse, old, new, base_old, base_new, lang, checked.issues)


def _forward_row(row: Row, entity: str, steps: list[dict], plan: list[tuple[str, str, Field, Field, bool]],
                 inverse: dict[str, list[str]], old: Schema, new: Schema, base_old: dict[str, dict[str, dict]],
                 base_new: dict[str, dict[str, dict]], lang: str, issues: list[Issue]) -> None:
    """One row of an old workbook under the keys now. `plan`: per field kept, (new key, old key, new field, old
    field, whether its rules changed: a value typed anew is checked against the new field only then)."""
    before = row.values
    values = dict(migrate_record(entity, row.record, before, steps, stored=False))
    was = base_old.get(entity, {}).get(row.record) if row.record else None
    now = base_new.get(entity, {}).get(row.record) if row.record else None
    for nk, ok, nf, of, rules_changed in plan:
        if was is not None and same_value(before.get(ok), was.get(ok)):
            value = (now or {}).get(nk)  # as issued: what the store's migration made of it
        else:
            value = values.get(nk)
            if value is not None and rules_changed:
                ok_fit, converted = fits(new, nf, stored_shown(old, of, value), value)
                if not ok_fit:
                    issues.append(Issue.of("schema_unfit", lang, sheet=row.sheet, cell=row.cells.get(nk), field=nk,
                                           record=row.record, value=value, name=nf.titles, rule=rule_text(nf),
                                           version=new.version))
                    row.valid = False
                else:
                    value = converted
        if value is None:
            values.pop(nk, None)
        else:
            values[nk] = value
    row.values = values
    if row.approx:
        row.approx = {nk: m for k, m in row.approx.items() for nk in inverse.get(k, ())}
