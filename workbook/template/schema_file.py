"""Read a schema file a coordinator edited, and check it, naming the line of each slip, before anything changes.

The YAML is read keeping the line of every key (PyYAML keeps the last of two equal keys without a word: here
a key twice is an error). The checks are those of the loader (`schema.parse_schema`) and what Excel allows:
known types, lists and groups that exist, keys unique, titles and help within Excel's limits, sensible ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbook.core.errors import CwbError
from workbook.template.model import LIST_SEPARATORS, Schema
from workbook.template.schema import FACTOR_KEYS, FIELD_KEYS, SHEET_KEYS, parse_schema

TOP_KEYS = {"version", "enums", "severity_scale", "sheets", "entities", "factor_groups", "constraint_factors",
            "migrate"}


MIGRATE_KEYS = ("retire", "values", "unfit")  # how one change treats stored values (see the README)


UNFIT_ACTIONS = ("clear", "clamp")


SHEET_TITLE_MAX = 31  # Excel's limit for a sheet's name (the region's name is put before it, shortened)


SHEET_TITLE_BAD = set("[]:*?/\\")


TEXT_MAX = 255  # a dropdown's value, a column's help (Excel's input message), a title


class SchemaFileError(CwbError):
    """The schema file cannot be used: exit 2, naming the file and the line."""


_lines: dict[int, tuple[int, dict[Any, int]]] = {}  # id(mapping) -> (its line, {key: line})


def _loader():
    import yaml

    class LineLoader(yaml.SafeLoader):
        """A safe loader that notes each mapping's lines and refuses a key given twice."""

    def mapping(loader: LineLoader, node: yaml.MappingNode) -> dict:
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise _Slip(key_node.start_mark.line + 1, f"“{key}” is given twice (the first on line {lines[key]})",
                            f"“{key}”出现了两次（第一次在第 {lines[key]} 行）")
            out[key] = loader.construct_object(value_node, deep=True)
            lines[key] = key_node.start_mark.line + 1
        _lines[id(out)] = (node.start_mark.line + 1, lines)
        return out

    LineLoader.add_constructor("tag:yaml.org,2002:map", mapping)
    return LineLoader


class _Slip(Exception):
    def __init__(self, line: int, en: str, zh: str):
        super().__init__(en)
        self.line, self.en, self.zh = line, en, zh


def _line(d: Any, key: Any = None) -> int:
    line, keys = _lines.get(id(d), (0, {}))
    return keys.get(key, line) if key is not None else line


def read_schema_file(path: Path) -> tuple[dict, str, Schema]:
    """The document (its `migrate:` included), the file's text without `migrate:` (as the version is kept) and
    the schema it describes; `SchemaFileError` names the line of a slip."""
    import yaml

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaFileError("schema_file_unreadable", path=str(path), why=getattr(exc, "strerror", None) or exc) \
            from None
    _lines.clear()
    try:
        doc = yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except _Slip as slip:
        raise _error(path, slip) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SchemaFileError("schema_file_yaml", path=str(path), line=mark.line + 1 if mark else 1,
                              why=" ".join(str(getattr(exc, "problem", exc)).split())) from None
    try:
        check_document(doc)
        schema = parse_schema(doc)
    except _Slip as slip:
        raise _error(path, slip) from None
    except (ValueError, KeyError, TypeError) as exc:  # the loader's own checks: no finer line than the file's
        raise SchemaFileError("schema_file_error", path=str(path), line=1, what=str(exc)) from None
    finally:
        _lines.clear()
    return doc, strip_migrate(text), schema


def _error(path: Path, slip: _Slip) -> SchemaFileError:
    from workbook.core.messages import Both

    return SchemaFileError("schema_file_error", path=str(path), line=slip.line, what=Both(slip.zh, slip.en))


def _need(cond: bool, where: Any, key: Any, en: str, zh: str) -> None:
    if not cond:
        raise _Slip(_line(where, key), en, zh)


