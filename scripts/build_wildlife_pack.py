"""Generate the species rules of rules/packs/wildlife.yaml from the 2021 national lists.

Usage: python scripts/build_wildlife_pack.py [REFERENCE_DIR]

Reads the four CSVs under REFERENCE_DIR/wildlife (default /work/shared/reference) and rewrites
the text between the GENERATED markers of rules/packs/wildlife.yaml; the hand-written product
and slang rules around the markers are left byte for byte. Running it twice gives the same file.

Why the species are split over several rules: most names are unambiguous (褐耳鹰 is never a
brand), but some collide with ordinary goods (小天鹅 washing machines, 画眉 eyebrow pencils,
螺蛳粉) and many are protected only in the wild ("仅限野外种群": farmed 梅花鹿 antler and farmed
虎纹蛙 are legal). Those names only count next to trade or wild-origin words (``require_any``).
Plants are protected as wild plants (《野生植物保护条例》); nurseries legally sell cultivated
红豆杉 or 兰花, so plant names need a wild-origin word, and names that are everyday produce
(龙眼, 莲, 玫瑰) only add a small weight.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "packs" / "wildlife.yaml"
BEGIN = (
    "# ---- BEGIN GENERATED SPECIES RULES"
    " (scripts/build_wildlife_pack.py; do not edit by hand) ----"
)
END = "# ---- END GENERATED SPECIES RULES ----"
BASIS_ANIMAL = (
    "《野生动物保护法》第二十八条、第三十一条、第三十三条；"
    "《国家重点保护野生动物名录》（2021）；《刑法》第三百四十一条"
)
BASIS_PLANT = "《野生植物保护条例》第十八条；《国家重点保护野生植物名录》（2021）"

# Animal names that are also brands, goods or everyday words: count only with trade words.
AMBIGUOUS_ANIMALS = {
    "虎",
    "豹",
    "狼",
    "豺",
    "獐",
    "鸨",
    "鹗",
    "鼋",
    "鲥",
    "鯮",
    "魾",
    "画眉",
    "鹩哥",
    "麋鹿",
    "金猫",
    "蓝鲸",
    "雪豹",
    "鸳鸯",
    "猕猴",
    "大熊猫",
    "小熊猫",
    "小天鹅",
    "大天鹅",
    "白鹤",
    "灰鹤",
    "鸿雁",
    "朱鹮",
    "金雕",
    "云雀",
    "原鸡",
    "螺蛳",
    "法螺",
    "角鱼",
    "水獭",
    "紫貂",
    "蟒蛇",
    "黑熊",
    "棕熊",
    "赤狐",
    "猞猁",
    "豹猫",
    "虎鲸",
    "鹦鹉螺",
    "松鸡",
    "河狸",
    "雪兔",
    "野牛",
    "游隼",
    "红隼",
    "唐冠螺",
    "秃鹫",
    "岩羊",
    "沙狐",
    "藏狐",
    "蓝鹀",
    "鲸鲨",
    "玳瑁",
}
# Extra trade names for listed species or whole-taxon entries: (term, listed name).
ANIMAL_ALIASES = [
    ("东北虎", "虎"),
    ("华南虎", "虎"),
    ("孟加拉虎", "虎"),
    ("金钱豹", "豹"),
    ("华北豹", "豹"),
    ("远东豹", "豹"),
    ("藏羚羊", "藏羚"),
    ("娃娃鱼", "大鲵"),
    ("赛加羚羊", "高鼻羚羊"),
    ("亚洲黑熊", "黑熊"),
    ("大象", "亚洲象"),
    ("禾花雀", "黄胸鹀"),
]
AMBIGUOUS_ALIASES = {"大象", "金钱豹"}
# Whole-taxon entries: listed taxon -> the words sellers use for its members.
TAXON_TERMS = {
    "闭壳龟属": ["闭壳龟", "金钱龟"],
    "金线鲃属": ["金线鲃"],
    "细鳞鲑属": ["细鳞鲑", "细鳞鱼"],
    "海马属": ["海马"],
    "黑珊瑚目": ["黑珊瑚"],
    "石珊瑚目": ["石珊瑚", "鹿角珊瑚", "脑珊瑚"],
    "苍珊瑚科": ["苍珊瑚", "蓝珊瑚"],
    "红珊瑚科": ["红珊瑚", "阿卡珊瑚", "沙丁珊瑚", "momo珊瑚"],
    "石杉属": ["石杉", "千层塔"],
    "马尾杉属": ["马尾杉"],
    "水韭属": ["水韭"],
    "观音座莲属": ["观音座莲"],
    "金毛狗属": ["金毛狗脊", "金毛狗蕨"],
    "桫椤科": ["桫椤"],
    "水蕨属": ["水蕨"],
    "苏铁属": ["苏铁"],
    "罗汉松属": ["罗汉松"],
    "穗花杉属": ["穗花杉"],
    "红豆杉属": ["红豆杉"],
    "榧树属": ["榧树"],
    "油杉属": ["油杉属"],
    "黄杉属": ["黄杉"],
    "风吹楠属": ["风吹楠"],
    "海菜花属": ["海菜花"],
    "重楼属": ["重楼", "七叶一枝花"],
    "贝母属": ["贝母"],
    "郁金香属": ["郁金香"],
    "金线兰属": ["金线兰", "金线莲"],
    "兰属": ["春兰", "蕙兰", "建兰", "墨兰", "寒兰", "下山兰"],
    "杓兰属": ["杓兰"],
    "丹霞兰属": ["丹霞兰"],
    "石斛属": ["石斛"],
    "兜兰属": ["兜兰"],
    "独蒜兰属": ["独蒜兰"],
    "火焰兰属": ["火焰兰"],
    "稻属": ["野生稻"],
    "八角莲属": ["八角莲"],
    "黄连属": ["黄连"],
    "芍药属牡丹组": ["野生牡丹"],
    "红豆属": ["红豆树"],
    "冬麻豆属": ["冬麻豆"],
    "川苔草属": ["川苔草"],
    "川藻属": ["川藻"],
    "梧桐属": ["梧桐属"],
    "山茶属金花茶组": ["金花茶"],
    "山茶属茶组": ["野生茶树", "野茶树"],
    "秤锤树属": ["秤锤树"],
    "人参属": ["人参", "野山参"],
}
# Plants whose trade is wild-sourced by nature: a listing needs no further word.
PLANTS_TRADED_WILD = {
    "发菜",
    "崖柏",
    "野山参",
    "下山兰",
    "野生稻",
    "野生牡丹",
    "野生茶树",
    "野茶树",
}
# Plants that are everyday produce or garden stock: small weight even with a wild word. The
# desert herbs 锁阳 and 肉苁蓉 and the 贝母 of the plateau are not: their wild stock is what is
# dug and sold as 野生; so are the orchids (春兰, 蕙兰 … 下山兰) a seller says were dug wild.
PLANTS_EVERYDAY = {
    "玫瑰",
    "莲",
    "龙眼",
    "银杏",
    "甘草",
    "青梅",
    "红松",
    "楠木",
    "金豆",
    "格木",
    "中华猕猴桃",
    "软枣猕猴桃",
    "郁金香",
    "莼菜",
    "厚朴",
    "黄檗",
    "紫椴",
    "山橘",
    "黄连",
    "罗汉松",
    "红景天",
    "水杉",
    "红椿",
}

TRADE_WORDS = [
    "活体",
    "鲜活",
    "活物",
    "活鸟",
    "成鸟",
    "标本",
    "制品",
    "野生",
    "野外",
    "野货",
    "野味",
    "收购",
    "皮张",
    "整皮",
    "毛皮",
    "皮毛",
    "皮草",
    "头骨",
    "骨架",
    "泡酒",
    "药酒",
    "入药",
    "幼崽",
    "幼鸟",
    "雏鸟",
    "鸟苗",
    "整只",
    "剥制",
    "干货",
    "肉",
    "鞭",
    "胆",
    # the bird keepers' words: 生口 is a bird caught in the wild, 叫口 its song
    "生口",
    "叫口",
    "口好",
    "山鸟",
    "野鸟",
    "当年鸟",
    "山笼",
    "鸟友",
    "野口",
    "刚网的",
    "网的",
    "公鸟",
    "母鸟",
    "野的",
    "套的",
    "山里套的",
    "开口叫",
    "出笼",
    "整张",
    "皮子",
    "老皮子",
]
WILD_WORDS = [
    *("野生", "野外", "野捕", "野货", "野味", "纯野", "野山", "深山", "江里", "山上抓"),
    *("野的", "溪里", "山溪", "河里", "水库里", "山里抓", "山里的"),
    *("山沟里", "山沟", "抓的", "野外的"),
]
PLANT_WILD_WORDS = [
    "野生",
    "野外",
    "野采",
    "野山",
    "山挖",
    "采挖",
    "挖的",
    "下山",
    "原生地",
    "深山",
    "纯野",
    "天然林",
    "山里",
    "野的",
    "自采",
    "山民自采",
    "崖上采",
    "山上挖",
    "上挖的",
    "刚挖的",
    "采的",
    "山民采的",
    "悬崖",
    "崖上",
]
AMBIGUOUS_EXCLUDE = [
    "路虎",
    "虎牙",
    "壁虎",
    "马虎",
    "虎口",
    "虎头",
    "老虎机",
    "老虎钳",
    "虎皮鹦鹉",
    "虎皮兰",
    "虎皮尖椒",
    "虎皮蛋",
    "虎皮凤爪",
    "虎斑",
    "虎纹",
    "豹纹",
    "豹子号",
    "狼牙",
    "狼人",
    "森林狼",
    "灰太狼",
    "狼毫",
    "色狼",
    "狼狗",
    "七匹狼",
    "狼爪",
    "画眉笔",
    "画眉鸟笼",
    "小天鹅洗衣机",
    "小天鹅牌",
    "鸳鸯锅",
    "鸳鸯火锅",
    "鸳鸯枕",
    "螺蛳粉",
    "獐子岛",
    "孟加拉豹猫",
    "猕猴桃",
    "白鹤牌",
    "白鹤清酒",
    "豹哥",
    "大熊猫毛绒",
    "大熊猫玩偶",
    "熊猫玩偶",
    "穿山甲机器人",
    "猞猁装甲",
]
#: Words that make a species name a toy, a picture or a book: context exclusions, so they
#: cancel a name standing near them (穿山甲 卡通 毛绒 公仔), not only the compounds above.
TOY_WORDS = [
    "毛绒",
    "公仔",
    "玩偶",
    "玩具",
    "卡通",
    "绘本",
    "科普",
    "模型",
    "图案",
    "贴纸",
    "抱枕",
    "印花",
]
WILD_ONLY_EXCLUDE = ["海马体", "海马汽车", "海马牌", "海马刀", "海马哥", "海马布"]
PLANT_EXCLUDE = ["虫草花", "小黑桫椤", "粗齿桫椤", "铁坚油杉", "云南油杉", "北重楼", "野生动物"]


@dataclass
class Entry:
    term: str
    note: str
    group: str  # which generated rule the term goes to


def note_of(level: str, kingdom: str, extra: str = "") -> str:
    lv = {"1": "一", "2": "二"}[level]
    tail = f"，{extra}" if extra else ""
    return f"国家{lv}级保护野生{kingdom}（2021名录{tail}）"


def read(ref: Path, name: str) -> list[dict[str, str]]:
    with (ref / "wildlife" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _wild_only(note: str) -> bool:
    return "仅限野外种群" in note or "仅限陆封种群" in note


def animal_entries(ref: Path) -> list[Entry]:
    rows = read(ref, "national_key_protected_wild_animals_2021.csv")
    by_name = {r["chinese_name"]: r for r in rows}
    out: list[Entry] = []
    for r in rows:
        name, raw = r["chinese_name"], r["note"].strip()
        extra = (
            "仅限野外种群"
            if "仅限野外种群" in raw
            else ("仅限陆封种群" if "仅限陆封种群" in raw else "")
        )
        note = note_of(r["level"], "动物", extra)
        if _wild_only(raw):
            group = "animal_wild_only"
        elif name in AMBIGUOUS_ANIMALS:
            group = "animal_ambiguous"
        else:
            group = f"animal_level{r['level']}"
        out.append(Entry(name, note, group))
    for alias, listed in ANIMAL_ALIASES:
        r = by_name[listed]
        group = (
            "animal_ambiguous"
            if alias in AMBIGUOUS_ALIASES or listed in AMBIGUOUS_ANIMALS
            else ("animal_wild_only" if _wild_only(r["note"]) else f"animal_level{r['level']}")
        )
        extra = "仅限野外种群" if _wild_only(r["note"]) else ""
        out.append(
            Entry(
                alias,
                note_of(r["level"], "动物", f"{listed}{'，' + extra if extra else ''}"),
                group,
            )
        )
    for r in read(ref, "national_key_protected_wild_animals_2021_taxon_rules.csv"):
        extra = r["chinese_name"] + "所有种" + ("，仅限野外种群" if _wild_only(r["note"]) else "")
        group = "animal_wild_only" if _wild_only(r["note"]) else "animal_taxa"
        for term in TAXON_TERMS[r["chinese_name"]]:
            out.append(Entry(term, note_of(r["level"], "动物", extra), group))
    return out


def plant_entries(ref: Path) -> list[Entry]:
    out: list[Entry] = []

    def group_of(term: str) -> str:
        if term in PLANTS_TRADED_WILD:
            return "plant_traded_wild"
        return "plant_everyday" if term in PLANTS_EVERYDAY else "plant_wild"

    for r in read(ref, "national_key_protected_wild_plants_2021.csv"):
        out.append(
            Entry(r["chinese_name"], note_of(r["level"], "植物"), group_of(r["chinese_name"]))
        )
    for r in read(ref, "national_key_protected_wild_plants_2021_taxon_rules.csv"):
        note = note_of(r["level"], "植物", f"{r['chinese_name']}{r['note'].strip()}")
        for term in TAXON_TERMS[r["chinese_name"]]:
            out.append(Entry(term, note, group_of(term)))
    return out


def dedupe(entries: list[Entry]) -> list[Entry]:
    """Keep the first entry of each term; a species listed twice (a synonym row) is one term."""
    seen: set[str] = set()
    out = []
    for e in entries:
        if e.term not in seen:
            seen.add(e.term)
            out.append(e)
    return out


RULES = {
    "animal_level1": dict(
        description="国家一级保护野生动物（2021名录）物种名",
        severity="critical",
        weight=5,
        basis=BASIS_ANIMAL,
        require=[],
        # The pangolin on children's books and toys, the commonest harmless use of a level-1 name.
        exclude=[
            "穿山甲绘本",
            "穿山甲科普",
            "穿山甲玩偶",
            "穿山甲公仔",
            "穿山甲毛绒",
            "穿山甲模型",
            *TOY_WORDS,
        ],
        match=[
            "中华穿山甲活体出售",
            "扬子鳄幼苗",
            "出一只褐马鸡标本",
            "褐马鸡 羽毛 装饰",
            "白头叶猴标本",
            "禾花雀 冻货 10只装",
        ],
        no_match=[
            "熊猫毛绒玩具",
            "鳄鱼皮纹钱包 PU",
            "金丝雀鸟笼",
            "叶猴图案T恤",
            "白鹭牌洗衣粉",
            "穿山甲 科普绘本 儿童",
        ],
    ),
    "animal_level2": dict(
        description="国家二级保护野生动物（2021名录）物种名",
        severity="high",
        weight=5,
        basis=BASIS_ANIMAL,
        require=[],
        exclude=list(TOY_WORDS),
        match=["苍鹰标本 老物件", "雀鹰 幼鸟", "绯胸鹦鹉 手养", "眼镜王蛇 泡酒", "短尾猴 出售"],
        no_match=["老鹰风筝", "鹦鹉鱼饲料", "蛇年生肖摆件", "猴头菇干货", "鹰嘴豆 500g"],
    ),
    "animal_taxa": dict(
        description="名录中整属、整科、整目列入的动物（珊瑚、金线鲃等）",
        severity="high",
        weight=5,
        basis=BASIS_ANIMAL,
        require=[],
        exclude=[
            *("红珊瑚绒", "珊瑚绒", "红珊瑚色", "蓝珊瑚色", "珊瑚礁鱼", "石珊瑚纹"),
            *("仿红珊瑚", "仿珊瑚", "树脂", "仿真珊瑚", "假珊瑚"),
            *TOY_WORDS,
        ],
        match=[
            "天然阿卡珊瑚吊坠",
            "红珊瑚手串 正品",
            "黑珊瑚 原枝",
            "鹿角珊瑚 活体 海缸",
            "金线鲃 观赏鱼",
        ],
        no_match=[
            "红珊瑚绒睡衣女冬",
            "珊瑚绒毛毯加厚",
            "蓝珊瑚色连衣裙",
            "珊瑚礁鱼缸造景 仿真",
            "珊瑚草 凉拌 500g",
        ],
    ),
    "animal_ambiguous": dict(
        description="与日常商品同名的保护动物名（小天鹅、画眉、大熊猫……），须有活体、标本、制品、野生等交易词",
        severity="high",
        weight=5,
        basis=BASIS_ANIMAL,
        require=TRADE_WORDS,
        exclude=AMBIGUOUS_EXCLUDE + TOY_WORDS,
        match=["画眉鸟 活体 野生", "大熊猫标本", "虎皮 整皮 收藏", "小天鹅 标本", "豹猫幼崽 野外"],
        no_match=[
            "大熊猫毛绒玩具 公仔",
            "小天鹅洗衣机 滚筒",
            "画眉笔 防水",
            "螺蛳粉 柳州 5袋",
            "七匹狼 男士皮带",
        ],
    ),
    "animal_wild_only": dict(
        description="名录中仅限野外种群的动物（梅花鹿、海马、闭壳龟、大鲵……），须有野生、野外等来源词",
        severity="high",
        weight=5,
        basis=BASIS_ANIMAL,
        require=WILD_WORDS,
        exclude=WILD_ONLY_EXCLUDE,
        match=[
            "野生海马干 泡酒",
            "野生娃娃鱼 鲜活",
            "纯野生金钱龟",
            "野生梅花鹿 鹿鞭",
            "野外 虎纹蛙 活体",
        ],
        no_match=[
            "梅花鹿 鹿茸片 人工养殖",
            "海马体照相馆 证件照",
            "养殖大鲵 肉",
            "金钱龟 苗 人工繁殖",
            "海马汽车 配件",
        ],
    ),
    "plant_traded_wild": dict(
        description="交易本身即来自野外的保护植物（发菜、崖柏、野山参……）",
        severity="high",
        weight=5,
        basis=BASIS_PLANT,
        require=[],
        exclude=[],
        match=[
            "发菜 头发菜 干货",
            "太行崖柏 手串",
            "崖柏 老料 摆件",
            "长白山 野山参 20年",
            "下山兰 春剑",
        ],
        no_match=["发财菜 种子", "柏木 手串", "人参果 新鲜", "兰花盆 陶瓷", "茶树菇 干货"],
    ),
    "plant_wild": dict(
        description="国家重点保护野生植物（2021名录），须有野生、山挖、下山等野外来源词",
        severity="high",
        weight=5,
        basis=BASIS_PLANT,
        require=PLANT_WILD_WORDS,
        exclude=PLANT_EXCLUDE,
        match=[
            "野生红豆杉 老桩",
            "野生天麻 云南",
            "山挖 野生 石斛",
            "深山野生重楼",
            "野生金线莲 鲜草",
        ],
        no_match=[
            "红豆杉盆栽 室内",
            "铁皮石斛 人工种植",
            "虫草花 干货 野生菌汤",
            "天麻 种植 切片",
            "金线莲 组培苗",
        ],
    ),
    "plant_everyday": dict(
        description="名录中同时是日常农产品或园艺品的植物（龙眼、莲、玫瑰……）：野外来源词下只加小分",
        severity="low",
        weight=2,
        basis=BASIS_PLANT,
        require=PLANT_WILD_WORDS,
        exclude=PLANT_EXCLUDE,
        match=["野生玫瑰 花苗", "野生甘草 根", "山里野生龙眼", "野生红景天 西藏", "野生黄连 老根"],
        no_match=["玫瑰花茶 平阴", "莲子 去芯", "龙眼干 500g", "银杏叶 胶囊", "甘草片"],
    ),
}
ORDER = list(RULES)
#: Rules whose names are also matched by sound (红腹金鸡 for 红腹锦鸡, 红珊湖 for 红珊瑚, hua mei
#: 鸟 for 画眉 beside its trade words): the animals, whose names sellers disguise; the plants'
#: names are too often ordinary words' homophones, and nurseries sell cultivated stock under
#: them.
PHONETIC = {
    *("animal_level1", "animal_level2", "animal_taxa", "animal_ambiguous", "animal_wild_only"),
    "plant_traded_wild",  # the eight traded plants (崖bai 老料), always beside trade words
    "plant_wild",  # 野shi斛: only beside a wild-origin word, ordinary words kept out as everywhere
}


def q(text: str) -> str:
    """A YAML scalar that is always a string (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def render(entries: list[Entry]) -> str:
    lines = [BEGIN]
    for rid in ORDER:
        spec = RULES[rid]
        terms = [e for e in entries if e.group == rid]
        lines += [
            f"  - id: {rid}",
            f"    description: {q(spec['description'])}",
            f"    legal_basis: {q(spec['basis'])}",
            f"    severity: {spec['severity']}",
            f"    weight: {spec['weight']}",
            "    kinds: [listing, ad]",
        ]
        # A species name is a compound noun the segmenter often does not know: it may stand
        # inside a longer run (野生大海马 reads 大海/马, 画眉鸟 is one word), so its hits need no
        # word edges; the co-terms of the ambiguous names do (肉 in 虎肉, not in 牛肉干).
        lines.append("    subword: true")
        if rid in PHONETIC:
            lines.append("    phonetic: true")
        if spec["require"]:
            lines.append(f"    require_any: [{', '.join(q(w) for w in spec['require'])}]")
        if spec["exclude"]:
            lines.append(f"    exclude: [{', '.join(q(w) for w in spec['exclude'])}]")
        lines.append("    examples:")
        lines.append(f"      match: [{', '.join(q(w) for w in spec['match'])}]")
        lines.append(f"      no_match: [{', '.join(q(w) for w in spec['no_match'])}]")
        lines.append(f"    terms:  # {len(terms)} terms")
        lines += [f"      - {{term: {q(e.term)}, note: {q(e.note)}}}" for e in terms]
    lines.append(END)
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    ref = Path(argv[1]) if len(argv) > 1 else Path("/work/shared/reference")
    entries = dedupe(animal_entries(ref) + plant_entries(ref))
    text = PACK.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END + "\n", 1)
    new = head + render(entries) + tail
    yaml.safe_load(new)  # refuse to write a file that does not parse
    PACK.write_text(new, encoding="utf-8")
    counts = {rid: sum(e.group == rid for e in entries) for rid in ORDER}
    print(f"wrote {PACK}: {len(entries)} species terms {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
