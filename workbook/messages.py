"""Every sentence the tool shows, in Chinese and English. `t(key, lang, **values)` picks and fills one."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    # workbook texts
    "yes": {"zh": "是", "en": "Y"},
    "no": {"zh": "否", "en": "N"},
    "sheet_instructions": {"zh": "说明", "en": "Instructions"},
    "sheet_index": {"zh": "目录", "en": "Index"},
    "footer_page": {"zh": "第 &P 页，共 &N 页", "en": "Page &P of &N"},
    "dv_error_title": {"zh": "请检查输入", "en": "Please check"},
    "dv_error_message": {"zh": "该值不在允许范围内。", "en": "This value is not allowed here."},
    "index_title": {"zh": "产业集群工作簿 · 目录", "en": "Industrial cluster workbook · Index"},
    "ix_region": {"zh": "地区", "en": "Region"},
    "ix_level": {"zh": "层级", "en": "Level"},
    "ix_clusters": {"zh": "集群数", "en": "Clusters"},
    "ix_employment": {"zh": "从业人数（人）", "en": "Employment"},
    "ix_output": {"zh": "产值合计（亿元）", "en": "Output (100m yuan)"},
    "ix_high": {"zh": "严重制约（3级）项数", "en": "Severe constraints"},
    "ix_open": {"zh": "未完成建议", "en": "Open measures"},
    "ix_overdue": {"zh": "逾期建议", "en": "Overdue measures"},
    "index_note": {
        "zh": "点击地区名称或表名可跳转。汇总数字由公式随填报自动更新。",
        "en": "Click a region or sheet name to jump there. The totals are formulas and follow your edits.",
    },
    "instr_title": {"zh": "产业集群工作簿 · 填报说明", "en": "Industrial cluster workbook · Instructions"},
    "instr_what_k": {"zh": "本工作簿", "en": "This workbook"},
    "instr_what_v": {
        "zh": "记录各地区产业集群的清单、制约因素和建议措施落实情况。请核对、补充和更新后交回。",
        "en": "Holds each region's cluster inventory, the constraints diagnosed and the follow-up of the "
              "recommended measures. Check, complete and update it, then send it back.",
    },
    "instr_regions": {"zh": "地区", "en": "Regions"},
    "instr_revision": {"zh": "数据版本", "en": "Store revision"},
    "instr_built": {"zh": "生成时间", "en": "Built"},
    "instr_id": {"zh": "工作簿编号", "en": "Workbook ID"},
    "instr_how": {"zh": "如何填写", "en": "How to fill it in"},
    "instr_sheet_inventory": {
        "zh": "每行一个产业集群：名称、所在地、形成类型、发展阶段、龙头企业和规模数字。数字可直接填“3.2万”“1100多家”。",
        "en": "One row per cluster: name, location, formation type, stage, lead firms and figures. "
              "Numbers may be typed as “3.2万” or “1100多”.",
    },
    "instr_sheet_constraints": {
        "zh": "每行一个集群、每列一个制约因素，按 0–3 从下拉列表选择制约程度；单元格批注为原文证据。",
        "en": "One row per cluster, one column per constraint factor: choose a severity 0–3 from the list; "
              "the cell notes hold the evidence.",
    },
    "instr_sheet_recommendations": {
        "zh": "每行一项建议措施：请填写责任单位、开始日期、完成时限、状态和进度；逾期未完成的行以红色标出。",
        "en": "One row per measure: fill in the responsible unit, dates, status and progress; overdue rows "
              "turn red.",
    },
    "instr_sheet_projects": {
        "zh": "本地区重点项目：更新项目状态、下一步安排和节点时限。",
        "en": "The region's key projects: update status, next step and milestone date.",
    },
    "instr_sheet_indicators": {
        "zh": "本地区的目标与其他指标，原文摘录为证据；数值不详的留空。",
        "en": "The region's targets and other figures, with the quote as evidence; unknown values stay empty.",
    },
    "instr_rule_new": {
        "zh": "新增记录：在数据下方的空行填写，编号留空，系统合并时自动分配。",
        "en": "New record: fill in an empty row below the data and leave the ID empty; it is assigned on merge.",
    },
    "instr_rule_delete": {
        "zh": "删除记录：在该行“删除”列填“是”。直接删除整行不会删除记录。",
        "en": "Delete a record: type Y in its Delete column. Removing the row deletes nothing.",
    },
    "instr_rule_numbers": {
        "zh": "可以排序、筛选、调整列宽和插入行；灰色单元格为只读。",
        "en": "You may sort, filter, resize and insert rows; grey cells are read-only.",
    },
    "instr_rule_send": {
        "zh": "可用 Excel、WPS 或 LibreOffice 编辑并保存为 .xlsx 后交回。",
        "en": "Edit in Excel, WPS or LibreOffice and send it back as .xlsx.",
    },
    "instr_legend": {"zh": "颜色说明", "en": "Colours"},
    "legend_header": {"zh": "表头", "en": "Header"},
    "legend_locked": {"zh": "只读（编号、来源、原文）", "en": "Read-only (IDs, sources, quotes)"},
    "legend_editable": {"zh": "可填写", "en": "Editable"},
    "legend_overdue": {"zh": "建议已逾期未完成", "en": "Measure overdue"},
    "legend_low": {"zh": "制约程度低（0）", "en": "Low severity (0)"},
    "legend_mid": {"zh": "制约程度中（1–2）", "en": "Medium severity (1–2)"},
    "legend_high": {"zh": "制约程度高（3）", "en": "High severity (3)"},
    "instr_severity": {"zh": "制约程度", "en": "Severity"},
    "instr_factors": {"zh": "制约因素", "en": "Constraint factors"},
    "instr_dont": {"zh": "请勿改动", "en": "Please do not change"},
    "instr_dont_v": {
        "zh": "编号列、灰色只读列和隐藏的工作表。工作表可以改名或调整顺序。",
        "en": "ID columns, grey read-only columns and the hidden sheets. Sheets may be renamed or reordered.",
    },
}


def t(key: str, lang: str, **values: Any) -> str:
    """The message `key` in `lang` (zh if the language is unknown), with `values` filled in."""
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text