def check_document(doc: Any) -> None:
    """Every slip a person makes editing the file, with its line; raises `_Slip` at the first."""

    _need(isinstance(doc, dict), doc, None, "the file is not a schema (a mapping with enums, sheets, …)",
          "文件不是模板（应有 enums、sheets 等部分）")
    for key in doc:
        _need(key in TOP_KEYS, doc, key, f"unknown section “{key}”; the sections are {sorted(TOP_KEYS)}",
              f"未知的部分“{key}”；应为 {sorted(TOP_KEYS)} 之一")
    for key in ("enums", "sheets", "entities", "factor_groups", "constraint_factors"):
        _need(key in doc, doc, None, f"section “{key}” is missing", f"缺少“{key}”部分")
    enums = doc["enums"]
    _need(isinstance(enums, dict), doc, "enums", "enums: a list of values under each name", "enums 下应为各选项表")
    for name, options in enums.items():
        _need(isinstance(options, list) and options, enums, name, f"list “{name}” has no values",
              f"选项表“{name}”没有取值")
        codes: dict[Any, Any] = {}
        labels: dict[str, Any] = {}
        for opt in options:
            _need(isinstance(opt, dict) and {"code", "zh", "en"} <= set(opt), opt, None,
                  f"a value of list “{name}” needs code, zh and en", f"选项表“{name}”的取值需有 code、zh、en")
            for key in opt:
                _need(key in {"code", "zh", "en", "synonyms", "renamed_from"}, opt, key,
                      f"unknown key “{key}” in a value of list “{name}”", f"选项表“{name}”的取值中有未知的键“{key}”")
            _need(opt["code"] not in codes, opt, "code", f"code “{opt['code']}” appears twice in list “{name}”",
                  f"代码“{opt['code']}”在选项表“{name}”中出现了两次")
            codes[opt["code"]] = opt
            for lang in ("zh", "en"):
                label = str(opt[lang])
                _need(0 < len(label) <= TEXT_MAX, opt, lang, f"label “{label[:40]}” is empty or longer than "
                      f"{TEXT_MAX} characters (Excel's limit for a dropdown value)",
                      f"标签“{label[:40]}”为空或超过 {TEXT_MAX} 个字符（Excel 下拉值的上限）")
                _need((lang, label) not in labels, opt, lang, f"label “{label}” appears twice in list “{name}”",
                      f"标签“{label}”在选项表“{name}”中出现了两次")
                labels[(lang, label)] = opt  # type: ignore[index]
    groups = {g.get("id") for g in doc["factor_groups"] if isinstance(g, dict)}
    factor_ids: set[Any] = set()
    for fac in doc["constraint_factors"]:
        _need(isinstance(fac, dict) and "id" in fac, fac, None, "a constraint factor needs an id",
              "制约因素需有 id")
        for key in fac:
            _need(key in FACTOR_KEYS, fac, key,
                  f"unknown key “{key}” in factor {fac['id']}", f"制约因素 {fac['id']} 中有未知的键“{key}”")
        _need(fac["id"] not in factor_ids, fac, "id", f"factor id “{fac['id']}” appears twice",
              f"制约因素编号“{fac['id']}”出现了两次")
        factor_ids.add(fac["id"])
        _need(fac.get("group") in groups, fac, "group", f"factor {fac['id']}: group “{fac.get('group')}” is not "
              f"one of factor_groups ({sorted(map(str, groups))})",
              f"制约因素 {fac['id']} 的分组“{fac.get('group')}”不在 factor_groups 中（{sorted(map(str, groups))}）")
        for lang in ("zh", "en"):
            title = str(fac.get(lang) or "")
            _need(0 < len(title) <= TEXT_MAX, fac, lang, f"factor {fac['id']}: title “{title[:40]}” is empty or "
                  f"longer than {TEXT_MAX} characters", f"制约因素 {fac['id']} 的标题为空或超过 {TEXT_MAX} 个字符")
            _need(not any(ch in title for ch in LIST_SEPARATORS), fac, lang,
                  f"factor {fac['id']}: a title may not contain any of 、,，;；/",
                  f"制约因素 {fac['id']} 的标题不能含 、,，;；/")
        _check_help(fac, f"factor {fac['id']}", f"制约因素 {fac['id']}")
    kinds: set[Any] = set()
    for sheet in doc["sheets"]:
        _need(isinstance(sheet, dict) and "kind" in sheet, sheet, None, "a sheet needs a kind", "工作表需有 kind")
        kind = sheet["kind"]
        for key in sheet:
            _need(key in SHEET_KEYS, sheet, key, f"sheet {kind}: unknown key “{key}”",
                  f"工作表 {kind} 中有未知的键“{key}”")
        _need(kind not in kinds, sheet, "kind", f"sheet kind “{kind}” appears twice", f"工作表“{kind}”出现了两次")
        kinds.add(kind)
        _need(sheet.get("entity") in doc["entities"], sheet, "entity",
              f"sheet {kind}: entity “{sheet.get('entity')}” is not one of entities",
              f"工作表 {kind} 的实体“{sheet.get('entity')}”不在 entities 中")
        for lang in ("zh", "en"):
            title = str((sheet.get("title") or {}).get(lang) or "")
            _need(0 < len(title) <= SHEET_TITLE_MAX and not SHEET_TITLE_BAD & set(title), sheet.get("title") or sheet,
                  lang, f"sheet {kind}: title “{title}” must be 1 to {SHEET_TITLE_MAX} characters without []:*?/\\ "
                  "(Excel's rules for a sheet's name)",
                  f"工作表 {kind} 的标题“{title}”应为 1 到 {SHEET_TITLE_MAX} 个字符，"
                  "且不含 []:*?/\\（Excel 对工作表名的要求）")
        keys: set[Any] = set()
        for f in sheet.get("fields") or ():
            _check_field(f, kind, keys, enums)
        if sheet.get("factor_columns"):
            spec = sheet.get("factor_field") or {}
            _need(spec.get("enum") in (None, *enums), spec, "enum",
                  f"sheet {kind}: factor_field names list “{spec.get('enum')}”, which enums does not have",
                  f"工作表 {kind} 的 factor_field 引用了不存在的选项表“{spec.get('enum')}”")
            clash = keys & factor_ids
            _need(not clash, sheet, "fields", f"sheet {kind}: fields {sorted(map(str, clash))} have a factor's id",
                  f"工作表 {kind} 的字段 {sorted(map(str, clash))} 与制约因素编号相同")
    _check_migrate(doc)


