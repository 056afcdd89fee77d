"""Every sentence and word the tool shows, in Chinese and English: the workbook's texts, the issue catalogue, the
refusals, and the words of the terminal tables, the tracker and the annotated copy. `t(key, lang, **values)` picks
and fills a sentence."""

from __future__ import annotations

from typing import Any, NamedTuple

MESSAGES: dict[str, dict[str, str]] = {
    # workbook texts
    "yes": {"zh": "是", "en": "Y"},
    "no": {"zh": "否", "en": "N"},
    "sheet_instructions": {"zh": "说明", "en": "Instructions"},
    "sheet_index": {"zh": "目录", "en": "Index"},
    "approx_about": {"zh": "约", "en": "≈"},  # an approximate figure's number format (template/approx.py)
    "approx_at_least": {"zh": "多", "en": "≥"},
    "approx_at_least_share": {"zh": "以上", "en": "≥"},
    "approx_at_most": {"zh": "近", "en": "≤"},
    "approx_range": {"zh": "至", "en": "–"},
    "approx_kind_about": {"zh": "约", "en": "about"},
    "approx_kind_at_least": {"zh": "至少", "en": "at least"},
    "approx_kind_at_most": {"zh": "至多", "en": "at most"},
    "approx_kind_range": {"zh": "区间", "en": "range"},
    "approx_said_about": {"zh": "约数：约 {val}", "en": "about {val}"},  # the kind, in the `approximate` warning
    "approx_said_at_least": {"zh": "下限：至少 {val}", "en": "a lower bound: at least {val}"},
    "approx_said_at_most": {"zh": "上限：至多 {val}", "en": "an upper bound: at most {val}"},
    "approx_said_range": {"zh": "区间", "en": "a range"},
    "inferred_note": {"zh": "推断值：{reason}\n原文未就本条明确写出，请核实；如有误请直接改正。",
                      "en": "Inferred: {reason}\nThe text does not state this for the record; please check it and "
                            "correct it if wrong."},
    "footer_page": {"zh": "第 &P 页，共 &N 页", "en": "Page &P of &N"},
    # a schema's change, one line per step (`schema apply`, workbook/template/schema_change.py)
    "change_add_field": {"zh": "新增字段 {sheet}.{field}“{title}”", "en": "field added: {sheet}.{field} “{title}”"},
    "change_retire_field": {"zh": "停用字段 {sheet}.{field}“{title}”（{count} 条记录有值，从当前记录中移除，历史中保留）",
                            "en": "field retired: {sheet}.{field} “{title}” ({count} records hold a value: removed "
                                  "from the current records, kept in the history)"},
    "change_rename_field": {"zh": "字段改名 {sheet}.{from} → {to}", "en": "field renamed: {sheet}.{from} → {to}"},
    "change_map_values": {"zh": "{sheet}.{field} 的取值转换：{map}", "en": "{sheet}.{field} values mapped: {map}"},
    "change_set_values": {"zh": "{sheet}.{field}：{why} {n} 个已存值", "en": "{sheet}.{field}: {why} {n} stored values"},
    "change_field_title": {"zh": "标题 {sheet}.{field}：“{old}” → “{new}”",
                           "en": "title {sheet}.{field}: “{old}” → “{new}”"},
    "change_field_help": {"zh": "说明文字 {sheet}.{field} 已修改", "en": "help text of {sheet}.{field} changed"},
    "change_field_attr": {"zh": "{sheet}.{field} 的 {attr}：{old} → {new}", "en": "{sheet}.{field} {attr}: {old} → {new}"},
    "change_sheet_help": {"zh": "工作表 {sheet} 的说明已修改", "en": "help text of sheet {sheet} changed"},
    "change_sheet_checks": {"zh": "工作表 {sheet} 的校验规则（checks）已修改", "en": "checks of sheet {sheet} changed"},
    "change_value_synonyms": {"zh": "选项表 {enum} 的 {code}：同义词已修改", "en": "list {enum}, value {code}: synonyms changed"},
    "change_value_retired": {"zh": "选项表 {enum} 删去 {code}（没有记录在用）", "en": "list {enum}: value {code} retired (no record uses it)"},
    "change_factor_groups": {"zh": "制约因素分组（factor_groups）已修改", "en": "factor groups changed"},
    "change_severity_scale": {"zh": "制约程度说明（severity_scale）已修改", "en": "the severity scale's wording changed"},
    "change_other_edits": {"zh": "其他修改（不影响已存数据）", "en": "other edits (none touches a stored value)"},
    "change_field_range": {"zh": "{sheet}.{field} 范围：{old} → {new}", "en": "{sheet}.{field} range: {old} → {new}"},
    "change_field_type": {"zh": "{sheet}.{field} 类型：{old} → {new}", "en": "{sheet}.{field} type: {old} → {new}"},
    "change_sheet_title": {"zh": "工作表 {sheet} 标题：“{old}” → “{new}”", "en": "sheet {sheet} title: “{old}” → “{new}”"},
    "change_add_factor": {"zh": "新增制约因素 {factor}“{title}”", "en": "constraint factor added: {factor} “{title}”"},
    "change_split_factor": {"zh": "制约因素 {from} 拆分为 {to}（{count} 个集群的程度照抄到各新因素）",
                            "en": "constraint factor {from} split into {to} ({count} clusters' severities copied to "
                                  "each)"},
    "change_factor_group": {"zh": "制约因素 {field} 分组：{old} → {new}", "en": "factor {field} group: {old} → {new}"},
    "change_value_added": {"zh": "选项表 {enum} 新增 {code}“{label}”", "en": "list {enum}: value added {code} “{label}”"},
    "change_value_label": {"zh": "选项表 {enum} 的 {code}：“{old}” → “{new}”",
                           "en": "list {enum}, value {code}: “{old}” → “{new}”"},
    "apply_done": {"zh": "已应用：模板第 {version} 版；{records} 条记录随之迁移（{entries} 条审计记录，数据版本 {revision}）。",
                   "en": "applied: template version {version}; {records} records migrated ({entries} audit entries, "
                         "revision {revision})."},
    "apply_dry_run": {"zh": "试运行：未作任何改动；应用后将迁移 {records} 条记录（{entries} 条审计记录）。",
                      "en": "dry run: nothing changed; applying would migrate {records} records ({entries} audit "
                            "entries)."},
    "apply_nothing": {"zh": "与当前第 {version} 版相同，未作任何改动。", "en": "the same as version {version}; nothing changed."},
    "change_none": {"zh": "与当前版本相同，没有变化。", "en": "the same as the current version: nothing changes."},
    "why_convert": {"zh": "按新类型转换", "en": "converted to the new type:"},
    "why_clear": {"zh": "清空不符合的", "en": "cleared, as they do not fit:"},
    "why_clamp": {"zh": "截到新范围内的", "en": "clamped into the new range:"},
    "dv_error_title": {"zh": "请检查输入", "en": "Please check"},
    "dv_readonly_title": {"zh": "只读列", "en": "Read-only column"},
    "dv_readonly_message": {"zh": "灰色列由系统维护，请勿修改：改动会在校验时报错，整份工作簿不能合并。请选“否”放弃修改。",
                            "en": "Grey columns are kept by the store; do not change them: a change is reported as an "
                                  "error and the workbook cannot be merged. Choose No to keep the original."},
    "not_ours": {"zh": "{path}：不是 cluster-wb 生成的工作簿（找不到工作簿标识）。请交回由 cluster-wb build 生成的文件。",
                 "en": "{path}: not a cluster-wb workbook (no workbook identity found). Send back a file that "
                       "cluster-wb build wrote."},
    "not_issued": {"zh": "{path}：工作簿 {id} 不是由本数据库发出的。请确认 --store 是否正确，或使用本数据库生成的工作簿。",
                   "en": "{path}: workbook {id} was not issued by this store. Check --store, or use a workbook built "
                         "from this store."},
    "not_a_return": {"zh": "{path}：这是 cluster-wb 生成的{kind}，只供阅读，不是填报工作簿，不能校验或合并。请交回由 cluster-wb build 或 round open 生成的填报工作簿。",
                     "en": "{path}: this is a {kind} that cluster-wb wrote, for reading only; it is not a workbook to "
                           "return, and cannot be validated or merged. Send back the workbook that cluster-wb build "
                           "or round open wrote."},
    "folder_not_read": {"zh": "{folder}：{parts}。", "en": "{folder}: {parts}."},
    "not_read_subfolders": {"zh": "未读取子文件夹 {names}（只读取该文件夹本身的 .xlsx 文件；如需校验或合并子文件夹中的文件，请单独指定）",
                            "en": "subfolders not read: {names} (only the folder's own .xlsx files are read; name a "
                                  "subfolder's files, or the subfolder, to validate or merge them)"},
    "not_read_files": {"zh": "未读取文件 {names}（只读取 .xlsx 工作簿；以 .xls、.xlsm 等其他格式保存的交回文件，请另存为 Excel 工作簿（.xlsx）后重新交回）",
                       "en": "files not read: {names} (only .xlsx workbooks are read; a return saved in another "
                             "format, such as .xls or .xlsm, must be saved as an Excel workbook (.xlsx) and sent "
                             "again)"},
    "document_report": {"zh": "汇总报告", "en": "consolidated report"},
    "document_tracker": {"zh": "交回情况表", "en": "return tracker"},
    "document_dataset": {"zh": "数据导出", "en": "data export"},
    "see_factor_list": {"zh": "“说明”页所列的制约因素名称，用“、”分隔", "en": "the factor names listed on the Instructions sheet, "
                        "separated by “;”"},
    "dv_error_message": {"zh": "该值不在允许范围内。", "en": "This value is not allowed here."},
    "index_title": {"zh": "产业集群工作簿 · 目录", "en": "Industrial cluster workbook · Index"},
    "ix_region": {"zh": "地区", "en": "Region"},
    "ix_level": {"zh": "层级", "en": "Level"},
    "ix_clusters": {"zh": "集群数", "en": "Clusters"},
    "ix_employment": {"zh": "从业人数（人）", "en": "Employment"},
    "ix_output": {"zh": "产值合计（亿元）", "en": "Output (100m yuan)"},
    "ix_reported": {"zh": "有数据的集群", "en": "Clusters reporting it"},
    "ix_high": {"zh": "严重制约（3级）项数", "en": "Severe constraints"},
    "ix_open": {"zh": "未完成建议", "en": "Open measures"},
    "ix_overdue": {"zh": "逾期建议", "en": "Overdue measures"},
    "index_note": {
        "zh": "点击地区名称或表名可跳转。汇总数字由公式随填报自动更新；合计只计有数据的集群（见“有数据的集群”），“—”表示没有任何集群填报，不是 0。",
        "en": "Click a region or sheet name to jump there. The totals are formulas and follow your edits; they cover "
              "the clusters that report the figure (see “Clusters reporting it”), and “—” means none does, not 0.",
    },
    "instr_title": {"zh": "产业集群工作簿 · 填报说明", "en": "Industrial cluster workbook · Instructions"},
    "instr_what_k": {"zh": "本工作簿", "en": "This workbook"},
    "instr_what_v": {
        "zh": "记录各地区产业集群的清单、制约因素和建议措施落实情况。请核对、补充和更新后交回。",
        "en": "Holds each region's cluster inventory, the constraints diagnosed and the follow-up of the "
              "recommended measures. Check, complete and update it, then send it back.",
    },
    "instr_regions": {"zh": "地区", "en": "Regions"},
    "instr_round": {"zh": "填报轮次", "en": "Reporting round"},
    "instr_period": {"zh": "报告期", "en": "Period"},
    "instr_due": {"zh": "截止日期", "en": "Due date"},
    "instr_due_v": {"zh": "{due}（请在此日期前交回）", "en": "{due} (send it back by this date)"},
    "header_due": {"zh": "截止日期 {due}", "en": "Due {due}"},
    "instr_revision": {"zh": "数据版本", "en": "Store revision"},
    "instr_built": {"zh": "生成时间", "en": "Built"},
    "instr_id": {"zh": "工作簿编号", "en": "Workbook ID"},
    "instr_how": {"zh": "如何填写", "en": "How to fill it in"},
    "instr_rule_new": {
        "zh": "新增记录：在数据下方的空行填写，编号留空，系统合并时自动分配。",
        "en": "New record: fill in an empty row below the data and leave the ID empty; it is assigned on merge.",
    },
    "instr_rule_delete": {
        "zh": "删除记录：在该行“删除”列填“是”。直接删除整行不会删除记录。",
        "en": "Delete a record: type Y in its Delete column. Removing the row deletes nothing.",
    },
    "instr_rule_numbers": {
        "zh": "各数据表没有加锁：可以排序、筛选、插入和删除行、复制粘贴整行、调整列宽。排序时请对整张表排序"
              "（点中表内任一单元格，再用“数据 ▸ 排序”或筛选按钮），不要只选中几列排序：只排几列会使数字离开它们的集群，"
              "校验时会报错，整份工作簿不能合并，须撤销排序。",
        "en": "No data sheet is locked: you may sort, filter, insert and delete rows, copy and paste whole rows and "
              "resize columns. Sort the whole table (click any cell in it, then Data ▸ Sort or a filter button), "
              "never a few columns on their own: that moves figures away from their cluster, validation reports it "
              "and the workbook cannot be merged until the sort is undone.",
    },
    "instr_rule_readonly": {
        "zh": "灰色列（编号、资料来源、原文摘录，制约矩阵中的集群名称）为只读：在其中输入时会弹出提醒；"
              "若仍被改动，校验时会指出原值，请改回。",
        "en": "Grey columns (IDs, sources, quotes, and the cluster names of the constraint matrix) are read-only: "
              "typing into them brings up a warning, and a change is reported at validation with the original "
              "value to put back.",
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
        "zh": "编号列、灰色只读列和隐藏的工作表。工作表可以改名或调整顺序；“说明”和“目录”两页已锁定（无密码）。",
        "en": "ID columns, grey read-only columns and the hidden sheets. Sheets may be renamed or reordered; the "
              "Instructions and Index sheets are locked (without a password).",
    },
    # the commands' progress and result lines (workbook/cli/), on stderr
    "progress_writing": {"zh": "正在写入 {path}", "en": "writing {path}"},
    "init_created": {"zh": "已创建数据库 {store}，数据版本 {revision}", "en": "created {store} at revision {revision}"},
    "annotated_copy": {"zh": "已写出标注副本：{path}", "en": "annotated copy: {path}"},
    "tracker_written": {"zh": "已写出交回情况表：{path}", "en": "tracker: {path}"},
    "store_copied": {"zh": "已将 {source} 复制到 {target}：数据版本 {revision}；{counts}",
                     "en": "copied {source} to {target}: revision {revision}, {counts}"},
    "usage_hint_split": {"zh": "（或使用 --split 按地区分别写入文件夹）", "en": " (or --split)"},
    # portal accounts (`account ...`, workbook/services/accounts.py), on stderr: the key itself goes alone to stdout
    "account_key_shown": {"zh": "以上是{role}账户 {name}（地区：{regions}）的登录密钥。它只显示这一次：数据库只保存它的散列值，再也无法查看。请当面或打电话交给{holder}，不要用普通邮件或聊天群发送；对方在门户的登录页输入它即可。如遗失或泄露，用 cluster-wb account key {name} 换一个新密钥（旧密钥随即失效）。",
                          "en": "Above is the sign-in key of the {role} account {name} (regions: {regions}). It is "
                                "shown only now: the store keeps only its hash and can never show it again. Give it "
                                "to {holder} in person or by phone, not by ordinary e-mail or a chat group; they type "
                                "it on the portal's sign-in page. If it is lost or leaks, `cluster-wb account key "
                                "{name}` makes a new one (and the old one stops working at once)."},
    "account_key_replaced": {"zh": "账户 {name} 已换新密钥：旧密钥已失效，用它登录的 {sessions} 个会话已结束。",
                             "en": "account {name} has a new key: the old one no longer works, and its {sessions} "
                                   "sessions have ended."},
    "account_revoked": {"zh": "已吊销账户 {name} 的密钥：它不能再登录，用它登录的 {sessions} 个会话在下一次请求时结束。如需恢复，用 cluster-wb account key {name} 发一个新密钥。",
                        "en": "revoked the key of account {name}: it can no longer sign in, and its {sessions} "
                              "sessions end at their next request. To let it in again, give it a new key with "
                              "`cluster-wb account key {name}`."},
    "account_already_revoked": {"zh": "账户 {name} 的密钥已于 {at} 吊销，未作改动。",
                                "en": "the key of account {name} was revoked already, on {at}; nothing changed."},
    "account_none": {"zh": "还没有账户：请用 cluster-wb account add 名称 --role office --region 地区 添加。",
                     "en": "no account yet: add one with `cluster-wb account add NAME --role office --region ID`."},
    # pieces of issue messages, and the messages of conflicts
    "did_you_mean": {"zh": "是否为 {col} 列的“{header}”？请把表头改回“{name}”。",
                     "en": "Did you mean “{header}” in column {col}? Rename it back to “{name}”."},
    "restore_column": {"zh": "请恢复该列（可从原工作簿复制表头）。", "en": "Restore the column (copy its header from the original)."},
    "misaligned_example": {"zh": "（例如第 {row} 行的编号是 {record}，内容却是 {other} 的）",
                           "en": " (row {row} shows ID {record} but holds the values of {other})"},
    "conflict": {"zh": "冲突：工作簿改为“{theirs}”，而数据库已由他人改为“{ours}”（原值“{base}”）。未合并；请商定后在新工作簿中填写。",
                 "en": "Conflict: the workbook says “{theirs}”, but the store was changed to “{ours}” meanwhile (was "
                       "“{base}”). Not merged; agree on the value and enter it in a fresh workbook."},
    "conflict_deleted": {"zh": "冲突：记录 {record} 已在数据库中被他人删除，而工作簿修改了它。未合并；如需保留，请在新工作簿中作为新行填写。",
                         "en": "Conflict: record {record} was deleted in the store meanwhile, but the workbook changes it. Not merged; to keep it, enter it as a new row in a fresh workbook."},
    "conflict_delete": {"zh": "冲突：工作簿要删除记录 {record}，而数据库中它已被他人修改。未删除；请核对后在新工作簿中再标记删除。",
                        "en": "Conflict: the workbook deletes record {record}, but it was changed in the store meanwhile. Not deleted; check it and mark it again in a fresh workbook."},
    # the consolidated report
    "rpt_title": {"zh": "产业集群汇总报告", "en": "Industrial clusters: consolidated report"},
    "rpt_data_date": {"zh": "数据版本 {rev}，截至 {date}", "en": "Store revision {rev}, as of {date}"},
    "rpt_data_round": {"zh": "；填报轮次 {round}（{state}）", "en": "; reporting round {round} ({state})"},
    "rpt_round_open": {"zh": "进行中", "en": "open"},
    "rpt_round_closed": {"zh": "已关闭的快照", "en": "closed snapshot"},
    "rpt_sheet_overview": {"zh": "概览", "en": "Overview"},
    "rpt_sheet_constraints": {"zh": "制约因素", "en": "Constraints"},
    "rpt_sheet_follow_up": {"zh": "建议落实", "en": "Follow-up"},
    "rpt_sheet_targets": {"zh": "目标进展", "en": "Targets"},
    "rpt_sheet_changes": {"zh": "变化", "en": "Changes"},
    "rpt_sheet_quality": {"zh": "数据质量", "en": "Data quality"},
    "rpt_sheet_trends": {"zh": "趋势", "en": "Trends"},
    "rpt_title_overview": {"zh": "概览：各地区产业集群规模与建议落实", "en": "Overview: the clusters of each region, and the follow-up of measures"},
    "rpt_title_constraints": {"zh": "制约因素：哪些因素制约了最多的集群，在哪里", "en": "Constraints: which factors hold back most clusters, and where"},
    "rpt_title_follow_up": {"zh": "建议落实：各地区措施进展与逾期事项", "en": "Follow-up: the measures of each region, and those overdue"},
    "rpt_title_targets": {"zh": "目标进展：目标值与最新实际值", "en": "Targets: each target beside the latest actual figure"},
    "rpt_title_changes": {"zh": "变化：两个快照之间改了什么", "en": "Changes: what changed between two snapshots"},
    "rpt_title_quality": {"zh": "数据质量：每个数字可信到什么程度", "en": "Data quality: how far to trust each number"},
    "rpt_region": {"zh": "地区", "en": "Region"},
    "rpt_clusters": {"zh": "集群数", "en": "Clusters"},
    "rpt_reported": {"zh": "有数据", "en": "Reported"},
    "rpt_measures": {"zh": "建议措施（项）", "en": "Measures"},
    "rpt_unset": {"zh": "未填", "en": "Not set"},
    "rpt_overdue": {"zh": "逾期", "en": "Overdue"},
    "rpt_completeness": {"zh": "填报完整度", "en": "Complete"},
    "rpt_total": {"zh": "合计", "en": "Total"},
    "rpt_note_coverage": {"zh": "“有数据”为填报该项的集群数／集群总数；合计只计有数据的集群，“—”表示没有任何集群填报，不是 0。",
                          "en": "“Reported”: clusters with the figure / all clusters. Sums cover the clusters that report it; “—” means none does, not 0."},
    "rpt_chart_output": {"zh": "各地区集群产值（亿元）", "en": "Cluster output by region (100 million yuan)"},
    "rpt_chart_employment": {"zh": "各地区集群从业人数（人）", "en": "Cluster employment by region (persons)"},
    "rpt_chart_formation": {"zh": "各地区集群的形成类型", "en": "Clusters by formation type"},
    "rpt_chart_stage": {"zh": "各地区集群的发展阶段", "en": "Clusters by development stage"},
    "rpt_chart_ranking": {"zh": "各制约因素制约的集群数（程度 2–3）", "en": "Clusters held back by each factor (severity 2–3)"},
    "rpt_chart_status": {"zh": "各地区建议措施的状态", "en": "Measures by status and region"},
    "rpt_chart_top": {"zh": "（前 {n} 个地区）", "en": " (largest {n} regions)"},
    "rpt_unit_output": {"zh": "亿元", "en": "100 million yuan"},
    "rpt_unit_people": {"zh": "人", "en": "persons"},
    "rpt_unit_clusters": {"zh": "集群数", "en": "clusters"},
    "rpt_unit_measures": {"zh": "措施数", "en": "measures"},
    "rpt_block_at_least_2": {"zh": "程度为 2 或 3 的集群数", "en": "Clusters at severity 2 or 3"},
    "rpt_block_mean": {"zh": "平均制约程度（已评估集群）", "en": "Mean severity (of the clusters assessed)"},
    "rpt_block_assessed": {"zh": "已评估的集群数", "en": "Clusters assessed"},
    "rpt_note_severity": {"zh": "制约程度 0–3：3 = 文中点名该集群，2 = 就全地区作出诊断，1 = 间接提及；未评估的集群不计入平均值。",
                          "en": "Severity 0–3: 3 = the cluster named as a case, 2 = diagnosed for the whole region, 1 = mentioned in passing; clusters not assessed are left out of the mean."},
    "rpt_factor": {"zh": "制约因素", "en": "Factor"},
    "rpt_overdue_title": {"zh": "逾期未完成的措施（{n} 项，逾期最久的在前）", "en": "Overdue measures ({n}, longest overdue first)"},
    "rpt_id": {"zh": "编号", "en": "ID"},
    "rpt_measure": {"zh": "措施", "en": "Measure"},
    "rpt_owner": {"zh": "责任单位", "en": "Responsible unit"},
    "rpt_due": {"zh": "完成时限", "en": "Due date"},
    "rpt_days_overdue": {"zh": "逾期天数", "en": "Days overdue"},
    "rpt_status": {"zh": "状态", "en": "Status"},
    "rpt_none_overdue": {"zh": "没有逾期未完成的措施。", "en": "No measure is overdue."},
    "rpt_subject": {"zh": "对象", "en": "Subject"},
    "rpt_metric": {"zh": "指标", "en": "Indicator"},
    "rpt_unit": {"zh": "单位", "en": "Unit"},
    "rpt_target": {"zh": "目标值", "en": "Target"},
    "rpt_actual": {"zh": "最新实际值", "en": "Latest actual"},
    "rpt_actual_id": {"zh": "实际值编号", "en": "Actual ID"},
    "rpt_progress": {"zh": "完成程度", "en": "Progress"},
    "rpt_whole_region": {"zh": "全地区", "en": "whole region"},
    "rpt_no_targets": {"zh": "所选地区没有目标值。", "en": "The regions chosen have no targets."},
    "rpt_note_targets": {"zh": "实际值取同一对象、同一指标名称和单位的最新（年份最大）现状值；“—”表示尚无此类实际值，不计完成程度。",
                         "en": "The actual is the latest (highest year) figure of the same subject, indicator name and unit; “—” means there is none yet, so no progress."},
    "rpt_since": {"zh": "自轮次 {round} 关闭时（数据版本 {rev}）至今（数据版本 {now}）", "en": "Since round {round} closed (store revision {rev}), up to store revision {now}"},
    "rpt_no_since": {"zh": "还没有已关闭的轮次，没有可比较的快照。关闭一个轮次（cluster-wb round close）后，或用 --since 指定轮次，此页列出其后的变化。",
                     "en": "No round has been closed yet, so there is no snapshot to compare with. Once a round is closed (cluster-wb round close), or with --since ROUND, this sheet lists what changed since."},
    "rpt_entity": {"zh": "对象", "en": "Records"},
    "rpt_changed_fields": {"zh": "改动的字段数", "en": "Fields changed"},
    "rpt_nothing_changed": {"zh": "两个快照之间没有改动。", "en": "Nothing changed between the two snapshots."},
    "rpt_moves_title": {"zh": "产值与从业人数变化最大的集群", "en": "The largest moves in output and employment"},
    "rpt_field": {"zh": "指标", "en": "Figure"},
    "rpt_cluster_name": {"zh": "集群", "en": "Cluster"},
    "rpt_old": {"zh": "原值", "en": "Before"},
    "rpt_new": {"zh": "新值", "en": "After"},
    "rpt_delta": {"zh": "变化", "en": "Change"},
    "rpt_no_moves": {"zh": "产值和从业人数没有变化（或变化前后缺少数值）。", "en": "No output or employment figure changed (with a figure before and after)."},
    "rpt_entity_region": {"zh": "地区", "en": "Regions"},
    "rpt_entity_cluster": {"zh": "集群清单", "en": "Inventory"},
    "rpt_entity_constraint": {"zh": "制约矩阵", "en": "Constraints"},
    "rpt_entity_recommendation": {"zh": "建议清单", "en": "Recommendations"},
    "rpt_entity_project": {"zh": "重点项目", "en": "Key projects"},
    "rpt_entity_indicator": {"zh": "目标与指标", "en": "Targets and figures"},
    # the 趋势 (Trends) sheet: round against round
    "rpt_title_trends": {"zh": "趋势：一轮比一轮，是否在变好", "en": "Trends: round against round, are we getting better"},
    "rpt_trend_returns_title": {"zh": "各轮交回情况、填报完整度与建议落实", "en": "Returns, completeness and measures, round by round"},
    "rpt_trend_round": {"zh": "轮次", "en": "Round"},
    "rpt_trend_period": {"zh": "报告期", "en": "Period"},
    "rpt_trend_due": {"zh": "截止日期", "en": "Due"},
    "rpt_trend_state": {"zh": "状态", "en": "State"},
    "rpt_trend_issued": {"zh": "已发", "en": "Issued"},
    "rpt_trend_returned": {"zh": "已交回", "en": "Returned"},
    "rpt_trend_merged_on_time": {"zh": "按时合并", "en": "Merged on time"},
    "rpt_trend_merged_late": {"zh": "逾期合并", "en": "Merged late"},
    "rpt_trend_not_merged": {"zh": "未合并", "en": "Not merged"},
    "rpt_trend_on_time_share": {"zh": "按时／已发", "en": "On time / issued"},
    "rpt_trend_on_time_pct": {"zh": "按时率", "en": "On-time share"},
    "rpt_trend_completeness_over": {"zh": "完整度计入地区", "en": "Regions in completeness"},
    "rpt_trend_note_rounds": {"zh": "按时：在截止日期当天或之前合并（本机日期）。各比例的分母是该轮发出工作簿的地区数，不换算到其他轮次。已关闭轮次的完整度与建议状态取其关闭时的快照，进行中的轮次取当前数据；逾期措施按快照当天（进行中：今天）计。",
                              "en": "On time: merged on or before the due date (the machine's local date). Every share is over the regions the round issued a workbook to, never re-based on another round. Completeness and measures are those of a closed round's snapshot, or of now for an open round; measures overdue as of the snapshot's day (an open round: today)."},
    "rpt_trend_chart_returns": {"zh": "各轮交回情况（地区数）与按时率", "en": "Regions merged on time, late and not merged, and the on-time share"},
    "rpt_trend_target": {"zh": "目标 90%", "en": "Target 90 %"},
    "rpt_trend_chart_completeness": {"zh": "各轮填报完整度", "en": "Completeness, round by round"},
    "rpt_trend_chart_measures": {"zh": "各轮建议措施的状态与逾期数", "en": "Measures by status, and those overdue, round by round"},
    "rpt_unit_regions": {"zh": "地区数", "en": "regions"},
    "rpt_trend_severity_title": {"zh": "制约程度的变化：自轮次 {round} 关闭时至今（按集群计）", "en": "Constraint severities since round {round} closed (clusters)"},
    "rpt_trend_worsened": {"zh": "加重", "en": "Worsened"},
    "rpt_trend_improved": {"zh": "减轻", "en": "Improved"},
    "rpt_trend_unchanged": {"zh": "不变", "en": "Unchanged"},
    "rpt_trend_new": {"zh": "新评估", "en": "Newly assessed"},
    "rpt_trend_resolved": {"zh": "已解除", "en": "Resolved"},
    "rpt_trend_note_severity": {"zh": "每个集群只计一次：已解除 = 当时程度为 2 或 3、现在为 0 或未填；新评估 = 现在已评估、当时未评估；其余两次都评估的，按程度升降计加重、减轻或不变。",
                                "en": "Each cluster counts once: resolved = at 2 or 3 then, 0 or empty now; newly assessed = assessed now, not then; the others assessed both times count as worsened, improved or unchanged."},
    "rpt_trend_chart_severity": {"zh": "各制约因素：程度加重与减轻的集群数", "en": "Clusters worsened and improved, by factor"},
    "rpt_trend_movers_title": {"zh": "制约程度变化最大的集群（前 10 个）", "en": "The clusters whose severities moved most (top 10)"},
    "rpt_trend_factors_up": {"zh": "加重的因素数", "en": "Factors worsened"},
    "rpt_trend_factors_down": {"zh": "减轻的因素数", "en": "Factors improved"},
    "rpt_trend_net": {"zh": "程度合计变化", "en": "Net change"},
    "rpt_trend_no_movers": {"zh": "没有集群的制约程度发生变化。", "en": "No cluster's severity changed."},
    "rpt_trend_regions_title": {"zh": "各地区核心指标：本期、上期（轮次 {round}）与变化", "en": "Core figures per region: current, previous (round {round}) and change"},
    "rpt_trend_current": {"zh": "本期", "en": "Current"},
    "rpt_trend_previous": {"zh": "上期", "en": "Previous"},
    "rpt_trend_delta": {"zh": "变化", "en": "Δ"},
    "rpt_trend_absent": {"zh": "{regions}：未参加轮次 {round}，没有上期数字（不按 0 计）。", "en": "{regions}: not issued in round {round}; no previous figures (not counted as zero)."},
    "rpt_trend_no_rounds": {"zh": "还没有填报轮次，没有可比较的趋势。用 cluster-wb round open 开启一轮后，此页逐轮列出交回情况。", "en": "No reporting round yet: no trend to show. Once a round is opened (cluster-wb round open), this sheet shows it round by round."},
    "rpt_trend_no_since": {"zh": "还没有更早的已关闭轮次，没有可比较的制约程度和核心指标。", "en": "No earlier closed round: no constraint severities or core figures to compare."},
    "rpt_quality_filled": {"zh": "{sheet}：核心字段的填报比例", "en": "{sheet}: share of records with each core field filled"},
    "rpt_approximate": {"zh": "约数（个）", "en": "Approximate figures"},
    "rpt_unknown": {"zh": "不详的指标值（个）", "en": "Unknown indicator values"},
    "rpt_note_quality": {"zh": "约数：原文为“多”“近”“余”等的数字；不详：原文数值受损或缺失而留空的指标。核心字段在 templates/schema.yaml 中以 core 标出。",
                         "en": "Approximate: figures given as “more than”, “nearly”, “about”; unknown: indicator values left empty because the text lost or lacks them. Core fields are marked `core` in templates/schema.yaml."},
    # `export --format xlsx` and `workbook.frames()`: the analysts' tables
    "exp_region": {"zh": "所属地区编号", "en": "Region ID of the record"},
    "exp_region_name": {"zh": "地区名称", "en": "Region name"},
    "exp_approx": {"zh": "{title}·约数", "en": "{title} · approx."},
    "exp_inferred": {"zh": "推断说明", "en": "Inferred (why)"},
    "exp_title": {"zh": "产业集群数据导出 · 说明", "en": "Industrial cluster data export · About"},
    "exp_revision": {"zh": "数据版本 {rev}；模板版本 {version}；导出于 {at}", "en": "Store revision {rev}; template version {version}; exported {at}"},
    "exp_about": {"zh": "每个工作表是一个 Excel 表格，汇总全部地区：可排序、筛选，可直接插入数据透视表（插入 → 数据透视表，来源选表名）。数字为数值，日期为日期，列表字段为其显示值。“约数”列标出原文为“约”“多”“近”“余”等的数字；“推断说明”列列出由上下文推断而非原文明言的值及其理由。",
                  "en": "Each sheet is one Excel table across all regions: sortable, filterable, ready for a pivot table (Insert → PivotTable, source: the table's name). Numbers are numbers, dates are dates, list values are their labels. The “approx.” columns flag figures the text gives as “about”, “more than”, “nearly”; the “Inferred” column names each value read from the context rather than stated, and why."},
    "exp_cols": {"zh": "工作表|表名|列|字段键|类型|含义", "en": "Sheet|Table|Column|Field key|Type|Meaning"},
    "exp_approx_help": {"zh": "{title}为约数时的种类：至少（原文“多”“余”“以上”“超过”）、至多（“近”“不到”“以下”）、约（“约”“左右”）、区间（“5至6”：本列之值为下限，上限见“{title}·上限”）。",
                        "en": "How {title} is approximate: at least (the text says “more than”), at most (“nearly”, “under”), about, or range (“5 to 6”: the column holds the low bound, “{title} · high” the high one)."},
    "exp_high": {"zh": "{title}·上限", "en": "{title} · high"},
    "exp_high_help": {"zh": "{title}为区间时的上限。", "en": "The high bound of {title} where it is a range."},
    "exp_inferred_help": {"zh": "由上下文推断而非原文明言的字段及理由。", "en": "The fields whose values were inferred from the context rather than stated, and why."},
    "exp_round_sheet": {"zh": "轮次 {name}", "en": "Round {name}"},
    "exp_round_help": {"zh": "轮次“{name}”的交回情况：每个地区一行（同 cluster-wb status --round {name}）。", "en": "The returns of round “{name}”: a row per region (as cluster-wb status --round {name})."},
}


