"""A deterministic synthetic dataset at any scale: regions × clusters, realistic Chinese names and figures,
full constraint matrices, recommendations, projects and indicators. Same seed, same data."""

from __future__ import annotations

import random
from datetime import date, timedelta

from workbook.template.model import Schema

PLACES = list("安宝昌德东丰福广海恒华嘉江金靖乐临龙茂明南宁平庆瑞山顺泰天通文武西兴新阳永云长镇中")
SUFFIXES = ["州市", "阳市", "山市", "江市", "平市", "宁市", "城区", "县", "港区", "新区"]
TOWNS = ["大周", "崧厦", "大唐", "古镇", "西樵", "石龙", "龙江", "伦教", "乐从", "大涌", "平洲", "枫溪", "柯桥", "濮院"]
INDUSTRIES = [("纺织", "textile"), ("领带", "necktie"), ("袜业", "hosiery"), ("制伞", "umbrella"), ("珍珠", "pearl"),
              ("陶瓷", "ceramics"), ("发制品", "hair products"), ("五金", "hardware"), ("家具", "furniture"),
              ("灯饰", "lighting"), ("电子信息", "electronics"), ("化工新材料", "chemical materials"),
              ("有色金属", "non-ferrous metals"), ("农副产品", "agri-food"), ("板材", "wood panels"),
              ("造纸", "paper"), ("铸造", "foundry"), ("玻璃", "glass"), ("金刚石", "diamond tools"),
              ("汽车零部件", "auto parts"), ("医药", "pharmaceuticals"), ("服装", "garments")]
FIRMS = ["集团", "股份有限公司", "有限公司", "实业", "科技"]
OWNERS = ["发改委", "工信局", "科技局", "商务局", "人社局", "自然资源局", "生态环境局", "市场监管局", "财政局"]


def region_id(i: int) -> str:
    return f"R{i:03d}"


def generate(schema: Schema, regions: int, clusters_per_region: int, seed: int = 20261126) -> dict:
    rng = random.Random(seed)
    enums = {k: [o.code for o in v] for k, v in schema.enums.items()}
    factors = [f.id for f in schema.factors]
    out: dict[str, dict[str, dict]] = {e: {} for e in
                                       ("region", "cluster", "constraint", "recommendation", "project", "indicator")}
    start = date(2026, 1, 1)
    for r in range(1, regions + 1):
        rid = region_id(r)
        name = rng.choice(PLACES) + rng.choice(PLACES) + rng.choice(SUFFIXES)
        out["region"][rid] = {"name_zh": name, "name_en": f"Region {r}", "level": "地级市", "province": "示例省",
                              "order": r, "source": "synthetic"}
        cluster_ids = []
        for c in range(1, clusters_per_region + 1):
            cid = f"{rid}-C{c:02d}"
            cluster_ids.append(cid)
            ind_zh, ind_en = rng.choice(INDUSTRIES)
            town = rng.choice(TOWNS)
            enterprises = rng.randint(20, 9000)
            out["cluster"][cid] = {
                "region": rid, "name_zh": f"{name}{town}{ind_zh}产业集群", "name_en": f"{town} {ind_en} cluster {c}",
                "location": f"{name}{town}镇", "industry": ind_zh,
                "formation_type": rng.choice(enums["formation_type"]),
                "stage": rng.choice(enums["stage"]), "upgrade_mode": rng.choice(enums["upgrade_mode"]),
                "lead_firms": "、".join(f"{rng.choice(PLACES)}{rng.choice(PLACES)}{rng.choice(FIRMS)}"
                                       for _ in range(rng.randint(1, 3))),
                "enterprises": enterprises, "above_scale": rng.randint(0, enterprises // 5),
                "specialised_smes": rng.randint(0, 40), "employment": rng.randint(500, 200000),
                "output": round(rng.uniform(1, 900), 2), "assets": round(rng.uniform(1, 500), 2),
                "leading_share": round(rng.uniform(30, 95), 1), "national_share": round(rng.uniform(0, 60), 1),
                "world_share": round(rng.uniform(0, 30), 1), "rd_intensity": round(rng.uniform(0.2, 5), 2),
                "organisation": f"{name}{ind_zh}行业协会", "data_year": 2025, "source": "synthetic",
                "quote": f"{name}{town}{ind_zh}企业{enterprises}家", "notes": "",
            }
            matrix = {"region": rid}
            evidence = {}
            for f in factors:
                severity = rng.choice((0, 0, 1, 1, 2, 2, 3))
                matrix[f] = severity
                if severity == 3:
                    evidence[f] = {"quote": f"{ind_zh}产业{f}制约突出", "source": "synthetic"}
            if evidence:
                matrix["evidence"] = evidence
            out["constraint"][cid] = matrix
        for k in range(1, clusters_per_region // 2 + 1):
            status = rng.choice(enums["rec_status"])
            begin = start + timedelta(days=rng.randint(0, 200))
            out["recommendation"][f"{rid}-R{k:02d}"] = {
                "region": rid, "title_zh": f"推进{rng.choice(INDUSTRIES)[0]}产业链配套建设（{k}）",
                "title_en": f"Strengthen supporting links ({k})",
                "detail": "建设公共服务平台，培育龙头企业，延伸产业链。",
                "factors": rng.sample(factors, rng.randint(1, 3)), "clusters": rng.sample(cluster_ids, 1),
                "owner": rng.choice(OWNERS), "start_date": begin.isoformat(),
                "due_date": (begin + timedelta(days=rng.randint(30, 400))).isoformat(), "status": status,
                "progress": 100 if status == "done" else rng.choice((0, 10, 25, 50, 75, 90)),
                "progress_note": "", "source": "synthetic",
            }
        for k in range(1, 4):
            out["project"][f"{rid}-P{k:02d}"] = {
                "region": rid, "name_zh": f"{name}重点项目{k}", "name_en": f"Key project {k}",
                "enterprise": f"{rng.choice(PLACES)}{rng.choice(FIRMS)}", "cluster": rng.choice(cluster_ids),
                "capacity": f"{rng.randint(1, 80)}万吨/年", "investment": round(rng.uniform(1, 80), 1),
                "expected_output": round(rng.uniform(5, 200), 1), "status": rng.choice(enums["project_status"]),
                "next_step": "推进建设", "source": "synthetic",
            }
        for k in range(1, 6):
            out["indicator"][f"{rid}-I{k:02d}"] = {
                "region": rid, "kind": rng.choice(enums["indicator_kind"]), "metric_zh": f"指标{k}",
                "metric_en": f"Indicator {k}", "value": round(rng.uniform(1, 1000), 2), "unit": "亿元",
                "quote": f"指标{k}", "source": "synthetic",
            }
    return out