def _check_migrate(doc: dict) -> None:
    """`migrate:` — retire: a list of SHEET.FIELD; values: SHEET.FIELD -> {old: new}; unfit: SHEET.FIELD ->
    clear | clamp."""
    migrate = doc.get("migrate")
    if migrate is None:
        return
    _need(isinstance(migrate, dict), doc, "migrate", "migrate: takes retire, values and unfit",
          "migrate: 下应为 retire、values、unfit")
    for key in migrate:
        _need(key in MIGRATE_KEYS, migrate, key, f"migrate: unknown key “{key}” (retire, values, unfit)",
              f"migrate: 中有未知的键“{key}”（应为 retire、values、unfit）")
    retire = migrate.get("retire")
    _need(retire is None or (isinstance(retire, list) and all(isinstance(x, str) for x in retire)), migrate,
          "retire", "migrate: retire: is a list, for example [inventory.organisation]",
          "migrate: retire: 应为列表，如 [inventory.organisation]")
    values = migrate.get("values")
    _need(values is None or (isinstance(values, dict) and all(isinstance(m, dict) for m in values.values())),
          migrate, "values", "migrate: values: maps SHEET.FIELD to {old: new}, for example "
          "{inventory.stage: {transition: mature}}", "migrate: values: 应为 表.字段: {旧值: 新值}，如 "
          "{inventory.stage: {transition: mature}}")
    unfit = migrate.get("unfit")
    _need(unfit is None or isinstance(unfit, dict), migrate, "unfit",
          "migrate: unfit: maps SHEET.FIELD to clear or clamp", "migrate: unfit: 应为 表.字段: clear 或 clamp")
    for where, action in (unfit or {}).items():
        _need(action in UNFIT_ACTIONS, unfit, where, f"migrate: unfit: {where}: say clear or clamp",
              f"migrate: unfit: {where}: 应为 clear 或 clamp")