# The issue catalogue: every code `validate` and `merge` report, its severity (one per code) and its
# templates. `python -m workbook.docs` lists it in the README.
ISSUE_MESSAGES: dict[str, dict[str, str]] = {
    "type": {"severity": "error", "zh": "“{text}”不是有效的{kind}。请改为{hint}。", "en": "“{text}” is not a valid {kind}. Enter {hint}."},
    "whole": {"severity": "error", "zh": "“{text}”应为整数。", "en": "“{text}” must be a whole number."},
    "unit": {"severity": "error", "zh": "“{text}”的单位与本列不符（本列单位：{unit}），请按{unit}填写。",
             "en": "“{text}” has a unit this column does not use; enter it in {unit}."},
    "unknown_value": {"severity": "warning", "zh": "“{text}”表示不详，已按空值处理。", "en": "“{text}” read as unknown; the value is left empty."},
    "approximate": {"severity": "warning", "zh": "“{text}”记为 {val}（{kind}）。", "en": "“{text}” recorded as {val} ({kind})."},
    "range_order": {"severity": "error", "zh": "区间“{text}”的上限 {high} 小于下限 {low}，请核对。",
                    "en": "In the range “{text}” the high bound {high} is below the low bound {low}; please check."},
    "approx_dropped": {"severity": "warning", "zh": "已按确切数 {val} 记录，原约数标记（{kind}）取消。本格沿用原格式，仍显示为“{mark}”；下次生成的工作簿将直接显示 {val}。",
                       "en": "Recorded as the exact figure {val}; its former qualifier ({kind}) is dropped. The cell keeps its old format and shows “{mark}”; the next workbook shows {val} plainly."},
    "percent_guess": {"severity": "warning", "zh": "“{text}”未带 % 号，已按 {val}% 理解，请核对。",
                      "en": "“{text}” has no % sign; read as {val}%. Please check."},
    "date_guess": {"severity": "warning", "zh": "“{text}”未写明具体日期，已按 {val} 理解。", "en": "“{text}” has no day; read as {val}."},
    "synonym": {"severity": "warning", "zh": "“{text}”已按“{label}”理解。", "en": "“{text}” read as “{label}”."},
    "enum": {"severity": "error", "zh": "“{text}”不是允许的值。请从下拉列表选择：{allowed}。",
             "en": "“{text}” is not allowed here. Choose one of: {allowed}."},
    "delete_synonym": {"severity": "warning", "zh": "删除列中的“{text}”已读作“删除本行记录”：合并时将删除该记录。如不想删除，请清空该单元格；确要删除，请填“{yes}”。",
                       "en": "“{text}” in the Delete column is read as “delete this record”: merging deletes it. If that is not meant, clear the cell; to delete, type “{yes}”."},
    "required": {"severity": "error", "zh": "“{name}”为必填项，请填写。", "en": "“{name}” is required; please fill it in."},
    "range": {"severity": "error", "zh": "{val} 超出允许范围 {min}–{max}，请核对。", "en": "{val} is outside the allowed range {min}–{max}."},
    "length": {"severity": "error", "zh": "内容过长（{length} 字，最多 {max} 字），请精简。",
               "en": "Too long ({length} characters, at most {max}); please shorten it."},
    "duplicate_id": {"severity": "error", "zh": "编号 {record} 在 {other} 也出现了；每条记录只能出现一次，请删除重复的行。",
                     "en": "ID {record} also appears at {other}; each record may appear once. Remove the duplicate row."},
    "unknown_id": {"severity": "error", "zh": "编号 {record} 不存在。新增记录请将编号留空，不要修改已有编号。",
                   "en": "ID {record} does not exist. Leave the ID empty for a new record; do not change existing IDs."},
    "wrong_region": {"severity": "error", "zh": "编号 {record} 属于地区 {region}，不属于本表的地区。请在该地区的表中修改。",
                     "en": "ID {record} belongs to region {region}, not this sheet's region. Edit it in that region's sheet."},
    "readonly": {"severity": "error", "zh": "“{name}”为只读列，原值为“{old}”。请恢复原值。",
                 "en": "“{name}” is read-only; it was “{old}”. Put the original value back."},
    "cross_above_scale": {"severity": "error", "zh": "规上企业数（{above}）多于企业数（{total}），请核对。",
                          "en": "Above-scale enterprises ({above}) exceed all enterprises ({total}); please check."},
    "cross_progress": {"severity": "error", "zh": "进度 100% 与状态“已完成”须一致（当前进度 {progress}%，状态“{status}”），请修改其一。",
                       "en": "Progress 100% and status Done go together (now {progress}% and “{status}”); change one."},
    "cross_progress_unset": {"severity": "warning", "zh": "进度为 {progress}%，但“{name}”未填写；进度 100% 须与状态“{done}”一致，否则汇总时本措施按未填状态统计。请选择“{done}”，或更正进度。",
                             "en": "Progress is {progress}% but “{name}” is empty; 100% goes with status “{done}”, or the report counts this measure as having no status. Choose “{done}”, or correct the progress."},
    "cross_dates": {"severity": "error", "zh": "完成时限 {due} 早于开始日期 {start}，请核对。",
                    "en": "Due date {due} is before start date {start}; please check."},
    "unit_slip": {"severity": "warning", "zh": "“{name}”填的 {val} 约为原值 {old} 的{factor}倍，可能是单位填错（本列单位：{unit}）。若是，按本列单位应填 {guess}；若数字无误，可忽略此提示。",
                  "en": "“{name}” is {val}, about {factor} times the stored {old}: perhaps typed in another unit (this column is in {unit}). If so, in {unit} it is {guess}; if the figure is right, ignore this."},
    "implausible": {"severity": "warning", "zh": "“{name}”填的 {val} 超出常见范围（{low}–{high} {unit}），请核对单位和数字。",
                    "en": "“{name}” is {val}, outside the usual range ({low}–{high} {unit}); please check the unit and the figure."},
    "unit_magnitude": {"severity": "warning", "zh": "“{text}”按本列单位（{unit}）换算为 {val}。如果本意是 {number} {unit}，请直接填 {number}。",
                       "en": "“{text}” is {val} in this column's unit ({unit}). If you meant {number} {unit}, type {number}."},
    "no_new_rows": {"severity": "error", "zh": "“{name}”表不能新增行（第 {row} 行）：此表只有发出时的行，新增地区由汇总单位办理。请清空该行。",
                    "en": "No rows can be added to “{name}” (row {row}): it holds only the rows issued; the coordinator adds regions. Please clear the row."},
    "matrix_row_without_id": {"severity": "error", "zh": "“{name}”的这一行没有集群编号。新增的集群在合并后才有编号，不能在本表填写它的制约程度：请清空这一行，其余修改即可交回合并；新集群的制约程度将在下一轮的工作簿中填写（届时本表会有它的行）。",
                              "en": "This row of “{name}” has no cluster ID. A new cluster gets its ID when it is merged, so its severities cannot be entered here: clear this row to send the rest of your edits; the new cluster's severities are asked for in the next round's workbook, which has a row for it."},
    "matrix_row_unknown_cluster": {"severity": "error", "zh": "“{name}”中的集群编号 {ref} 在本地区不存在。如这是新增集群的行：新集群的编号在合并时分配，请清空这一行，其余修改即可交回合并；它的制约程度将在下一轮的工作簿中填写（届时本表会有它的行）。如是改动了编号，请恢复原编号。",
                                   "en": "Cluster {ref} in “{name}” does not exist in this region. If this row is for a new cluster: its ID is assigned when it is merged, so clear this row to send the rest of your edits; its severities are asked for in the next round's workbook, which has a row for it. If an ID was changed, put the original back."},
    "matrix_row_of_deleted": {"severity": "warning", "zh": "集群 {record} 在“{owner}”中标记为删除，它在“{name}”中的修改不会保存：合并时它的制约程度随集群一并删除。如要保留该集群，请清空 {delete_cell} 的“删除”单元格。",
                              "en": "Cluster {record} is marked for deletion in “{owner}”, so the edits of its row in “{name}” are not kept: merging deletes its severities with the cluster. To keep the cluster, clear its Delete cell {delete_cell}."},
    "cross_sheet": {"severity": "error", "zh": "“{name}”中的集群编号 {ref} 在本地区不存在。请填写集群清单中的编号。",
                    "en": "Cluster {ref} in “{name}” does not exist in this region. Use an ID from the inventory."},
    "formula": {"severity": "warning", "zh": "单元格是公式，已使用其计算结果“{val}”。请改为直接填写数值。",
                "en": "The cell holds a formula; its computed value “{val}” was used. Please type the value instead."},
    "formula_no_value": {"severity": "error", "zh": "单元格是公式且没有计算结果（{text}）。请改为直接填写数值。",
                         "en": "The cell holds a formula with no computed value ({text}). Type the value instead."},
    "formula_error": {"severity": "error", "zh": "单元格显示公式错误 {error}（{text}），请改正公式或直接填写数值。",
                      "en": "The cell shows the formula error {error} ({text}); correct the formula or type the value "
                            "instead."},
    "merged": {"severity": "error", "zh": "合并单元格 {range} 覆盖了数据区，请取消合并。", "en": "Merged cells {range} cover data; unmerge them."},
    "missing_sheet": {"severity": "error", "zh": "缺少{region}的“{title}”工作表。请勿删除工作表；如已删除，请在原工作簿上重新填报。",
                      "en": "The “{title}” sheet of {region} is missing. Do not delete sheets; redo the edits in the "
                            "original workbook."},
    "missing_column": {"severity": "error", "zh": "缺少“{name}”列。{hint}", "en": "Column “{name}” is missing. {hint}"},
    "missing_column_optional": {"severity": "warning", "zh": "未找到“{name}”列，该列内容不会更新。",
                                "en": "Column “{name}” not found; its values are not updated."},
    "extra_column": {"severity": "warning", "zh": "“{header}”列不属于本表，已忽略。", "en": "Column “{header}” is not part of this sheet and was ignored."},
    "header_variant": {"severity": "warning", "zh": "表头“{header}”与“{name}”略有不同，已按“{name}”读取。",
                       "en": "Header “{header}” differs slightly from “{name}”; read as “{name}”."},
    "meta_mismatch": {"severity": "error", "zh": "工作簿的两处隐藏标识不一致（{key}：{a} / {b}），可能被改动过。请使用原工作簿。",
                      "en": "The workbook's two hidden identity copies disagree ({key}: {a} / {b}); it may have been "
                            "tampered with. Use the original workbook."},
    "meta_partial": {"severity": "warning", "zh": "工作簿的一处隐藏标识缺失（{where}），已使用另一处。",
                     "en": "One copy of the workbook's hidden identity is missing ({where}); the other was used."},
    "meta_revision": {"severity": "error", "zh": "工作簿标注的数据版本 {theirs} 与登记的 {ours} 不符，可能被改动过。请使用原工作簿。",
                      "en": "The workbook says store revision {theirs}, but it was issued at {ours}; it may have been "
                            "tampered with. Use the original workbook."},
    "schema_version": {"severity": "error", "zh": "工作簿标注的模板版本 {theirs} 与登记的 {ours} 不符，可能被改动过。请使用原工作簿。",
                       "en": "The workbook says template version {theirs}, but it was issued with version {ours}; it "
                             "may have been tampered with. Use the original workbook."},
    "schema_mapped": {"severity": "warning", "zh": "本工作簿按模板第 {theirs} 版生成，已按该版的列读取，并转换为当前第 {ours} 版（改名的列和选项照新名称合并，新增的列视为未改动）。",
                      "en": "This workbook was built with template version {theirs}; it was read with that version's "
                            "columns and brought to version {ours} (renamed columns and values merge under their new "
                            "names; new columns count as unchanged)."},
    "column_retired": {"severity": "warning", "zh": "“{name}”列在当前模板（第 {version} 版）中已停用，此处等共 {count} 处填写的内容不会合并。",
                       "en": "Column “{name}” is retired in the template now (version {version}); what was typed here "
                             "({count} cells in all) is not merged."},
    "schema_unfit": {"severity": "error", "zh": "当前模板（第 {version} 版）中“{name}”列为 {rule}，此值不符合。请按新要求填写。",
                     "en": "In the template now (version {version}) column “{name}” is {rule}, and this value does "
                           "not fit. Enter a value the new template allows."},
    "region_not_issued": {"severity": "error", "zh": "本工作簿未发给地区 {region}，该表不能合并。",
                          "en": "This workbook was not issued for region {region}; this sheet cannot be merged."},
    "row_missing": {"severity": "warning", "zh": "记录 {record} 不在表中（行被删除？）。不会删除该记录；如需删除，请在“删除”列填“是”。",
                    "en": "Record {record} is not in the sheet (row removed?). Nothing is deleted; to delete it, "
                          "type Y in its Delete column."},
    "misaligned": {"severity": "error", "zh": "第 {rows} 行：{moved} 列的内容与 {id_col} 列的编号不再对应{example}。看来只对其中几列排序了，或粘贴时错了行。"
                         "本文件的改动均不会合并。请撤销这次排序或粘贴（或在原工作簿上重做修改）；排序时请点中表内任一单元格，对整张表排序。",
                   "en": "Rows {rows}: the cells of columns {moved} no longer belong to the IDs in column {id_col}{example}. "
                         "It looks as if only some columns were sorted, or rows were pasted one off. Nothing of this file "
                         "is merged. Undo that sort or paste (or redo your edits in the original workbook); to sort, click "
                         "any cell of the table and sort the whole table."},
    "round_closed": {"severity": "error", "zh": "本工作簿属于填报轮次“{round}”，该轮次已于 {date} 关闭，其改动不再合并。如确需补交，请联系汇总单位执行 "
                           "cluster-wb round reopen {round} 重新开放该轮次，再交回本文件。",
                     "en": "This workbook belongs to reporting round “{round}”, which was closed on {date}; its edits are no "
                           "longer merged. If a late return must be taken, ask the coordinator to reopen the round "
                           "(cluster-wb round reopen {round}), then send this file again."},
    "attempt_not_recorded": {"severity": "warning", "zh": "检查已完成，但未能在轮次“{round}”的交回记录中登记本次交回（{why}）。请稍后再校验一次。",
                             "en": "The check is complete, but this return could not be recorded in round “{round}”'s "
                                   "tracker ({why}). Validate it again later."},
    "attempt_not_recorded_read_only": {"severity": "warning", "zh": "检查已完成，但数据库 {store} 是只读的，本次交回未登记到轮次“{round}”的交回记录中。如需登记，请在可写的数据库上再校验一次（或合并）。",
                                       "en": "The check is complete, but the store {store} is read-only, so this "
                                             "return was not recorded in round “{round}”'s tracker. To record it, "
                                             "validate (or merge) it again with a writable store."},
    "round_is_closed": {"severity": "warning",
                        "zh": "本工作簿属于填报轮次“{round}”，该轮次已于 {date} 关闭，合并时其改动不会写入。如确需补交，请联系汇总单位执行 cluster-wb round reopen {round}。",
                        "en": "This workbook belongs to reporting round “{round}”, which was closed on {date}; a merge "
                              "will not apply its edits. If a late return must be taken, ask the coordinator to "
                              "reopen the round (cluster-wb round reopen {round})."},
    "file": {"severity": "error", "zh": "{message}", "en": "{message}"},
    "duplicate_row": {"severity": "warning", "zh": "该新增行与第 {other} 行相同，可能重复粘贴。", "en": "This new row repeats row {other}; pasted twice?"},
}


