"""Write the drug rules of rules/packs/prohibited_goods.yaml (between the GENERATED markers)
from the real lists in /work/shared/reference/drugs/ (see its PROVENANCE.md):

- ``drugs_banned_online`` (weight 5, a lead alone): 《药品网络销售禁止清单（第一版）》 (NMPA 2022
  No. 111) — its 43 named drugs of section 二(四) and its categories written as words (麻醉药品,
  含麻黄碱类复方制剂 …); the 1988 list of toxic drugs for medical use (医疗用毒性药品); the
  pharmaceutical precursors (药品类易制毒化学品).
- ``controlled_drugs`` (weight 5): the 2025 medical narcotic and psychotropic lists, the 2013
  lists' names no longer medical (moved to the non-medical list) and the short names and
  abbreviations of the 2025 non-medical list.
- ``prescription_drug_names`` (weight 3, below the threshold: a lead only with an offer to sell
  without a prescription, ``no_prescription_offer``, weight 2): generic names of the drug
  classes that are prescription-only in China — antimicrobials (《抗菌药物临床应用管理办法》),
  antineoplastics, hormones, psychiatric, antiviral, cardiovascular, antidiabetic and
  antithrombotic drugs — from the chemical part of the 2026 essential-medicines list and the
  original/imported drugs list by their classes. No OTC list exists in the reference (see its
  PROVENANCE), so OTC drugs are those outside these classes: 布洛芬 and 感冒灵 are not named.

    .venv/bin/python scripts/build_drug_rules.py [/work/shared/reference]
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PACK = ROOT / "rules" / "packs" / "prohibited_goods.yaml"
BEGIN = "# ---- BEGIN GENERATED DRUG RULES (scripts/build_drug_rules.py; do not edit by hand) ----"
END = "# ---- END GENERATED DRUG RULES ----"

#: Dosage forms and salts stripped from generic names (阿卡波糖片 → 阿卡波糖).
FORMS = re.compile(
    r"(?:缓释|控释|肠溶|分散|咀嚼|泡腾|口崩|口腔崩解|含)?(?:片|胶囊|软胶囊|颗粒|干混悬剂|混悬液|口服液|"
    r"口服溶液|注射液|滴眼液|眼膏|乳膏|软膏|凝胶|贴剂|透皮贴剂|喷雾剂|吸入剂|气雾剂|栓|滴丸|丸|散|糖浆|"
    r"粉雾剂|干糖浆|溶液|滴剂|原料药及注射剂)$"
)
PREFIXES = re.compile(r"^(?:注射用|复方)")
#: Names too common as words, or cosmetics words, to be terms on their own.
AMBIGUOUS = {"红粉", "轻粉", "水银", "阿片", "巴比妥", "奎宁", "咖啡因", "安钠咖", "雌二醇"}
#: The 2022 list's categories that read as product words in a title.
BANNED_CATEGORIES = [
    "麻醉药品",
    "精神药品",
    "医疗用毒性药品",
    "放射性药品",
    "药品类易制毒化学品",
    "医疗机构制剂",
    "中药配方颗粒",
    "含麻黄碱类复方制剂",
    "含麻醉药品口服复方制剂",
    "含曲马多口服复方制剂",
    "右美沙芬口服单方制剂",
    "蛋白同化制剂",
    "肽类激素",
]
#: The ban's categories resolved to product names the reference does not carry (its PROVENANCE:
#: "resolving it needs other lists … (not found)"). From the author's knowledge of those lists,
#: kept short and to names that mean nothing else; each term's note says which category.
CATEGORY_MEMBERS = {
    # 麻黄素类: the list names 麻黄素/伪麻黄素; generic names and labels say 麻黄碱, and the
    # compound cold medicines abbreviate pseudoephedrine to 伪麻 (氨酚伪麻美芬, 美扑伪麻).
    "含麻黄碱类复方制剂（药品类易制毒化学品 麻黄素类）": [
        "麻黄碱",
        "伪麻黄碱",
        "伪麻",
        "氨麻美敏",
        "酚麻美敏",
        "氨麻苯美",
    ],
    # 食药监办药化监〔2014〕111号 (the 2014 list of 含麻醉药品口服复方制剂), not in the reference.
    "含麻醉药品口服复方制剂（2014年品种名单，参考资料未收）": [
        "复方甘草片",
        "复方甘草口服溶液",
        "复方樟脑酊",
        "复方桔梗片",
        "复方磷酸可待因",
        "愈酚待因",
        "氨酚待因",
        "洛芬待因",
        "氨酚双氢可待因",
        "可愈糖浆",
        "氨酚曲马多",
    ],
    # 《兴奋剂目录》 蛋白同化制剂 and 肽类激素 (胰岛素除外), not in the reference.
    "《兴奋剂目录》所列蛋白同化制剂（参考资料未收）": [
        "司坦唑醇",
        "康力龙",
        "美雄酮",
        "大力补",
        "苯丙酸诺龙",
        "癸酸诺龙",
        "诺龙",
        "氧雄龙",
        "群勃龙",
        "勃地龙",
        "美睾酮",
        "甲睾酮",
        "氟甲睾酮",
        "十一酸睾酮",
        "丙酸睾酮",
        "庚酸睾酮",
        "达那唑",
        "克仑特罗",
    ],
    "《兴奋剂目录》所列肽类激素（参考资料未收）": [
        "生长激素",
        "人生长激素",
        "促红素",
        "促红细胞生成素",
        "绒促性素",
        "绒毛膜促性腺激素",
    ],
    # Added to the toxic-drug list in 2008 (PROVENANCE: "not included because no source was
    # found"); also an injection, 二（一）.
    "医疗用毒性药品（A型肉毒毒素，2008年增列）": ["肉毒毒素", "肉毒素", "a型肉毒"],
}
NEML_RX = {
    "抗微生物药",
    "抗肿瘤药",
    "激素及影响内分泌药",
    "治疗精神障碍药",
    "免疫系统用药",
    "心血管系统用药",
    "血液系统用药",
    "抗寄生虫病药",
}
IMPORTED_RX = {
    "癌症肿瘤",
    "抗感染药",
    "抗病毒药",
    "艾滋病",
    "精神类药物",
    "糖尿病",
    "高血压",
    "癫痫",
    "心脏病",
    "血脂调节",
    "肝炎",
    "甲状腺",
    "血液疾病",
}
MOVED_2013 = "非药用类麻醉药品和精神药品（2013年目录所列，2025年转入非药用类）"
CJK = re.compile(r"^[\u3400-\u9fff䓬]+$")


def rows(ref: Path, name: str) -> list[dict[str, str]]:
    with (ref / "drugs" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def generic(name: str) -> str:
    name = re.sub(r"[（(].*?[）)]", "", name).strip()
    for _ in range(3):
        name = FORMS.sub("", PREFIXES.sub("", name))
    return name


def usable(name: str) -> bool:
    return len(name) >= 3 and bool(CJK.match(name)) and name not in AMBIGUOUS


def banned(ref: Path) -> dict[str, str]:
    terms: dict[str, str] = {}
    for row in rows(ref, "prohibited_online_sales_2022.csv"):
        if row["item_type"] == "generic_name":
            note = f"药品网络销售禁止清单（第一版）二（四）第{row['group_in_source']}组"
            terms[row["name"]] = note
    for word in BANNED_CATEGORIES:
        terms[word] = "药品网络销售禁止清单（第一版）所列类别"
    for row in rows(ref, "toxic_drugs_medical_use_1988.csv"):
        if len(row["name"]) >= 2 and row["name"] not in AMBIGUOUS:
            terms.setdefault(row["name"], "医疗用毒性药品（《医疗用毒性药品管理办法》1988）")
    for row in rows(ref, "drug_precursors_pharmaceutical.csv"):
        terms.setdefault(row["name"], "药品类易制毒化学品")
    for note, names in CATEGORY_MEMBERS.items():
        for name in names:
            terms.setdefault(name, note)
    return terms


#: Imported drugs' categories whose injections are allowed online (降糖类药物除外).
ANTIDIABETIC = {"糖尿病"}


def brands(ref: Path, groups: dict[str, dict[str, str]], taken: set[str]) -> dict[str, dict]:
    """Trade names (商品名) of the original/imported drugs list whose generic name holds a term
    of a drug rule (思诺思 → 酒石酸唑吡坦片 → 唑吡坦): sellers name a drug by its brand alone.
    A brand whose products are all injections (注射用…, …注射液; antidiabetics excepted) goes to
    the online-sale ban; one with oral or topical products too is judged by those (希舒美 is an
    azithromycin injection and a suspension: a prescription drug, not a banned one). Of several
    products, the strongest rule wins (新康泰克: one capsule holds pseudoephedrine)."""
    out: dict[str, dict[str, str]] = {rule: {} for rule in groups}
    order = list(groups)  # strongest first
    products: dict[str, list[dict[str, str]]] = {}
    for row in rows(ref, "original_imported_drugs_brand_generic.csv"):
        brand = row["trade_name"].strip()
        if usable_brand(brand) and brand not in taken:
            products.setdefault(brand, []).append(row)
    for brand, items in products.items():
        injections = [r for r in items if "注射" in r["generic_name"]]
        others = [r for r in items if "注射" not in r["generic_name"]]
        found: list[tuple[int, str, str]] = []
        if not others and any(r["app_category"] not in ANTIDIABETIC for r in injections):
            name = injections[0]["generic_name"]
            found.append((0, "注射剂（药品网络销售禁止清单（第一版）二（一））", name))
        for row in others:
            base = generic(row["generic_name"])
            for rank, rule in enumerate(order):
                hit = next((t for t in groups[rule] if len(t) >= 2 and t in base), None)
                if hit:
                    found.append((rank, groups[rule][hit], row["generic_name"]))
                    break
        if found:
            rank, note, name = min(found)
            out[order[rank]].setdefault(brand, f"商品名，通用名{name}；{note}")
    return out


def usable_brand(name: str) -> bool:
    """A trade name of 3+ Chinese characters that is not an ordinary word (jieba's dictionary:
    安定, 白加黑 are words; 思诺思 is not)."""
    if not (len(name) >= 3 and CJK.match(name)) or name in AMBIGUOUS:
        return False
    from rules.segment import is_word

    return not is_word(name)


def controlled(ref: Path, taken: set[str]) -> dict[str, str]:
    terms: dict[str, str] = {}
    for row in rows(ref, "controlled_medical_2025.csv"):
        name = generic(row["name"])
        if usable(name) and name not in taken:
            terms.setdefault(name, f"{row['list']}：{row['drug_class']}")
    medical = set(terms)
    for row in rows(ref, "controlled_narcotic_psychotropic_2013.csv"):
        name = row["name"]
        if usable(name) and name not in medical and name not in taken and len(name) <= 8:
            terms.setdefault(
                name, "非药用类麻醉药品和精神药品（2013年目录所列，2025年转入非药用类）"
            )
    for row in rows(ref, "controlled_nonmedical_2025.csv"):
        name, abbrev = row["name"], row["remark_abbrev"].strip()
        note = "非药用类麻醉药品和精神药品目录（2025）"
        if usable(name) and len(name) <= 8 and name not in taken:
            terms.setdefault(name, note)
        # Abbreviations with a digit and 5+ characters (JWH-018, 5F-ADB); DOC, MPA are words.
        if len(abbrev) >= 5 and any(c.isdigit() for c in abbrev) and "," not in abbrev:
            terms.setdefault(abbrev, note)
    return terms


def prescription(ref: Path, taken: set[str]) -> dict[str, str]:
    terms: dict[str, str] = {}
    for row in rows(ref, "essential_medicines_neml_2026.csv"):
        if row["part"] == "part1" and row["category"] in NEML_RX:
            name = generic(row["name"])
            if usable(name) and name not in taken:
                terms.setdefault(name, f"处方药类别：{row['category']}（国家基本药物目录2026）")
    for row in rows(ref, "original_imported_drugs_brand_generic.csv"):
        if row["app_category"] in IMPORTED_RX:
            name = generic(row["generic_name"])
            if usable(name) and name not in taken:
                terms.setdefault(name, f"处方药类别：{row['app_category']}")
    return terms


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


RULES = [
    dict(
        id="drugs_banned_online",
        description="药品网络销售禁止清单所列药品与类别、医疗用毒性药品、药品类易制毒化学品",
        basis="《药品管理法》第六十一条第二款；《药品网络销售监督管理办法》第八条；"
        "《药品网络销售禁止清单（第一版）》（国家药监局公告2022年第111号）",
        severity="critical",
        weight=5,
        exclude=[
            "体温计",
            "温度计",
            "血压计",
            "检测试纸",
            "检测卡",
            "试剂盒",
            "试纸",
            "类肉毒素",
            "类肉毒",
            "生长激素分泌",
            "生长激素检测",
            "植物生长激素",
        ],
        match=[
            "米非司酮片 秘方药 包邮",
            "华法林钠片 2.5mg",
            "秋水仙碱片 痛风",
            "卡马西平片 100片",
            "生川乌 中药材 500g",
            "复方甘草片 100片",
            "新康泰克 盐酸伪麻黄碱缓释胶囊",
            "司坦唑醇片 健身",
            "保妥适 100单位",
        ],
        no_match=[
            "布洛芬缓释胶囊 24粒",
            "维生素C 片剂",
            "华为 平板 10寸",
            "碳酸钙D3片 钙片",
            "水银体温计",
            "类肉毒素 精华液 抗皱",
            "甘草片 中药饮片 500g",
        ],
    ),
    dict(
        id="controlled_drugs",
        description="麻醉药品和精神药品（药用类2025目录、非药用类目录）",
        basis="《禁毒法》第二十一条；《麻醉药品和精神药品管理条例》；"
        "《药用类麻醉药品目录》《药用类精神药品目录》（2025）；《非药用类麻醉药品和精神药品目录》",
        severity="critical",
        weight=5,
        exclude=["检测试纸", "检测卡", "试剂盒", "尿检", "检测板"],
        match=[
            "美沙酮 口服液",
            "阿普唑仑片 0.4mg",
            "右美沙芬 口服液 止咳",
            "甲卡西酮 现货",
            "曲马多 胶囊 止痛",
            "盐酸曲马多片 50mg",
            "美沙同 口服液",
            "思诺思 10mg",
        ],
        no_match=[
            "美甲 沙龙 工具",
            "阿胶 正品 东阿",
            "吗啡检测试纸 尿检",
            "咖啡豆 中深烘焙",
            "低咖啡因 绿茶",
        ],
    ),
    dict(
        id="prescription_drug_names",
        description="处方药通用名（抗菌、抗肿瘤、激素、精神、抗病毒、心血管、降糖等处方药类别）："
        "仅凭药名不成线索，与免处方、无需处方等同现时计分",
        basis="《药品管理法》第六十一条；《药品网络销售监督管理办法》第九条、第十条",
        severity="medium",
        weight=3,
        exclude=["检测试纸", "试剂盒"],
        match=[
            "拉米夫定片 免处方 包邮",
            "头孢克洛胶囊 无需处方",
            "多西环素 不用处方 直接发",
            "来曲唑片 免处方",
            "恩替卡韦 免问诊",
            "易瑞沙 代购",
        ],
        no_match=[
            "布洛芬缓释胶囊 24粒",
            "板蓝根颗粒 10袋",
            "维生素B族 片",
            "创可贴 防水",
            "感冒灵颗粒",
        ],
    ),
]


def render(groups: dict[str, dict[str, str]]) -> str:
    lines = [BEGIN]
    for spec in RULES:
        terms = groups[spec["id"]]
        lines += [
            f"  - id: {spec['id']}",
            f"    description: {q(spec['description'])}",
            f"    legal_basis: {q(spec['basis'])}",
            f"    severity: {spec['severity']}",
            f"    weight: {spec['weight']}",
            "    kinds: [listing, ad]",
            # Drug names stand glued to salts and forms (盐酸曲马多片), which the segmenter
            # cuts through; they are long and specific enough to match inside a word, and
            # sellers write them in homophones (美沙同, 阿普唑伦).
            "    subword: true",
            "    phonetic: true",
            f"    exclude: [{', '.join(q(w) for w in spec['exclude'])}]",
            "    examples:",
            f"      match: [{', '.join(q(w) for w in spec['match'])}]",
            f"      no_match: [{', '.join(q(w) for w in spec['no_match'])}]",
            f"    terms:  # {len(terms)} terms",
        ]
        lines += [f"      - {{term: {q(t)}, note: {q(n)}}}" for t, n in sorted(terms.items())]
    lines.append(END)
    return "\n".join(lines) + "\n"


def hand_terms(head: str, tail: str) -> set[str]:
    """Terms of the pack's hand-written rules: not generated again, so that no drug counts
    twice (a name in two rules would add both weights)."""
    pack = yaml.safe_load(head + tail)
    terms = set()
    for rule in pack["rules"]:
        for term in rule.get("terms", []):
            terms.add(term if isinstance(term, str) else term["term"])
    return terms


def main(argv: list[str]) -> int:
    ref = Path(argv[1]) if len(argv) > 1 else Path("/work/shared/reference")
    text = PACK.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END + "\n", 1)
    hand = hand_terms(head, tail)
    first = {t: n for t, n in banned(ref).items() if t not in hand}
    second = controlled(ref, set(first) | hand)
    third = prescription(ref, set(first) | set(second) | hand)
    groups = {
        "drugs_banned_online": first,
        "controlled_drugs": second,
        "prescription_drug_names": third,
    }
    taken = hand | set(first) | set(second) | set(third)
    for rule, names in brands(ref, groups, taken).items():
        groups[rule].update(names)
    new = head + render(groups) + tail
    yaml.safe_load(new)  # refuse to write a file that does not parse
    PACK.write_text(new, encoding="utf-8")
    print(f"wrote {PACK}: " + ", ".join(f"{k} {len(v)}" for k, v in groups.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