def without_migrate(doc: dict) -> dict:
    """The schema a file describes, without how its change treats stored values (and its free label)."""
    return {k: v for k, v in doc.items() if k not in ("migrate", "version")}


def strip_migrate(text: str) -> str:
    """The file's text without its top-level `migrate:` block (and the comment lines just above it): a version
    is kept as the schema it describes, so that a file printed by `schema --format yaml`, edited and applied
    again does not apply the last change's migration a second time."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("migrate:")), None)
    if start is None:
        return text
    end = start + 1
    while end < len(lines) and (lines[end][:1] in (" ", "\t") or not lines[end].strip()):
        end += 1
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    kept = lines[:start] + lines[end:]
    return "".join(kept).rstrip("\n") + "\n"


def _check_field(f: Any, kind: str, keys: set[Any], enums: dict) -> None:
    from workbook.template.field_types import TYPES

    _need(isinstance(f, dict) and "key" in f, f, None, f"sheet {kind}: a field needs a key",
          f"工作表 {kind}：字段需有 key")
    key = f["key"]
    for k in f:
        _need(k in FIELD_KEYS, f, k, f"field {key}: unknown key “{k}” (quote text with commas)",
              f"字段 {key} 中有未知的键“{k}”（含逗号的文字请加引号）")
    _need(key not in keys, f, "key", f"sheet {kind}: field key “{key}” appears twice",
          f"工作表 {kind}：字段“{key}”出现了两次")
    keys.add(key)
    types = ", ".join(sorted(TYPES))
    _need(f.get("type") in TYPES, f, "type", f"field {key}: unknown type “{f.get('type')}”; the types are {types}",
          f"字段 {key} 的类型“{f.get('type')}”不存在；可用的类型：{types}")
    if "enum" in f or TYPES[f["type"]].needs_enum:
        _need(f.get("enum") in enums, f, "enum" if "enum" in f else "type",
              f"field {key}: list “{f.get('enum')}” is not one of enums ({', '.join(enums)})",
              f"字段 {key} 引用的选项表“{f.get('enum')}”不存在（已有：{', '.join(enums)}）")
    title = f.get("title") or {}
    for lang in ("zh", "en"):
        text = str(title.get(lang) or "") if isinstance(title, dict) else ""
        _need(0 < len(text) <= TEXT_MAX, title if isinstance(title, dict) and title else f, lang if title else "title",
              f"field {key}: the {lang} title is empty or longer than {TEXT_MAX} characters",
              f"字段 {key} 的{lang}标题为空或超过 {TEXT_MAX} 个字符")
    for bound in ("min", "max"):
        if f.get(bound) is not None:
            _need(isinstance(f[bound], (int, float)) and not isinstance(f[bound], bool), f, bound,
                  f"field {key}: {bound} must be a number", f"字段 {key} 的 {bound} 应为数字")
    if f.get("min") is not None and f.get("max") is not None:
        _need(f["min"] <= f["max"], f, "max", f"field {key}: min {f['min']} is above max {f['max']}",
              f"字段 {key} 的 min {f['min']} 大于 max {f['max']}")
    if f.get("plausible") is not None:
        p = f["plausible"]
        _need(isinstance(p, list) and len(p) == 2 and all(isinstance(x, (int, float)) for x in p) and p[0] <= p[1],
              f, "plausible", f"field {key}: plausible is [low, high] with low ≤ high",
              f"字段 {key} 的 plausible 应为 [下限, 上限]，且下限不大于上限")
    _check_help(f, f"field {key}", f"字段 {key}")


def _check_help(d: dict, what_en: str, what_zh: str) -> None:
    help_ = d.get("help")
    if help_ is None:
        return
    for lang in ("zh", "en"):
        text = str(help_.get(lang) or "") if isinstance(help_, dict) else ""
        where, key = (help_, lang) if isinstance(help_, dict) else (d, "help")
        _need(len(text) <= TEXT_MAX, where, key,
              f"{what_en}: the help is longer than {TEXT_MAX} characters (Excel's limit for an input message)",
              f"{what_zh} 的说明超过 {TEXT_MAX} 个字符（Excel 输入提示的上限）")