REFUSALS: dict[str, dict[str, str]] = {
    # the input guard (workbook/xlsx/guard.py): a file refused before any parser sees it
    "guard_unopenable": {"zh": "{path}：无法打开（{why}）。", "en": "{path}: cannot be opened ({why})."},
    "guard_too_large": {"zh": "{path}：文件 {mb:.0f} MB，超过交回工作簿允许的 {limit} MB。请把各地区分成几个工作簿交回。",
                        "en": "{path}: {mb:.0f} MB is larger than the {limit} MB a returned workbook may have. Send the "
                              "regions in separate workbooks."},
    "guard_encrypted": {"zh": "{path}：工作簿已加密（设了密码）。请去掉密码（文件 → 信息 → 保护工作簿）后另存为 .xlsx 再交回。",
                        "en": "{path}: the workbook is encrypted (password-protected). Remove the password (File → Info "
                              "→ Protect Workbook) and save it again as .xlsx."},
    "guard_xls": {"zh": "{path}：这是旧版 Excel 97–2003（.xls）文件。请另存为“Excel 工作簿（.xlsx）”。",
                  "en": "{path}: a legacy Excel 97–2003 (.xls) file. Save it as “Excel Workbook (.xlsx)”."},
    "guard_pdf": {"zh": "{path}：这是 PDF 文件，不是工作簿。请交回 cluster-wb 生成的 .xlsx 工作簿。",
                  "en": "{path}: a PDF file. Send back the .xlsx workbook that cluster-wb built."},
    "guard_text_renamed": {"zh": "{path}：这是改了扩展名的文本或 CSV 文件，不是工作簿。请交回 cluster-wb 生成的 .xlsx 工作簿。",
                           "en": "{path}: a text or CSV file renamed to .xlsx. Send back the .xlsx workbook that "
                                 "cluster-wb built."},
    "guard_text": {"zh": "{path}：这是文本或 CSV 文件，不是工作簿。请交回 cluster-wb 生成的 .xlsx 工作簿。",
                   "en": "{path}: a text or CSV file. Send back the .xlsx workbook that cluster-wb built."},
    "guard_not_excel": {"zh": "{path}：不是 Excel 工作簿。请交回 cluster-wb 生成的 .xlsx 工作簿。",
                        "en": "{path}: not an Excel workbook. Send back the .xlsx workbook that cluster-wb built."},
    "guard_damaged_zip": {"zh": "{path}：文件已损坏或不完整（{why}）。请用 Excel、WPS 或 LibreOffice 重新保存，或请对方重发。",
                          "en": "{path}: the file is damaged or incomplete ({why}). Save it again from Excel, WPS or "
                                "LibreOffice, or ask for it to be sent again."},
    "guard_unpack": {"zh": "{path}：文件已损坏，无法解包（{why}）。请用 Excel、WPS 或 LibreOffice 重新保存。",
                     "en": "{path}: the file is damaged or cannot be unpacked ({why})."},
    "guard_died": {"zh": "{path}：文件检查未能完成（退出码 {code}），文件可能超出本机内存。请按地区拆分后交回。",
                   "en": "{path}: the check of the file stopped before it ended (exit code {code}); the file may be "
                         "too large for this machine's memory. Split it by region."},
    "guard_too_many_parts": {"zh": "{path}：文件包含 {parts} 个部件（最多 {limit} 个），不是 cluster-wb 生成的工作簿。",
                             "en": "{path}: the package holds {parts} parts (at most {limit}); not a workbook "
                                   "cluster-wb built."},
    "guard_xlsb": {"zh": "{path}：这是 Excel 二进制工作簿（.xlsb）。请另存为“Excel 工作簿（.xlsx）”。",
                   "en": "{path}: an Excel binary workbook (.xlsb). Save it as “Excel Workbook (.xlsx)”."},
    "guard_zip_not_excel": {"zh": "{path}：这是 zip 压缩包，不是 Excel 工作簿。请交回 cluster-wb 生成的 .xlsx。",
                            "en": "{path}: a zip file, but not an Excel workbook. Send back the .xlsx that cluster-wb "
                                  "built."},
    "guard_macros": {"zh": "{path}：工作簿含有宏（VBA）。cluster-wb 从不运行宏，也不接受含宏的文件：请另存为不含宏的“Excel 工作簿（.xlsx）”。",
                     "en": "{path}: the workbook contains macros (VBA). cluster-wb never runs them and does not accept "
                           "them: save it as a macro-free “Excel Workbook (.xlsx)”."},
    "guard_zip_bomb": {"zh": "{path}：解压后 {mb:.0f} MB（最多 {limit} MB），疑为压缩炸弹，已拒收。",
                       "en": "{path}: unpacks to {mb:.0f} MB (at most {limit} MB); refused as a possible zip bomb."},
    "guard_ratio": {"zh": "{path}：部件 {part} 的压缩比为 {ratio} 倍，疑为压缩炸弹，已拒收。",
                    "en": "{path}: part {part} is compressed {ratio} times; refused as a possible zip bomb."},
    "guard_part_encrypted": {"zh": "{path}：部件 {part} 已加密。请去掉密码后重新保存。",
                             "en": "{path}: part {part} is encrypted. Remove the password and save again."},
    "guard_too_many_cells": {"zh": "{path}：单元格超过 {limit:,} 个，一次交回太大。请按地区拆分。",
                             "en": "{path}: more than {limit:,} cells; too large for one return. Split it by region."},
    "guard_part_lies": {"zh": "{path}：部件 {part} 的实际大小超过其声明，已拒收。",
                        "en": "{path}: part {part} is larger than it declares; refused."},
    "guard_dtd": {"zh": "{path}：部件 {part} 声明了 DTD 或实体，工作簿从不需要这些（属 XML 攻击手法），已拒收。",
                  "en": "{path}: part {part} declares a DTD or entities, which workbooks never need (an XML attack); "
                        "refused."},
    "guard_shared_strings": {"zh": "{path}：共享字符串表声称有 {count:,} 项，超出其容量，已拒收。",
                             "en": "{path}: the shared-strings table claims {count:,} entries, more than it can hold; "
                                   "refused."},
    "guard_cell_off_grid": {"zh": "{path}：{part} 中有超出 Excel 表格范围的单元格，已拒收。",
                            "en": "{path}: {part} has a cell outside Excel's grid; refused."},
    "guard_merged": {"zh": "{path}：{part} 合并的单元格超过 {limit:,} 个，已拒收。",
                     "en": "{path}: {part} merges more than {limit:,} cells; refused."},
    "guard_span": {"zh": "{path}：{part} 的范围达 {rows:,} 行 × {cols:,} 列，明显异常，已拒收（请删除远离数据区的零散单元格）。",
                   "en": "{path}: {part} spans {rows:,} rows × {cols:,} columns; refused as absurd (delete the stray "
                         "cells far from the data)."},
    # the reader (workbook/xlsx/read.py)
    "read_missing": {"zh": "{path}：没有这个文件。", "en": "{path}: no such file."},
    "read_memory": {"zh": "{path}：文件太大，本机内存无法读取；请按地区拆分。",
                    "en": "{path}: too large to read in this machine's memory; split it by region."},
    "read_unreadable": {"zh": "{path}：无法作为 .xlsx 工作簿读取（{why}）。请用 Excel、WPS 或 LibreOffice 打开后重新另存为 .xlsx。",
                        "en": "{path}: cannot be read as an .xlsx workbook ({why}). Open it in Excel, WPS or "
                              "LibreOffice and save it again as .xlsx."},
    "read_worker_died": {"zh": "{path}：读取未能完成，文件可能超出本机内存。请按地区拆分。",
                         "en": "{path}: reading the file stopped before it ended; it may be too large for this "
                               "machine's memory. Split it by region."},
    "read_sheet": {"zh": "{path}：工作表“{sheet}”无法读取（{why}）。请用 Excel、WPS 或 LibreOffice 打开后重新另存为 .xlsx。",
                   "en": "{path}: sheet “{sheet}” cannot be read ({why}). Open the file in Excel, WPS or LibreOffice "
                         "and save it again as .xlsx."},
    # the store (workbook/store/)
    "store_not_ours": {"zh": "{store}：这个数据库不是 cluster-wb 数据库，未作任何改动。请让 --store 指向 cluster-wb 数据库或一个新文件。",
                       "en": "{store}: this database is not a cluster-wb store; it was left untouched. Point --store at "
                             "a cluster-wb store or at a new file."},
    "store_unreadable": {"zh": "{store}：不是可读的数据库（{why}）。请让 --store 指向 cluster-wb 数据库，或把此文件移走以新建数据库。",
                         "en": "{store}: not a readable database ({why}). Point --store at a cluster-wb store, or move "
                               "this file away to create a new one."},
    "store_newer": {"zh": "{store}：此数据库由更新版本的 cluster-wb 写入（格式 {found}，本版本只认识 {known}），未作任何改动。请升级 cluster-wb。",
                    "en": "{store}: this store was written by a newer cluster-wb (store format {found}; this one knows "
                          "{known}); it was left untouched. Upgrade cluster-wb to use it."},
    "store_connect": {"zh": "{store}：无法连接（{why}）。", "en": "{store}: cannot connect ({why})."},
    "store_unreachable": {"zh": "{store}：无法连接 PostgreSQL 服务器 {host}:{port}（{why}），未作任何改动。请确认服务器在运行、URL 中的主机、端口、数据库名和用户正确。",
                          "en": "{store}: cannot reach the PostgreSQL server at {host}:{port} ({why}); nothing was changed. "
                                "Check that the server is running and that the URL's host, port, database and user are right."},
    "store_upgrade_refused": {"zh": "{store}：此数据库需要升级到格式 {known}，但服务器拒绝了（{why}），未作任何改动。请由拥有这些表的角色执行一次任意命令完成升级。",
                              "en": "{store}: this store needs upgrading to store format {known} and the server refused "
                                    "({why}); nothing was changed. Run any command once as the role that owns its tables."},
    "store_lost": {"zh": "{store}：与数据库的连接中断（{why}），正在进行的一步未生效。请确认服务器在运行后重新执行该命令。",
                   "en": "{store}: the connection to the store was lost ({why}); the step under way was not applied. "
                         "Run the command again once the server is back."},
    "interrupted": {"zh": "已中断（Ctrl-C）：未写入或登记任何内容。请重新执行该命令。",
                    "en": "interrupted (Ctrl-C): nothing was written or registered. Run the command again."},
    "interrupted_merge": {"zh": "已中断（Ctrl-C）：正在合并的文件未生效，此前已合并完的文件已保留。请重新执行该命令（已合并的文件再次合并不会重复生效）。",
                          "en": "interrupted (Ctrl-C): the file under way was not merged; the files merged before it "
                                "were kept. Run the command again (a file merged twice applies nothing)."},
    "interrupted_validate": {"zh": "已中断（Ctrl-C）：此前已检查完的文件已记入所属轮次的回收进度，检查结果未显示。请重新执行该命令查看全部问题。",
                             "en": "interrupted (Ctrl-C): the files checked before it were recorded in their rounds' "
                                   "progress; no results were shown. Run the command again to see every problem."},
    "store_read_only": {"zh": "{store}：数据库是只读的（例如共享盘上的副本，文件、文件夹没有写权限，或数据库账号只能读取），未作任何改动。只读时仍可查看（status、report、export、log、schema、validate）；要写入，请用可写的数据库（--store）。",
                        "en": "{store}: the store is read-only (a copy on a share, say, a file or folder without "
                              "write permission, or a database account that may only read); nothing was changed. A "
                              "read-only store can still be read (status, report, export, log, schema, validate); to "
                              "change it, use a writable one (--store)."},
    "os_error": {"zh": "{path}：{why}，未能完成。请检查这个路径（其中的文件夹是否存在、能否写入），或换一个路径。",
                 "en": "{path}: {why}; not done. Check the path (that its folders exist and can be written to), or "
                       "use another."},
    "os_error_no_path": {"zh": "操作系统拒绝了这一步（{why}），未能完成。", "en": "the system refused a step ({why}); not done."},
    "internal_error": {"zh": "内部错误（{what}）。请把所运行的命令连同这一行报告给维护者。",
                       "en": "internal error ({what}). Please report it with the command you ran."},
    "store_missing": {"zh": "{store}：这里没有数据库。请运行 cluster-wb init 创建。",
                      "en": "{store}: no store here. Run `cluster-wb init` to create it."},
    "store_exists": {"zh": "{store}：这里已有数据库，未作任何改动。请换一个 --store 路径，或先移走它。",
                     "en": "{store}: a store already exists here; it was left untouched. Use another --store path, or "
                           "remove this one first."},
    # `schema apply` (workbook/services/schema_apply.py): a change refused, exit 1; the schema file, exit 2
    "apply_refused": {"zh": "{path}：未应用，数据库未作任何改动。这次修改会丢失或破坏已有数据：\n{problems}\n请在文件的 migrate: 部分说明如何处理（见 README“调整模板”），或改回这些修改。",
                      "en": "{path}: not applied; the store was left untouched. The change would lose or break stored "
                            "data:\n{problems}\nSay in the file's migrate: section what to do with them (see the README, "
                            "“Adapting the template”), or undo those edits."},
    "apply_retire_in_use": {"zh": "{sheet}.{field} 被删去，但 {count} 条记录有值（{examples}）；如确要停用，请在 migrate: retire: 中列出 {sheet}.{field}",
                            "en": "{sheet}.{field} is gone, but {count} records hold a value ({examples}); to retire "
                                  "it, list {sheet}.{field} under migrate: retire:"},
    "apply_value_in_use": {"zh": "{sheet}.{field} 的取值 {values} 被删去，但 {count} 条记录在用（{examples}）；请给新选项写 renamed_from，或在 migrate: values: {sheet}.{field}: 中给出对应",
                           "en": "{sheet}.{field}: values {values} are gone, but {count} records use them "
                                 "({examples}); give the new value renamed_from, or map them under migrate: values: "
                                 "{sheet}.{field}:"},
    "apply_unfit": {"zh": "{sheet}.{field} 改为 {rule}，{count} 条记录的值不符合（{examples}）；请在 migrate: unfit: {sheet}.{field}: 写 clear（清空）或 clamp（截到范围内）",
                    "en": "{sheet}.{field} becomes {rule}, and {count} records hold values that do not fit "
                          "({examples}); put clear or clamp under migrate: unfit: {sheet}.{field}:"},
    "apply_relied_on": {"zh": "{sheet}.{field} 被目录页、汇总报告或记录名称按其键名使用，不能改名、停用或改类型（标题、说明和范围可以改）",
                        "en": "{sheet}.{field} is used by its key by the index sheet, the report or the records' names; "
                              "it cannot be renamed, retired or change type (its titles, help and range can change)"},
    "apply_sheet_removed": {"zh": "工作表 {sheet} 被删去；schema apply 不删除工作表", "en": "sheet {sheet} is gone; schema apply does not remove sheets"},
    "apply_sheet_added": {"zh": "新增工作表 {sheet}；schema apply 不增加工作表（新实体需新版 cluster-wb）",
                          "en": "sheet {sheet} is new; schema apply does not add sheets (a new entity needs a new "
                                "cluster-wb)"},
    "apply_entities_changed": {"zh": "entities 有变化（{entities}）；schema apply 不增删实体", "en": "entities changed ({entities}); schema apply does not add or remove entities"},
    "apply_sheet_entity": {"zh": "工作表 {sheet} 的实体或主键有变化；这不能迁移", "en": "sheet {sheet}: its entity or key changed, which cannot be migrated"},
    "store_no_schema": {"zh": "{store}：数据库中没有模板版本记录，无法应用新模板。", "en": "{store}: the store holds no template version to apply a change to."},
    "schema_file_yaml": {"zh": "{path} 第 {line} 行：不是有效的 YAML（{why}）。", "en": "{path}, line {line}: not valid YAML ({why})."},
    "schema_file_error": {"zh": "{path} 第 {line} 行：{what}。未作任何改动。", "en": "{path}, line {line}: {what}. Nothing was changed."},
    "schema_file_unreadable": {"zh": "{path}：无法读取（{why}）。", "en": "{path}: cannot be read ({why})."},
    "usage_schema_version": {"zh": "没有模板第 {version} 版；已有的版本：{known}。", "en": "no template version {version}; versions: {known}."},
    # options and arguments
    "usage_unknown_region": {"zh": "没有地区 {unknown}；已有的地区：{known}。",
                             "en": "unknown region {unknown}; known regions: {known}."},
    "usage_no_regions": {"zh": "数据库中没有地区；请先用含数据的 cluster-wb init 初始化。",
                         "en": "the store has no regions; run `cluster-wb init` with a dataset first."},
    "usage_split_file": {"zh": "{path}：使用 --split 时 -o 应为文件夹，但这是一个文件。",
                         "en": "{path}: with --split, -o names a folder, but this is a file."},
    "usage_is_folder": {"zh": "{path}：这是文件夹；请给出以 {suffix} 结尾的文件名{hint}。",
                        "en": "{path}: is a folder; give a file name ending in {suffix}{hint}."},
    "usage_report_json_output": {"zh": "--format json 把报告的数据打印到标准输出（stdout），-o 和 --pdf 只用于报告工作簿，未作任何改动。请去掉 {options}，或去掉 --format json 写出工作簿。",
                                 "en": "--format json prints the report's figures to stdout; -o and --pdf are for the "
                                       "report workbook; nothing was done. Leave out {options}, or --format json to "
                                       "write the workbook."},
    "usage_csv_file": {"zh": "{path}：CSV 导出会在文件夹中为每张表写一个文件，但这是一个文件。",
                       "en": "{path}: CSV export writes one file per table into a folder; this is a file."},
    "usage_round_folder": {"zh": "{path}：-o 应为存放本轮工作簿的文件夹，但这是一个文件。",
                           "en": "{path}: -o names the folder for the round's workbooks, but this is a file."},
    "usage_round_exists": {"zh": "已有名为“{name}”的轮次；请换一个名称（cluster-wb round list 可列出全部轮次）。",
                           "en": "a round named “{name}” exists already; choose another name (`cluster-wb round list` "
                                 "shows them)."},
    "usage_round_unknown": {"zh": "没有名为“{name}”的轮次（已有：{names}）。",
                            "en": "no round named “{name}” (rounds: {names})."},
    "usage_account_exists": {"zh": "已有名为“{name}”的账户，未作任何改动；请换一个名称，或用 cluster-wb account key {name} 给它换新密钥。",
                             "en": "an account named “{name}” exists already; nothing changed. Choose another name, "
                                   "or give it a new key with `cluster-wb account key {name}`."},
    "usage_account_unknown": {"zh": "没有名为“{name}”的账户（已有：{names}）；cluster-wb account list 可列出全部账户。",
                              "en": "no account named “{name}” (accounts: {names}); `cluster-wb account list` shows "
                                    "them."},
    "usage_account_no_region": {"zh": "科室账户“{name}”至少要有一个地区：请用 --region 指定（已有的地区：{known}）。",
                                "en": "office account “{name}” needs at least one region: name it with --region "
                                      "(known regions: {known})."},
    "usage_account_coordinator_regions": {"zh": "协调人账户“{name}”可看到并处理全部地区，不能限定地区；请去掉 --region，或用 --role office 建一个只管这些地区的科室账户。",
                                          "en": "coordinator account “{name}” has every region and cannot be limited "
                                                "to some; leave out --region, or use --role office for an account of "
                                                "those regions only."},
    "usage_account_name": {"zh": "“{name}”不能用作账户名称：请用不超过 64 个字的字母、数字、.、_、- 或 @（不含空格），如 xuchang-fgw。",
                           "en": "“{name}” cannot name an account: use up to 64 letters, digits, ., _, - or @ (no "
                                 "spaces), for example xuchang-fgw."},
    "usage_account_role": {"zh": "没有“{role}”这种角色；请用 coordinator（协调人，全部地区）或 office（科室，其地区）。",
                           "en": "no role “{role}”: use coordinator (every region) or office (its regions)."},
    "usage_no_round": {"zh": "还没有任何轮次：请用 cluster-wb round open 名称 --due 日期 开启一轮。",
                       "en": "no round yet: open one with `cluster-wb round open NAME --due DATE`."},
    "usage_round_name": {"zh": "“{name}”不能用作轮次名称：请用不超过 100 个字的字母、数字、- 或 _（不含 / \\ : * ? \" < > |），如 2026-Q1 或 2026年度。",
                         "en": "“{name}” cannot name a round: use up to 100 letters, digits, - or _ (no / \\ : * ? \" < > "
                               "|), for example 2026-Q1 or 2026年度."},
    "usage_due_date": {"zh": "“{text}”不是日期：截止日期请写成 年-月-日，如 2026-04-30。",
                       "en": "“{text}” is not a date: give the due date as YYYY-MM-DD, for example 2026-04-30."},
    "usage_region_not_in_round": {"zh": "地区 {regions} 不在轮次“{name}”中（本轮的地区：{issued}），本轮没有它的交回；请指定本轮的地区，或去掉 --round 报告数据库的当前情况。",
                                  "en": "region {regions} is not in round “{name}” (its regions: {issued}), so the "
                                        "round holds no return of it; name one of the round's regions, or leave out "
                                        "--round to report the store now."},
    "frames_round_open": {"zh": "轮次“{name}”尚未关闭，还没有快照；请先关闭它（cluster-wb round close {name}），或不指定 round 读取当前数据。",
                          "en": "Round “{name}” is still open and has no snapshot yet; close it first (cluster-wb round close {name}), or leave out round= for the records now."},
    "usage_since_open": {"zh": "轮次“{name}”尚未关闭，没有可比较的快照；请先关闭它（cluster-wb round close {name}），或指定已关闭的轮次。",
                         "en": "round “{name}” is open, so it has no snapshot to compare with; close it first "
                               "(cluster-wb round close {name}) or name a closed round."},
    "usage_since_later": {"zh": "轮次“{name}”在所报告的快照之后才关闭（数据版本 {since} > {rev}）；--since 应指定更早的轮次。",
                          "en": "round “{name}” closed after the snapshot reported (revision {since} > {rev}); --since "
                                "names an earlier round."},
    "usage_empty_and_from": {"zh": "--empty 与 --from 不能同时使用。", "en": "--empty and --from exclude each other."},
    "usage_not_dataset": {"zh": "{path}：不是数据集文件夹。", "en": "{path}: not a folder of dataset files."},
    "usage_no_workbook": {"zh": "在 {paths} 中没有找到 .xlsx 工作簿。", "en": "no .xlsx workbook found in {paths}."},
    "usage_output_suffix": {"zh": "{path}：{option} 的文件名应以 {suffix} 结尾，未作任何改动。请改为 {right}。",
                            "en": "{path}: the file name of {option} must end in {suffix}; nothing was done. Use "
                                  "{right}."},
    "usage_folder_suffix": {"zh": "{path}：{mode} 时 -o 是文件夹，名称不应以 {suffix} 结尾，未作任何改动。请改为 {right}。",
                            "en": "{path}: with {mode}, -o names a folder, which should not end in {suffix}; nothing "
                                  "was done. Use {right}."},
    "usage_pdf_output": {"zh": "{path}：-o 是报告工作簿（.xlsx），--pdf 会把 PDF 以同名写在它旁边，未作任何改动。请用 -o {right}（写出 {right} 和 {pdf}）。",
                         "en": "{path}: -o names the report workbook (.xlsx), and --pdf writes its PDF beside it under "
                               "the same name; nothing was done. Use -o {right} (it writes {right} and {pdf})."},
    "usage_annotate_input": {"zh": "{path}：--annotate 会覆盖交回的文件本身，而它应保持收到时的样子（其 SHA-256 已记录），未作任何改动。请另给一个文件名，如 {right}。",
                             "en": "{path}: --annotate would write over the returned file itself, which must stay as "
                                   "received (its SHA-256 is recorded); nothing was done. Name another file, for "
                                   "example {right}."},
    "usage_annotate_folder": {"zh": "{path}：无法在文件夹 {folder} 中写入 --annotate 的标注副本（该文件夹不可写，或不是文件夹），未校验任何文件。请另给一个可写文件夹中的文件名。",
                              "en": "{path}: the annotated copy of --annotate cannot be written in {folder} (not a "
                                    "folder this user may write to); nothing was validated. Name a file in a folder "
                                    "you may write to."},
    "usage_annotate_one": {"zh": "--annotate 只能用于一个输入文件。", "en": "--annotate takes exactly one input file."},
    # access by region (workbook/core/scope.py): what an account may not do, refused before any work
    "forbidden_workbook": {"zh": "{path}：这个工作簿含有地区 {regions}，不属于账户“{actor}”（其地区：{mine}）；未检查、未合并，也未记入回收进度。请只交回本单位地区的工作簿。",
                           "en": "{path}: this workbook holds region {regions}, which is not account “{actor}”'s (its "
                                 "regions: {mine}); nothing was checked, merged or recorded. Return only your own "
                                 "regions' workbooks."},
    "forbidden_region": {"zh": "地区 {regions} 不属于账户“{actor}”（其地区：{mine}）。请指定本单位的地区。",
                         "en": "region {regions} is not account “{actor}”'s (its regions: {mine}). Name one of your "
                               "own regions."},
    "forbidden_report": {"zh": "汇总报告只提供给协调人；账户“{actor}”是科室账户（其地区：{mine}）。请在回收进度中查看本单位地区的情况。",
                         "en": "the consolidated report is for coordinators only; account “{actor}” is an office's "
                               "(its regions: {mine}). The status shows your own regions."},
    "round_no_workbook": {"zh": "轮次“{name}”没有为地区 {region} 下发工作簿（本轮的地区：{issued}）。",
                          "en": "round “{name}” issued no workbook for region {region} (its regions: {issued})."},
    "round_workbook_gone": {"zh": "轮次“{name}”下发给地区 {region} 的工作簿 {path}（{workbook}）已不在服务器上原来的位置（被移走或删除）。它不会被重新生成（那将是另一个工作簿）；请协调人把该文件放回原处，或直接发送给你。",
                            "en": "the workbook {path} ({workbook}) issued to region {region} in round “{name}” is no "
                                  "longer where it was written on the server (moved or deleted). It is not rebuilt "
                                  "(that would be another workbook); ask the coordinator to put the file back, or to "
                                  "send it to you."},
    # the portal (workbook/web): answers of its HTTP interface
    "api_no_key": {"zh": "缺少密钥：请在请求头中加入 Authorization: Bearer 密钥（密钥由协调人用 cluster-wb account add 生成）。",
                   "en": "no key: send the header Authorization: Bearer KEY (the coordinator makes keys with "
                         "`cluster-wb account add`)."},
    "api_bad_key": {"zh": "密钥无效（错误、已更换或已吊销）。请向协调人索取新密钥（cluster-wb account key 账户名）。",
                    "en": "the key is not valid (wrong, replaced or revoked). Ask the coordinator for a new one "
                          "(`cluster-wb account key NAME`)."},
    "api_too_large": {"zh": "上传内容超过 {limit} MB 的上限，已停止接收，未作任何处理。请按地区分开交回，或请管理员调高 --max-upload-mb。",
                      "en": "the upload is over the {limit} MB limit; it was refused while it came in, and nothing "
                            "was done. Send the regions separately, or ask the administrator to raise "
                            "--max-upload-mb."},
    "api_no_file": {"zh": "请求中没有文件：请以 multipart/form-data 上传，文件放在字段 file 中。",
                    "en": "no file in the request: upload it as multipart/form-data, in the field file."},
    "api_bad_form": {"zh": "无法读取上传的表单（{why}）。请以 multipart/form-data 上传，文件放在字段 file 中。",
                     "en": "the uploaded form cannot be read ({why}). Upload it as multipart/form-data, in the field "
                           "file."},
    "api_bad_format": {"zh": "没有“{format}”这种格式；请用 {formats}。", "en": "no format “{format}”: use {formats}."},
    "api_no_region": {"zh": "请用 ?region=地区代码 指定地区。", "en": "name the region with ?region=ID."},
    "api_no_route": {"zh": "没有这个地址：{path}。", "en": "no such address: {path}."},
    "api_method": {"zh": "{path} 不接受 {method} 请求。", "en": "{path} does not take {method}."},
    "api_internal": {"zh": "服务器内部错误（编号 {id}），未作任何改动。请把这个编号告诉管理员，详情在服务器日志中。",
                     "en": "internal error (request {id}); nothing was changed. Give this number to the "
                           "administrator: the details are in the server's log."},
    # the portal's pages and their returns desk (workbook/web/pages.py, workbook/services/desk.py)
    "signin_wrong_key": {"zh": "密钥不对（错误、已更换或已吊销），未登录。请核对后重新输入，或向协调人索取新密钥。",
                         "en": "that key is not valid (wrong, replaced or revoked); not signed in. Check it and try "
                               "again, or ask the coordinator for a new one."},
    "signin_throttled": {"zh": "输入错误密钥的次数过多，请 {minutes} 分钟后再试。若遗失密钥，请向协调人索取新密钥。",
                         "en": "too many wrong keys from this computer: try again in {minutes} minutes. If you have "
                               "lost your key, ask the coordinator for a new one."},
    "page_signed_out": {"zh": "尚未登录，或登录已过期。请重新登录。", "en": "not signed in, or the session has ended. Sign in again."},
    "page_no_token": {"zh": "表单缺少本次登录的校验码（可能页面已过期，或请求来自别的网站），未作任何改动。请刷新页面后重试。",
                      "en": "the form lacks this session's check code (the page may be stale, or the request came "
                            "from another site); nothing was changed. Reload the page and try again."},
    "desk_no_upload": {"zh": "没有编号为 {n} 的上传文件。", "en": "there is no upload number {n}."},
    "desk_no_region": {"zh": "没有地区 {region}。", "en": "there is no region {region}."},
    "forbidden_upload": {"zh": "上传文件 {n} 含有地区 {regions}，不属于账户“{actor}”（其地区：{mine}）。",
                         "en": "upload {n} holds region {regions}, which is not account “{actor}”'s (its regions: "
                               "{mine})."},
    "forbidden_comment": {"zh": "只有协调人可以填写意见；账户“{actor}”是科室账户（其地区：{mine}）。",
                          "en": "only coordinators write comments; account “{actor}” is an office's (its regions: "
                                "{mine})."},
    "forbidden_accounts": {"zh": "只有协调人可以管理账户；账户“{actor}”是科室账户（其地区：{mine}）。",
                           "en": "only coordinators manage accounts; account “{actor}” is an office's (its regions: "
                                 "{mine})."},
    "desk_upload_quota": {"zh": "本账户一小时内已上传 {count} 次，已达上限，本次未接收。请一小时后再试；如确有需要，请联系协调人。",
                          "en": "this account has uploaded {count} times in the last hour, the limit; this file was not "
                                "taken. Try again in an hour, or ask the coordinator."},
    "desk_upload_volume": {"zh": "本账户一天内上传的文件已超过 {mb} MB，本次未接收。请明天再试，或联系协调人。",
                           "en": "this account's uploads of the last day are over {mb} MB; this file was not taken. "
                                 "Try again tomorrow, or ask the coordinator."},
    "usage_account_self": {"zh": "账户“{name}”不能吊销自己（否则可能再无协调人能管理账户）。请由另一位协调人操作，或在服务器上用 cluster-wb account revoke。",
                           "en": "account “{name}” cannot revoke itself (no coordinator might be left to manage the "
                                 "accounts). Ask another coordinator, or use `cluster-wb account revoke` on the "
                                 "server."},
    "desk_comment_empty": {"zh": "意见为空，未发送。", "en": "the comment is empty; nothing was sent."},
    "desk_comment_long": {"zh": "意见超过 {limit} 个字，未发送。请缩短后再发。",
                          "en": "the comment is over {limit} characters; nothing was sent. Shorten it."},
    # `serve` (workbook/web/serve.py)
    "serve_port_in_use": {"zh": "{host}:{port} 已被占用（另一个 cluster-wb serve 或其他程序），未启动。请用 --port 换一个端口，或先停止占用它的程序。",
                          "en": "{host}:{port} is in use (another cluster-wb serve, or another program); not started. "
                                "Choose another --port, or stop the program that holds it."},
    "serve_bind": {"zh": "无法在 {host}:{port} 上监听（{why}），未启动。请检查 --host 和 --port。",
                   "en": "cannot listen on {host}:{port} ({why}); not started. Check --host and --port."},
    "serve_workers_sqlite": {"zh": "--workers {workers}：SQLite 数据库只能由一个进程服务（SQLite 一次只允许一个写入者，几个进程会互相等待锁，回收高峰时请求会超时），未启动。请去掉 --workers，或先把数据库迁到 PostgreSQL（cluster-wb store copy）。",
                             "en": "--workers {workers}: a SQLite store is served by one process (SQLite lets one "
                                   "writer in at a time: several processes would queue for its lock, and at the peak "
                                   "of returns their requests would time out); not started. Leave out --workers, or "
                                   "move the store to PostgreSQL first (`cluster-wb store copy`)."},
    # a dataset folder (`init --from DIR`, workbook/store/seed.py)
    "dataset_yaml": {"zh": "{path}：不是有效的 YAML（{why}）。", "en": "{path}: not valid YAML ({why})."},
    "dataset_not_list": {"zh": "{path}：应为记录列表。", "en": "{path}: expected a list of records."},
    "dataset_not_folder": {"zh": "{path}：不是文件夹。", "en": "{path}: not a folder."},
    "dataset_no_regions": {"zh": "{path}：没有 {regions}；数据集文件夹应包含 {files}。",
                           "en": "{path}: no {regions}; a dataset folder holds {files}."},
    "dataset_no_id": {"zh": "{path}：第 {n} 条记录没有 id。", "en": "{path}: record {n} has no id."},
    "dataset_duplicate_id": {"zh": "{path}：id {id} 出现了两次。", "en": "{path}: id {id} appears twice."},
    "dataset_empty_keys": {"zh": "{path}：{id} 有没有值的键：{keys}；含逗号的文字请加引号。",
                           "en": "{path}: {id} has keys without a value: {keys}; quote text that contains a comma."},
    "dataset_no_region": {"zh": "{path}：{id} 没有 region。", "en": "{path}: {id} has no region."},
    "dataset_unknown_region": {"zh": "{path}：{id} 指向不存在的地区 {region}。", "en": "{path}: {id} names unknown region {region}."},
    "dataset_unknown_fields": {"zh": "{path}：{id} 有模板中没有的字段：{fields}。",
                               "en": "{path}: {id} has fields the schema does not know: {fields}."},
    "dataset_bad_code": {"zh": "{path}：{id}.{field} = {value} 不是允许的代码。",
                         "en": "{path}: {id}.{field} = {value} is not one of the allowed codes."},
    "dataset_unknown_factor": {"zh": "{path}：第 {n} 条诊断指向不存在的制约因素 {factor}。",
                               "en": "{path}: diagnosis {n} names unknown factor {factor}."},
    "dataset_bad_severity": {"zh": "{path}：第 {n} 条诊断的程度为 {severity}；请用 0、1、2 或 3。",
                             "en": "{path}: diagnosis {n} has severity {severity}; use 0, 1, 2 or 3."},
    "dataset_unknown_cluster": {"zh": "{path}：第 {n} 条诊断指向不存在的集群 {cluster}。",
                                "en": "{path}: diagnosis {n} names unknown cluster {cluster}."},
    "pdf_no_office": {"zh": "未安装 LibreOffice（soffice），未生成 PDF；工作簿已写好。请安装（Debian：apt-get install libreoffice-calc-nogui fonts-noto-cjk），或在 Excel、WPS、LibreOffice 中打印该工作簿。",
                      "en": "LibreOffice (soffice) is not installed, so no PDF was written; the workbook is there. "
                            "Install it (Debian: apt-get install libreoffice-calc-nogui fonts-noto-cjk) or print the "
                            "workbook from Excel, WPS or LibreOffice."},
    "pdf_timeout": {"zh": "{path}：LibreOffice 在 10 分钟内未能完成打印。", "en": "{path}: LibreOffice did not finish printing within 10 minutes."},
    "pdf_failed": {"zh": "{path}：LibreOffice 无法打印它（{why}）。", "en": "{path}: LibreOffice could not print it ({why})."},
}


# The commands' help (`cluster-wb [COMMAND] --help`), in the language of --lang: what each command does and its exit
# codes, keyed by its path in the command tree ("" the group, "round open"), and each option's help, keyed by the
# command's path and the option's first name ("round open --due"); an option without an entry of its own takes
# the one of its name alone ("--format"). `workbook.docs` copies the English into the README's command table;
# tests/test_help.py walks the command tree against these tables, both ways.
COMMAND_HELP: dict[str, dict[str, str]] = {
    "": {"zh": "把地方政府的产业集群资料写入供各地填报的 Excel 工作簿，并把各地改好的内容合并回数据库。",
         "en": "Keep industrial-cluster records in Excel workbooks officials fill in, and merge their edits back."},
    "init": {"zh": "创建数据库，写入内置数据集（默认）、不写入任何数据，或写入 DIR 中的数据集。",
             "en": "Create the store, seeded with the bundled dataset (default), nothing, or DIR.",
             "exit_zh": "0 已创建；2 该处已有数据库，或 DIR 不是数据集",
             "exit_en": "0 created; 2 a store exists there already, or DIR is not a dataset"},
    "build": {"zh": "为全部地区（或指定地区）生成工作簿，并登记为已发出。",
              "en": "Write a workbook for all regions (or the named ones) and register it as issued.",
              "exit_zh": "0；2 地区未知或路径有误", "exit_en": "0; 2 an unknown region or a wrong path"},
    "schema": {"zh": "本数据库的工作簿所用的工作表、字段、类型、允许的值和制约因素。",
               "en": "The sheets, fields, types, allowed values and constraint factors the store's workbooks use.",
               "exit_zh": "0；2 没有这一版", "exit_en": "0; 2 no such version"},
    "schema apply": {"zh": "把 FILE（格式同 templates/schema.yaml 的模板文件）作为数据库的下一版模板；已存记录在同一个数据版本中"
                           "随之迁移，每个改动的值都有一条审计记录。",
                     "en": "Make FILE (a schema in the format of templates/schema.yaml) the store's next schema version; "
                           "the store's records are migrated in one revision, with an audit entry per changed value.",
                     "exit_zh": "0；1 这一改动会丢失或破坏已存数据（列出涉及的记录和值，未作任何改动）；2 文件无法读取或有错（指出行号）",
                     "exit_en": "0; 1 the change would lose or break stored data (says which records and values; "
                                "nothing changed); 2 the file is unreadable or has a slip (says the line)"},
    "export": {"zh": "导出全部主数据：每张表一个 CSV 文件写入文件夹、一个 JSON 文件，或一个由 Excel 表格组成的工作簿"
                     "（每类记录一张工作表，涵盖全部地区，可直接做数据透视表；表头和选项按 --lang 的语言）。",
               "en": "Write the whole master dataset: one CSV per table into a folder, one JSON file, or one workbook "
                     "of Excel tables (a sheet per entity across all regions, ready for a pivot table; headers and "
                     "labels in --lang).",
               "exit_zh": "0；2 路径有误", "exit_en": "0; 2 a wrong path"},
    "validate": {"zh": "重新读取填好的工作簿，逐个单元格报告每个问题。",
                 "en": "Re-read edited workbooks and report every problem at its cell.",
                 "exit_zh": "0 没有错误（可有警告）；1 至少一个错误；2 有文件无法读取、不是 cluster-wb 工作簿，或不是本数据库发出的",
                 "exit_en": "0 no errors (warnings allowed); 1 at least one error; 2 a file is unreadable, not a "
                            "cluster-wb workbook, or not issued by this store"},
    "merge": {"zh": "先校验，再把每个工作簿的改动三方合并进数据库（每个文件要么全部合并，要么全不合并）。",
              "en": "Validate, then three-way merge each workbook's edits into the store (each file all or nothing).",
              "exit_zh": "0 每个文件都已合并（或没有需要合并的改动）；1 有文件存在错误或冲突；2 同 validate",
              "exit_en": "0 every file merged (or had nothing to change); 1 a file had errors or conflicts; "
                         "2 as validate"},
    "log": {"zh": "审计记录，最新的在前。", "en": "The audit trail, newest first.", "exit_zh": "0", "exit_en": "0"},
    "round": {"zh": "填报轮次：按地区各发一个带截止日期的工作簿，收齐后关闭轮次。",
              "en": "Reporting rounds: issue one workbook per region with a due date, then close the round."},
    "round open": {"zh": "开启一个填报轮次，按地区各生成一个工作簿写入文件夹（默认 output/NAME/）。",
                   "en": "Open a reporting round and issue one workbook per region into a folder (default "
                         "output/NAME/).",
                   "exit_zh": "0；2 名称重复、日期有误或地区未知",
                   "exit_en": "0; 2 a duplicate name, a bad date or an unknown region"},
    "round list": {"zh": "全部轮次，按开启的先后排列。", "en": "The rounds, in the order they were opened.",
                   "exit_zh": "0", "exit_en": "0"},
    "round close": {"zh": "关闭轮次：以数据库当前的数据版本为其快照；其工作簿不再合并。",
                    "en": "Close a round: its snapshot is the store revision now; its workbooks no longer merge.",
                    "exit_zh": "0；2 轮次未知", "exit_en": "0; 2 an unknown round"},
    "round reopen": {"zh": "重新开放已关闭的轮次：其工作簿可以再次合并。",
                     "en": "Reopen a closed round: its workbooks merge again.",
                     "exit_zh": "0；2 轮次未知", "exit_en": "0; 2 an unknown round"},
    "status": {"zh": "某一轮次（默认最近开启的一轮）的交回情况：各地区的发出、交回、合并、待处理和逾期。",
               "en": "The return tracker of a round (default: the one opened last): per region, issued, returned, "
                     "merged, stuck or late.",
               "exit_zh": "0；2 没有这一轮次，或尚无任何轮次", "exit_en": "0; 2 no such round, or no round yet"},
    "report": {"zh": "跨地区的汇总报告：带图表的只读工作簿，或以 JSON 给出其中的数字。",
               "en": "The consolidated report across regions: a read-only workbook with charts, or its figures as "
                     "JSON.",
               "exit_zh": "0；2 轮次或地区未知、--since 所指轮次尚未关闭或晚于本轮，或 --pdf 找不到 LibreOffice",
               "exit_en": "0; 2 an unknown round or region, a --since round that is open or later, or no "
                          "LibreOffice for --pdf"},
    "account": {"zh": "交回平台的账户：协调人（全部地区）或科室（其所辖地区），各有一个只显示一次、数据库中只存其哈希值的登录密钥。",
                "en": "Portal accounts: a coordinator (every region) or an office (its regions), each with a sign-in "
                      "key shown once and kept in the store only as a hash."},
    "account add": {"zh": "创建交回平台账户并显示其登录密钥，仅此一次：数据库只保存其哈希值。",
                    "en": "Create a portal account and print its sign-in key, once: the store keeps only its hash.",
                    "exit_zh": "0；2 名称重复、地区未知、科室没有指定地区，或为协调人指定了地区",
                    "exit_en": "0; 2 a duplicate name, an unknown region, an office without a region or a "
                               "coordinator with one"},
    "account key": {"zh": "为账户换发新密钥并显示一次：旧密钥随即失效，其登录会话结束（已吊销的账户重新有效）。",
                    "en": "Give the account a new key, printed once: the old key stops working and its sessions end "
                          "(a revoked account is active again).",
                    "exit_zh": "0；2 账户未知", "exit_en": "0; 2 an unknown account"},
    "account revoke": {"zh": "吊销账户的密钥：不能再登录，其登录会话在下一次请求时结束。",
                       "en": "Revoke the account's key: it can no longer sign in, and its sessions end at their next "
                             "request.",
                       "exit_zh": "0；2 账户未知", "exit_en": "0; 2 an unknown account"},
    "account list": {"zh": "交回平台的账户，按名称排列：角色、地区、是否有效、最近使用时间；从不显示密钥。",
                     "en": "The portal accounts, by name: role, regions, whether active, last seen. Never a key.",
                     "exit_zh": "0", "exit_en": "0"},
    "serve": {"zh": "以 HTTP 提供本数据库的交回平台，直到收到 SIGINT 或 SIGTERM；开始接受连接时显示一行 `serving URL`。",
              "en": "Serve the portal over HTTP from this store until SIGINT or SIGTERM; prints `serving URL` once it "
                    "takes connections.",
              "exit_zh": "0 正常停止；2 端口已被占用，或无法提供该数据库",
              "exit_en": "0 after a clean stop; 2 the port is in use or the store cannot be served"},
    "store": {"zh": "数据库本身：整体复制到新的 SQLite 文件或 PostgreSQL 数据库。",
              "en": "The store itself: copy it whole, into a new SQLite file or PostgreSQL database."},
    "store copy": {"zh": "整体复制数据库（数据版本、历史、审计记录、工作簿、轮次和交回记录都在内）到一个新数据库（如把 SQLite "
                         "数据库迁入 PostgreSQL）。在一个事务中完成：中途打断，DST 中不会留下数据库。",
                   "en": "Copy a whole store, revisions, history, audit trail, workbooks, rounds and attempts included, "
                         "into a new one (moving a SQLite store into PostgreSQL). One transaction: interrupted, DST "
                         "holds no store.",
                   "exit_zh": "0 已复制；2 SRC 不是数据库、DST 中已有数据库，或无法连接服务器",
                   "exit_en": "0 copied; 2 SRC is not a store, DST holds one already, or a server cannot be reached"},
}


OPTION_HELP: dict[str, dict[str, str]] = {
    "--help": {"zh": "显示本帮助并退出。", "en": "Show this message and exit."},
    "--version": {"zh": "显示版本号并退出。", "en": "Show the version and exit."},
    "--format": {"zh": "输出格式：text 为便于阅读的表格，json 为标准输出上的一个 JSON 文档。",
                 "en": "Output: text, tables to read; json, one JSON document on stdout."},
    "--region": {"zh": "地区代码；可重复以指定多个。默认：全部地区。", "en": "Region ID; repeat for several. Default: all."},
    "--store": {"zh": "主数据库：SQLite 文件路径或 postgresql:// 地址（环境变量 CLUSTER_WB_STORE）。",
                "en": "Master store: a SQLite path or a postgresql:// URL (env CLUSTER_WB_STORE)."},
    "--lang": {"zh": "工作簿、提示信息和帮助的语言（环境变量 CLUSTER_WB_LANG）。",
               "en": "Language of the workbook, of messages and of this help (env CLUSTER_WB_LANG)."},
    "init --empty": {"zh": "创建一个空数据库。", "en": "Create an empty store."},
    "init --from": {"zh": "用 DIR 中的数据集文件初始化。", "en": "Seed from the dataset files in DIR."},
    "build -o": {"zh": "输出文件（与 --split 同用时为文件夹）。默认：output/cluster-wb-<时间>.xlsx",
                 "en": "Output file (folder with --split). Default: output/cluster-wb-<time>.xlsx"},
    "build --split": {"zh": "每个地区一个工作簿，写入 -o 所指的文件夹。", "en": "One workbook per region, into the folder -o."},
    "build --by": {"zh": "生成人（记为发出人）。", "en": "Who builds it (recorded as the issuer)."},
    "schema --format": {"zh": "输出格式；yaml：即所应用的模板文件，可直接修改后 `schema apply`。",
                        "en": "Output; yaml: the file as applied, ready to edit and `schema apply`."},
    "schema --version": {"zh": "数据库模板的某一旧版本。", "en": "An older version of the store's schema."},
    "schema apply --dry-run": {"zh": "显示改动及其对已存值的影响，不作任何改动。",
                               "en": "Print the change and what it does to stored values; change nothing."},
    "schema apply --by": {"zh": "应用人（记入审计记录）。", "en": "Who applies it (recorded in the audit trail)."},
    "export -o": {"zh": "文件夹（csv）或文件（json、xlsx）。", "en": "Folder (csv) or file (json, xlsx)."},
    "export --format": {"zh": "csv：每张表一个文件；json：一个文件；xlsx：由 Excel 表格组成的工作簿。",
                        "en": "csv: a file per table; json: one file; xlsx: a workbook of Excel tables."},
    "validate --annotate": {"zh": "把（唯一的）输入文件另存一份，在其中标出每个问题。",
                            "en": "Write a copy of the (single) input with each problem marked."},
    "merge --dry-run": {"zh": "显示将会改动的内容，不写入任何东西。", "en": "Show what would change; write nothing."},
    "merge --by": {"zh": "合并人（记入审计记录）。", "en": "Who merges (recorded in the audit trail)."},
    "log --limit": {"zh": "最多显示 N 条。", "en": "At most N entries."},
    "round open --due": {"zh": "截止日期，格式 YYYY-MM-DD。", "en": "Due date, YYYY-MM-DD."},
    "round open --period": {"zh": "工作簿中显示的报告期，如 2026年度。", "en": "Period label shown in the workbooks, e.g. FY2026."},
    "round open -o": {"zh": "存放工作簿的文件夹。默认：output/NAME/", "en": "Folder for the workbooks. Default: output/NAME/"},
    "round open --by": {"zh": "开启人（记为发出人）。", "en": "Who opens it (recorded as the issuer)."},
    "status --round": {"zh": "轮次名称。默认：最近开启的一轮。", "en": "Round name. Default: the one opened last."},
    "status -o": {"zh": "同时把交回情况写成工作簿（.xlsx）。", "en": "Also write the tracker as a workbook (.xlsx)."},
    "report -o": {"zh": "报告工作簿。默认：output/report-<时间>.xlsx", "en": "Report workbook. Default: output/report-<time>.xlsx"},
    "report --round": {"zh": "报告某一已关闭轮次的快照（默认：数据库现状）。",
                       "en": "Report a closed round's snapshot (default: the store now)."},
    "report --since": {"zh": "与这一已关闭的轮次比较（默认：最近关闭的一轮）。",
                       "en": "Compare with this closed round (default: the last closed)."},
    "report --format": {"zh": "xlsx：报告工作簿；json：标准输出上的一个 JSON 文档，给出其中的数字。",
                        "en": "xlsx: the report workbook; json: its figures, one JSON document on stdout."},
    "report --pdf": {"zh": "同时把工作簿打印为旁边的 PDF 文件（LibreOffice）。",
                     "en": "Also print the workbook to a PDF beside it (LibreOffice)."},
    "account add --role": {"zh": "coordinator（协调人）：全部地区；office（科室）：--region 所指的地区。",
                           "en": "coordinator: every region; office: the regions of --region."},
    "account add --region": {"zh": "科室所辖地区；可重复以指定多个（至少一个；协调人不指定）。",
                             "en": "An office's region; repeat for several (at least one; none for a coordinator)."},
    "account add --by": {"zh": "创建人（记在账户上）。", "en": "Who creates it (recorded on the account)."},
    "account key --by": {"zh": "换发人（记在账户上）。", "en": "Who replaces it (recorded on the account)."},
    "account revoke --by": {"zh": "吊销人（记在账户上）。", "en": "Who revokes it (recorded on the account)."},
    "serve --host": {"zh": "监听的地址。", "en": "Address to listen on."},
    "serve --port": {"zh": "监听的端口（0：任一空闲端口，显示的那一行会说明是哪个）。",
                     "en": "Port to listen on (0: any free one; the line printed says which)."},
    "serve --workers": {"zh": "服务器进程数（仅限 PostgreSQL：SQLite 数据库只由一个进程提供）。",
                        "en": "Server processes (PostgreSQL only: a SQLite store is served by one)."},
    "serve --max-upload-mb": {"zh": "接受的最大上传文件（MB），超过时在传输中即拒绝。",
                              "en": "Largest upload accepted, refused while it streams in."},
    "store copy --from": {"zh": "要复制的数据库：SQLite 文件路径或地址。", "en": "The store to copy: a SQLite path or a URL."},
    "store copy --to": {"zh": "新数据库：SQLite 文件路径，或空数据库的 postgresql:// 地址。",
                        "en": "A new store: a SQLite path, or a postgresql:// URL of an empty database."},
}


HELP_WORDS = {  # the headings and notes of a command's help
    "usage": {"zh": "用法：", "en": "Usage:"},
    "try_help": {"zh": "请运行 {command} 查看帮助。", "en": "Try '{command}' for help."},
    "error": {"zh": "错误：{message}", "en": "Error: {message}"},
    "options": {"zh": "选项", "en": "Options"},
    "commands": {"zh": "命令", "en": "Commands"},
    "exit": {"zh": "退出码：{codes}。", "en": "Exit: {codes}."},
    "options_metavar": {"zh": "[选项]", "en": "[OPTIONS]"},
    "command_metavar": {"zh": "命令 [参数]...", "en": "COMMAND [ARGS]..."},
    "default": {"zh": "默认：{value}", "en": "default: {value}"},
    "required": {"zh": "必填", "en": "required"},
    "envvar": {"zh": "环境变量：{name}", "en": "env var: {name}"},
}


CLICK_SAYINGS = [  # click's own refusals of a command line, sentence by sentence, as `cluster-wb` says them in Chinese
    (r"Missing option '(.+)'\.?", "缺少选项 {0}。"),
    (r"Missing argument '(.+)'\.?", "缺少参数 {0}。"),
    (r"No such option: (\S+?)\.?", "没有选项 {0}。"),
    (r"No such option '(.+)'\.", "没有选项 {0}。"),
    (r"No such command '(.+)'\.", "没有命令“{0}”。"),
    (r"Did you mean '?(.+?)'?\?", "是否想输入 {0}？"),
    (r"\(Possible options: (.+)\)", "（可用的选项：{0}）"),
    (r"Option '(.+)' requires an argument\.", "选项 {0} 需要一个值。"),
    (r"Got unexpected extra arguments? \((.+)\)", "多余的参数：{0}。"),
    (r"Invalid value for '(.+)': '(.+)' is not one of (.+)\.", "{0} 的值“{1}”无效：应为 {2} 之一。"),
    (r"Invalid value for '(.+)': (.+)", "{0} 的值无效：{1}"),
]


def command_help(path: str, lang: str) -> str:
    """A command's help in `lang`: what it does, then its exit codes (a group has none)."""
    entry = COMMAND_HELP[path]
    lang = lang if lang in ("zh", "en") else "zh"
    exits = entry.get(f"exit_{lang}")
    return entry[lang] + (f"\n\n{HELP_WORDS['exit'][lang].format(codes=exits)}" if exits else "")


def option_help(path: str, option: str, lang: str) -> str:
    """An option's help in `lang`: the command's own entry for it, else the one of its name alone."""
    entry = OPTION_HELP.get(f"{path} {option}".strip()) or OPTION_HELP[option]
    return entry[lang if lang in ("zh", "en") else "zh"]


# How a record's source is said in English (workbook/template/sources.py): the seed document's articles, and the
# parts of them its records cite (the headings in quotes are the articles' own sections).
SOURCE_WORDS = {
    "article": {"zh": "第{n}篇", "en": "Article {n}"},
    "parts": {
        "引言": {"zh": "引言", "en": "introduction"},
        "开篇": {"zh": "开篇", "en": "opening"},
        "导语": {"zh": "导语", "en": "lead"},
        "结语": {"zh": "结语", "en": "conclusion"},
        "发展现状": {"zh": "发展现状", "en": "Current state"},
        "升级路径": {"zh": "升级路径", "en": "Upgrading paths"},
        "升级模式": {"zh": "升级模式", "en": "Upgrading modes"},
        "产业集群是什么": {"zh": "产业集群是什么", "en": "What an industrial cluster is"},
        "特色产业发展箭在弦上": {"zh": "特色产业发展箭在弦上", "en": "Distinctive industries ready to take off"},
        "百亿级企业争相冒尖": {"zh": "百亿级企业争相冒尖", "en": "Ten-billion-yuan firms vying to stand out"},
        "竞争优势": {"zh": "竞争优势", "en": "Competitive advantage"},
        "作用": {"zh": "作用", "en": "Role"},
        "认识产业集群": {"zh": "认识产业集群", "en": "Understanding industrial clusters"},
        "特点": {"zh": "特点", "en": "Features"},
    },
}


# A region's level as the Index sheet says it (the region record keeps the Chinese; another level is shown as kept).
REGION_LEVEL_WORDS = {"省": {"zh": "省", "en": "province"}, "地级市": {"zh": "地级市", "en": "prefecture-level city"},
                      "县级市": {"zh": "县级市", "en": "county-level city"}, "县": {"zh": "县", "en": "county"},
                      "区": {"zh": "区", "en": "district"}, "功能区": {"zh": "功能区", "en": "functional zone"}}


# Words of the terminal tables, the return tracker and the annotated copy's results sheet.
SEVERITY_WORDS = {"zh": {"error": "错误", "warning": "警告"}, "en": {"error": "Error", "warning": "Warning"}}


TERMINAL_WORDS = {
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
    "conflicts_title": {"zh": "冲突", "en": "conflicts"},
    "schema_heading": {"zh": "cluster-wb 模板第 {version} 版", "en": "cluster-wb schema {version}"},
    "schema_cols": {"zh": ("键名", "标题", "类型", "单位", "必填", "可编辑", "允许的值"),
                    "en": ("key", "title", "type", "unit", "required", "editable", "allowed")},
    "locked": {"zh": "锁定", "en": "locked"},
    "factors_title": {"zh": "制约因素", "en": "constraint factors"},
    "factor_cols": {"zh": ("编号", "分组", "名称"), "en": ("id", "group", "title")},
    "ops": {"zh": {"insert": "新增", "update": "修改", "delete": "删除"},
            "en": {"insert": "added", "update": "changed", "delete": "deleted"}},
    "log_cols": {"zh": ("版本", "时间", "操作人", "来源", "表", "记录", "字段", "操作", "原值", "新值", "单元格"),
                 "en": ("revision", "at", "by", "source", "sheet", "record", "field", "op", "old", "new", "cell")},
    "seed_bundled": {"zh": "内置初始数据", "en": "bundled seed dataset"},
    "seed_from": {"zh": "初始数据 {name}", "en": "seed dataset {name}"},
    "upgrade_orphans": {"zh": "升级：删除已删集群的制约矩阵记录", "en": "upgrade: matrix records of deleted clusters"},
    "upgrade_approx": {"zh": "升级：约数标记改为约数种类（原标记记为“约”）", "en": "upgrade: approximate flags become kinds (each flag “about”)"},
    "record_separator": {"zh": "；", "en": "; "},
    "list_separator": {"zh": "、", "en": ", "},
}


STATE_WORDS = {
    "zh": {"not_returned": "未交回", "received": "已收到，待合并", "errors": "有错误，待改", "conflicts": "有冲突，待商定",
           "merged": "已合并", "open": "进行中", "closed": "已关闭"},
    "en": {"not_returned": "not returned", "received": "received, not merged", "errors": "errors to fix",
           "conflicts": "conflicts to settle", "merged": "merged", "open": "open", "closed": "closed"},
}


ACCOUNT_WORDS = {  # `account list` and the sentences of `account add` / `account key`
    "cols": {"zh": ("账户", "角色", "地区", "状态", "最近使用"), "en": ("account", "role", "regions", "state", "last seen")},
    "coordinator": {"zh": "协调人", "en": "coordinator"},
    "office": {"zh": "科室", "en": "office"},
    "holder_coordinator": {"zh": "该协调人", "en": "the coordinator"},
    "holder_office": {"zh": "该科室", "en": "the office"},
    "all_regions": {"zh": "全部", "en": "all"},
    "active": {"zh": "有效", "en": "active"},
    "revoked": {"zh": "已吊销", "en": "revoked"},
}


ROUND_WORDS = {
    "status_cols": {"zh": ("地区", "工作簿", "状态", "交回", "最近交回", "合并于", "改动", "错误", "冲突", "逾期",
                           "完整度", "近几轮", "联系人"),
                    "en": ("region", "workbook", "state", "returns", "last return", "merged at", "changes", "errors",
                           "conflicts", "overdue", "complete", "last rounds", "contact")},
    # a region's record over the last rounds, oldest first (准 迟 缺: on time, late, missing; … not due yet)
    "outcome": {"zh": {"on_time": "准", "late": "迟", "missing": "缺", "pending": "…"},
                "en": {"on_time": "ok", "late": "late", "missing": "miss", "pending": "…"}},
    "record_note": {"zh": "近几轮：本轮及之前最多四轮，从早到晚；准 = 按时合并，迟 = 截止后合并，缺 = 未合并，… = 未到截止日期",
                    "en": "last rounds: this round and up to four before it, oldest first; ok = merged on time, "
                          "late = merged after the due date, miss = not merged, … = not due yet"},
    "round_cols": {"zh": ("轮次", "报告期", "截止日期", "状态", "地区数", "开启于", "关闭于", "快照版本"),
                   "en": ("round", "period", "due", "state", "regions", "opened", "closed", "snapshot")},
    "summary": {"zh": "轮次 {name}（截止 {due}，{state}）：已发 {issued}，已交回 {returned}，已合并 {merged}，逾期 {overdue}",
                "en": "Round {name} (due {due}, {state}): issued {issued}, returned {returned}, merged {merged}, "
                      "overdue {overdue}"},
    "overdue": {"zh": "逾期", "en": "OVERDUE"},
    "tracker_sheet": {"zh": "交回情况", "en": "Returns"},
    "period": {"zh": "报告期", "en": "Period"},
    "opened": {"zh": "已开启轮次 {name}：{n} 个工作簿写入 {folder}，截止 {due}",
               "en": "opened round {name}: {n} workbooks written to {folder}, due {due}"},
    "closed": {"zh": "轮次 {name} 已关闭，快照为数据版本 {rev}；其工作簿不再合并", "en": "round {name} closed at store revision {rev}; "
               "its workbooks no longer merge"},
    "due_passed": {"zh": "注意：截止日期 {due} 已过（今天是 {today}），本轮各地区一开始就算逾期；如日期写错，可用新的名称和日期重新开启一轮。",
                   "en": "note: the due date {due} has passed (today is {today}), so every region of the round is "
                         "overdue from the start; if the date is wrong, open the round again under a new name and "
                         "date."},
    "reopened": {"zh": "轮次 {name} 已重新开放，其工作簿可以再次合并", "en": "round {name} reopened; its workbooks merge again"},
    "unchanged_closed": {"zh": "轮次 {name} 已于 {at} 关闭（快照为数据版本 {rev}），未作改动",
                         "en": "round {name} was closed already, on {at} (snapshot: revision {rev}); nothing changed"},
    "unchanged_open": {"zh": "轮次 {name} 本来就是开放的，未作改动", "en": "round {name} is open already; nothing changed"},
}


ANNOTATION_TITLE = {"zh": "校验结果", "en": "Validation"}


ANNOTATION_HEADERS = {"zh": ["级别", "工作表", "单元格", "列", "记录", "填写的值", "说明"],
                      "en": ["Severity", "Sheet", "Cell", "Column", "Record", "Value", "Message"]}


def _from(table: dict, *keys: str) -> dict:
    return {k: table[k] for k in keys}


def _cols(words: dict, names: tuple[str, ...]) -> dict:
    """Column words of a tuple-valued entry, by name: the page says what the terminal and the workbook say."""
    return {name: {"zh": words["zh"][i], "en": words["en"][i][:1].upper() + words["en"][i][1:]}
            for i, name in enumerate(names) if name}


PAGE_WORDS = {  # the portal's pages (workbook/web/html), beside the words of the commands and the workbook
    "product": {"zh": "产业集群工作簿 · 交回平台", "en": "Industrial clusters · returns portal"},
    "footer": {"zh": "cluster-wb · 校验与合并规则与命令行相同", "en": "cluster-wb · the same checks and merge as the commands"},
    "times_in": {"zh": "时间为服务器时区（{zone}）", "en": "times in the server's zone ({zone})"},
    "other_lang": {"zh": "English", "en": "中文"},
    "nav_home": {"zh": "首页", "en": "Home"},
    "nav_accounts": {"zh": "账户", "en": "Accounts"},
    "role_coordinator": ACCOUNT_WORDS["coordinator"],
    "role_office": ACCOUNT_WORDS["office"],
    **_from(ACCOUNT_WORDS, "all_regions", "active", "revoked"),
    **_cols(ACCOUNT_WORDS["cols"], ("col_account", "col_role", "col_regions", "col_state", "col_last_seen")),
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "sign_out": {"zh": "退出", "en": "Sign out"},
    "key_label": {"zh": "密钥", "en": "Key"},
    "key_hint": {"zh": "密钥由协调人发给本单位（cluster-wb account add）。请勿转给他人；遗失请向协调人索取新密钥。",
                 "en": "Your coordinator gave your office its key (cluster-wb account add). Do not pass it on; if "
                       "it is lost, ask for a new one."},
    "error_title": {"zh": "未能完成", "en": "Not done"},
    "back_home": {"zh": "返回首页", "en": "Back to the first page"},
    "refused_title": {"zh": "文件未被接收", "en": "File not accepted"},
    "refused_next": {"zh": "请上传本平台下发的工作簿（在首页下载），填写后以 .xlsx 格式保存再上传。",
                     "en": "Upload a workbook this portal issued (download it from the first page), filled in and "
                           "saved as .xlsx."},
    "upload_label": {"zh": "交回工作簿（.xlsx）", "en": "Return a workbook (.xlsx)"},
    "upload_button": {"zh": "上传并校验", "en": "Upload and check"},
    "upload_hint": {"zh": "上传后立即校验：列出每个问题所在的单元格，并提供标注副本下载。校验不会改动数据库；确认无误后再点“提交合并”。",
                    "en": "Checked as soon as it arrives: every problem at its cell, and an annotated copy to "
                          "download. Checking changes nothing; submit it afterwards."},
    "upload_sending": {"zh": "正在上传…", "en": "Uploading…"},
    "upload_checking": {"zh": "已上传，正在校验…", "en": "Uploaded; checking…"},
    "upload_failed": {"zh": "上传中断，请检查网络后重试。", "en": "The upload broke off; check the connection and try again."},
    "round_title": {"zh": "轮次 {name}", "en": "Round {name}"},
    "round_summary": {"zh": "截止 {due}（{state}）：已发 {issued}，已交回 {returned}，已合并 {merged}，逾期 {overdue}",
                      "en": "Due {due} ({state}): issued {issued}, returned {returned}, merged {merged}, overdue "
                            "{overdue}"},
    "region_state": {"zh": "轮次 {name}，截止 {due}：{state}，已交回 {attempts} 次",
                     "en": "Round {name}, due {due}: {state}, {attempts} returns"},
    "col_region": {"zh": "地区", "en": "Region"},
    "col_due": {"zh": "截止日期", "en": "Due"},
    "col_attempts": {"zh": "交回次数", "en": "Returns"},
    "col_complete": {"zh": "完整度", "en": "Complete"},
    "col_actions": {"zh": "操作", "en": "Actions"},
    "days_left": {"zh": "剩 {n} 天", "en": "{n} days left"},
    "days_overdue": {"zh": "逾期 {n} 天", "en": "{n} days overdue"},
    "overdue": ROUND_WORDS["overdue"],
    "returned_with_comments": {"zh": "已退回，附意见", "en": "returned with comments"},
    "download_workbook": {"zh": "下载本轮工作簿", "en": "Download the round's workbook"},
    "no_round_title": {"zh": "尚无轮次", "en": "No round yet"},
    "no_round": {"zh": "协调人尚未开启回收轮次（cluster-wb round open）。", "en": "The coordinator has not opened a round yet (cluster-wb round open)."},
    "report_title": {"zh": "汇总报告", "en": "Consolidated report"},
    "report_xlsx": {"zh": "下载工作簿（.xlsx）", "en": "Download the workbook (.xlsx)"},
    "report_pdf": {"zh": "下载 PDF", "en": "Download the PDF"},
    "recent_uploads": {"zh": "最近上传", "en": "Recent uploads"},
    "col_no": {"zh": "编号", "en": "No."},
    "col_at": {"zh": "时间", "en": "At"},
    "col_file": {"zh": "文件", "en": "File"},
    "col_by": {"zh": "上传账户", "en": "By"},
    "col_result": {"zh": "校验结果", "en": "Check"},
    "col_merged": {"zh": "合并", "en": "Merge"},
    "result_counts": TERMINAL_WORDS["summary"],
    "merged_as": {"zh": "已合并（版本 {rev}）", "en": "merged (revision {rev})"},
    "not_merged": {"zh": "未合并", "en": "not merged"},
    "comments_title": {"zh": "协调人意见", "en": "Coordinator's comments"},
    "no_comments": {"zh": "暂无意见。", "en": "No comments yet."},
    "comment_label": {"zh": "给该地区的意见（科室会在其页面看到）", "en": "Comment to the region's office (shown on its pages)"},
    "comment_on": {"zh": "针对的上传文件（可不选）", "en": "About upload (optional)"},
    "comment_send": {"zh": "发送意见", "en": "Send the comment"},
    "returns_title": {"zh": "交回文件", "en": "Returns"},
    "no_uploads": {"zh": "尚无上传的文件。", "en": "Nothing uploaded yet."},
    "upload_no": {"zh": "上传 {n}", "en": "Upload {n}"},
    "region_page": {"zh": "地区 {region}", "en": "Region {region}"},
    "verdict_clean": {"zh": "校验通过：没有错误（{warnings} 个警告）。可以提交合并。",
                      "en": "Checked: no errors (warnings: {warnings}). It can be submitted."},
    "verdict_errors": {"zh": "有 {errors} 个错误、{warnings} 个警告：请在工作簿中改正后重新上传。",
                       "en": "Errors: {errors}, warnings: {warnings}. Correct them in the workbook and upload it "
                             "again."},
    "verdict_round_closed": {"zh": "轮次“{name}”已关闭：本文件已校验，但不能再提交合并。如需补交，请联系协调人重新开启该轮次。",
                             "en": "Round “{name}” is closed: this file was checked, but it can no longer be "
                                   "submitted. To return it late, ask the coordinator to reopen the round."},
    "verdict_merged": {"zh": "已提交并合并为版本 {rev}。", "en": "Submitted and merged as revision {rev}."},
    "verdict_already": {"zh": "此文件已于版本 {rev} 合并过。", "en": "This file was merged before, as revision {rev}."},
    "verdict_nothing": {"zh": "已提交：与数据库相比没有改动。", "en": "Submitted: nothing differs from the store."},
    "verdict_not_merged": {"zh": "未合并：{errors} 个错误，{conflicts} 个冲突；本文件的改动均未写入。",
                           "en": "Not merged: {errors} errors, {conflicts} conflicts; nothing of this file was "
                                 "applied."},
    "download_annotated": {"zh": "下载标注副本（问题单元格已标色并附说明）", "en": "Download the annotated copy (each problem cell marked)"},
    "download_original": {"zh": "下载原文件", "en": "Download the file as uploaded"},
    "submit_explain": {"zh": "提交即合并：整个文件要么全部写入，要么（有错误或冲突时）全部不写入。",
                       "en": "Submitting merges it: all of the file, or, with errors or conflicts, none of it."},
    "submit_button": {"zh": "提交合并", "en": "Submit"},
    "fix_and_upload": {"zh": "下一步：下载标注副本，按“校验结果”表逐项改正，保存后在首页重新上传。",
                       "en": "Next: download the annotated copy, correct each item of its Validation sheet, save it "
                             "and upload it again from the first page."},
    "conflicts_title": {"zh": "冲突", "en": "Conflicts"},
    "conflicts_explain": {"zh": "这些单元格在您领取工作簿后已被他人修改。请与协调人商定取值，然后在新下载的工作簿中填写。",
                          "en": "Someone changed these cells in the store after your workbook was issued. Agree on the "
                                "values with the coordinator, then enter them in a freshly downloaded workbook."},
    "issues_title": {"zh": "问题清单（{n} 项）", "en": "Problems ({n})"},
    **_cols(ANNOTATION_HEADERS, ("col_severity", "col_sheet", "col_cell", "col_column", "col_record", "",
                                 "col_message")),
    "key_shown_once": {"zh": "账户“{name}”的新密钥如下，只显示这一次（数据库只保存其散列值）。请复制后当面或经安全渠道交给该单位。",
                       "en": "The new key of account “{name}”, shown this once (the store keeps only its hash). Copy it "
                             "and hand it over in person or through a safe channel."},
    "new_key": {"zh": "换新密钥", "en": "New key"},
    "revoke": {"zh": "吊销", "en": "Revoke"},
    "add_account": {"zh": "新建账户", "en": "Add an account"},
    "office_only": {"zh": "仅科室账户", "en": "offices only"},
}



ANNOTATION_SUMMARY = {"zh": "{name}：{errors} 个错误，{warnings} 个警告。",
                      "en": "{name}: {errors} errors, {warnings} warnings."}


ANNOTATION_NEXT_STEP = {
    "zh": {"error": "有错误的工作簿不会合并。请按下表逐项改正：点击“单元格”可跳到该处，出错的单元格已标红并附批注；"
                    "改完后保存，再次交回本文件。",
           "warning": "没有错误，可以交回。黄色单元格为警告，请核对其理解是否正确。",
           "ok": "没有发现问题，可以交回。"},
    "en": {"error": "A workbook with errors is not merged. Fix each line below: click the Cell to jump there; cells "
                    "with errors are red and carry a note. Then save and send this file back again.",
           "warning": "No errors: it can be sent back. Yellow cells are warnings; check that they were read right.",
           "ok": "No problems found: it can be sent back."},
}


# What the system said about a file or folder (an OSError's errno), in words
OS_ERROR_WORDS = {
    "ENOENT": {"zh": "没有这个文件或文件夹", "en": "no such file or folder"},
    "ENOTDIR": {"zh": "路径中有一段不是文件夹（而是文件）", "en": "part of the path is not a folder (it is a file)"},
    "EISDIR": {"zh": "这是文件夹，不是文件", "en": "this is a folder, not a file"},
    "EACCES": {"zh": "没有权限", "en": "permission denied"},
    "EPERM": {"zh": "没有权限", "en": "permission denied"},
    "EEXIST": {"zh": "已经存在", "en": "it exists already"},
    "EROFS": {"zh": "所在的磁盘或共享盘是只读的", "en": "the disk or share is read-only"},
    "ENOSPC": {"zh": "磁盘空间不足", "en": "the disk is full"},
    "EDQUOT": {"zh": "磁盘配额已用完", "en": "the disk quota is used up"},
    "ENAMETOOLONG": {"zh": "名称过长", "en": "the name is too long"},
    "EBUSY": {"zh": "正被其他程序占用", "en": "it is in use by another program"},
    "ETXTBSY": {"zh": "正被其他程序占用", "en": "it is in use by another program"},
}


# the store's tables, as `store copy` counts them
TABLE_WORDS = {
    "cwb_records": {"zh": "记录", "en": "records"},
    "cwb_history": {"zh": "记录历史版本", "en": "record versions"},
    "cwb_audit": {"zh": "审计记录", "en": "audit entries"},
    "cwb_revisions": {"zh": "数据版本", "en": "revisions"},
    "cwb_workbooks": {"zh": "已发工作簿", "en": "workbooks issued"},
    "cwb_issued_rows": {"zh": "发出的行", "en": "rows issued"},
    "cwb_rounds": {"zh": "轮次", "en": "rounds"},
    "cwb_round_workbooks": {"zh": "轮次工作簿", "en": "round workbooks"},
    "cwb_attempts": {"zh": "交回记录", "en": "return attempts"},
    "cwb_schemas": {"zh": "模板版本", "en": "template versions"},
    "cwb_accounts": {"zh": "门户账户", "en": "portal accounts"},
    "cwb_sessions": {"zh": "登录会话", "en": "sign-in sessions"},
    "cwb_meta": {"zh": "设置", "en": "settings"},
}


def os_error_text(exc: OSError, lang: str) -> str:
    """An OSError as one line in `lang`: the path it names, what the system said in words, what to do."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    words = OS_ERROR_WORDS.get(name)
    why = words[lang if lang in words else "zh"] if words else (exc.strerror or str(exc))
    path = exc.filename if exc.filename is not None else exc.filename2
    if path is None:
        return t("os_error_no_path", lang, why=why)
    return t("os_error", lang, path=str(path), why=why)


def table_counts(counts: dict[str, int], lang: str) -> str:
    """How many rows of each table, in words: 记录 224，审计记录 228 (an unknown table by its name)."""
    def word(table: str) -> str:
        entry = TABLE_WORDS.get(table)
        return entry[lang if lang in entry else "zh"] if entry else table.removeprefix("cwb_")
    return ("，" if lang == "zh" else ", ").join(f"{word(table)} {n}" for table, n in counts.items())


class Both(NamedTuple):
    """A message parameter in both languages (a field's title, a label): the message takes the one it is
    rendered in, so an issue made once can be said in either."""

    zh: Any
    en: Any

    def said(self, lang: str) -> Any:
        return self.en if lang == "en" else self.zh


def both(key: str, /, **values: Any) -> Both:
    """The message `key` in both languages, to be a parameter of another."""
    return Both(t(key, "zh", **values), t(key, "en", **values))


def said(value: Any, lang: str) -> Any:
    """A parameter as said in `lang`: one of a `Both`, itself otherwise."""
    return value.said(lang) if type(value) is Both else value


def t(key: str, lang: str, /, **values: Any) -> str:
    """The message `key` in `lang` (zh if the language is unknown), with `values` filled in."""
    entry = MESSAGES.get(key) or ISSUE_MESSAGES.get(key) or REFUSALS[key]
    text = entry.get(lang) or entry["zh"]
    if not values:
        return text
    return text.format(**{k: v.said(lang) if type(v) is Both else v for k, v in values.items()})
