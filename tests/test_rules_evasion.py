"""Evasions the packs missed on blind set 2026 (issue 9, point 9), fixed in the engine and
the packs in a general way: animal emoji written for a character, homophones held to one
character a syllable and to the text's words, drug names glued to salts and dosage forms,
trade names and the online-sale ban's categories resolved to products."""

from __future__ import annotations

import pytest

from rules.engine import Scorer
from rules.normalize import normalize


@pytest.fixture(scope="module")
def shipped() -> Scorer:
    return Scorer.load()


def rules_of(scorer: Scorer, text: str | dict) -> set[str]:
    return {h.rule_id for h in scorer.score(text).hits}


def fired(scorer: Scorer, text: str | dict) -> set[str]:
    return set(scorer.score(text).categories)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("🐘牙手串", "象牙手串"),  # the emoji stands for a character
        ("🐯骨 泡酒", "虎骨泡酒"),
        ("🪸手串", "珊瑚手串"),
        ("象🐘牙", "象牙"),  # beside its own character it only separates
        ("犀🦏角", "犀角"),
        ("🐘 大象 毛绒", "大象毛绒"),  # not touching a character: decoration
        ("最🔥好用", "最好用"),  # other emoji are dropped as before
        ("🐘\ufe0f牙", "象牙"),
    ],
)
def test_animal_emoji_read_as_the_character_they_replace(text, normalised):
    assert normalize(text).text == normalised


def test_an_emoji_hit_reports_what_the_seller_wrote(shipped):
    verdict = shipped.score("🐘牙手串 老料 白")
    assert "wildlife" in verdict.categories
    assert any(h.matched == "🐘牙" for h in verdict.hits)
    assert fired(shipped, "🐘 大象 毛绒玩具 公仔") == set()


@pytest.mark.parametrize(
    "text",
    [
        "名果记 芦荟 控油 补水 蚕丝面膜贴",  # 丝面 reads simian like the brand 司米安
        "500g手撕面包 早餐",
        "照片冲印 手机照可塑封",  # 照可塑 sounds like a brand, but 塑封 is one word
        "保鲜盒可微波解冻",
        "华为mate8 车载手机支架",  # 为ma is not 伪麻: the seller wrote "mate"
        "演唱会门票 东莞广州站",  # 莞广 is two syllables, the brand 谷安光 three
        # 台湾/后 reads as 台湾猴: ordinary words that keep 台湾 and put 后 for 猴 (a real
        # page of ../shared/reference/product_html/zyte_peb/b1247993…)
        "原始配方来自日本，来到台灣後，根据台湾气候及水质不同调配",
    ],
)
def test_homophones_need_a_character_a_syllable_and_a_word_of_their_own(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("盐酸曲马多片 50mg 现货", "prohibited_goods.controlled_drugs"),  # inside salt and form
        ("美沙同 口服液", "prohibited_goods.controlled_drugs"),  # homophone of 美沙酮
        ("阿普唑伦 0.4 一板", "prohibited_goods.controlled_drugs"),
        ("曲玛多片 50 止痛", "prohibited_goods.controlled_drugs"),
        ("思诺思 10mg 7片", "prohibited_goods.controlled_drugs"),  # trade name of 唑吡坦
        ("奥施康定 缓释 40mg", "prohibited_goods.controlled_drugs"),  # of 羟考酮
        ("复方甘草片 100片", "prohibited_goods.drugs_banned_online"),  # 含麻醉药品复方
        ("新康泰克 感冒胶囊 10粒", "prohibited_goods.drugs_banned_online"),  # pseudoephedrine
        ("氨酚伪麻美芬片 20片", "prohibited_goods.drugs_banned_online"),
        ("司坦唑醇片 增肌", "prohibited_goods.drugs_banned_online"),  # 蛋白同化制剂
        ("保妥适 100u 瘦脸", "prohibited_goods.drugs_banned_online"),  # botulinum injection
        ("注射用A型肉毒毒素 100单位", "prohibited_goods.drugs_banned_online"),
    ],
)
def test_drug_names_salts_homophones_brands_and_ban_categories(shipped, text, rule):
    assert rule in rules_of(shipped, text)
    assert "prohibited_goods" in fired(shipped, text)


@pytest.mark.parametrize(
    "text",
    [
        "甘草片 中药饮片 500g",  # herb slices, not 复方甘草片
        "布洛芬缓释胶囊 24粒",
        "小儿氨酚黄那敏颗粒 10袋",  # no pseudoephedrine
        "类肉毒素 精华液 抗皱",  # a cosmetic peptide
        "早孕试纸 hcg 10条",
    ],
)
def test_otc_drugs_and_cosmetics_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("长狗 短狗 全金属套件", "prohibited_goods"),  # gun slang with a trade word
        ("ＰＣＰ 打猎 高压 全套", "prohibited_goods"),
        ("秃鹰狗粮 5.5 铅弹 500发", "prohibited_goods"),
        ("大型礼花弹 烟花 组合 快递到家", "prohibited_goods"),
        ("各类票据代开 可查验", "prohibited_goods"),
        ("证件定制 学信网可查 毕业本", "prohibited_goods"),
        ("针 孔 摄 像 微型 隐藏", "prohibited_goods"),
        ("dz烟 一次性 5000口", "prohibited_goods"),
        ("华子 整条 批发", "prohibited_goods"),
        ("9价HPV苗 现货 冷链", "prohibited_goods"),
        ("头孢克洛 无需chu方 24粒", "prohibited_goods"),
        ("好评返现5元 手机壳", "fake_promotion"),  # review for reward: the listing's promotion
        ("五星晒图 联系客服领红包 拖鞋", "fake_promotion"),
        ("生发液 治疗脱发 100%有效", "fake_promotion"),  # guaranteed efficacy, any goods
        ("减肥茶 一周瘦10斤 不反弹", "fake_promotion"),
        ("增高营养素 保证长高10厘米", "fake_promotion"),
        ("告别胰岛素 血糖平稳 饮品", "fake_promotion"),
    ],
)
def test_slang_and_claims_fire_their_pack_only(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "洗车 喷子 高压 水枪",
        "键盘喷子 表情包 贴纸",
        "电子鞭炮 仿真 烟花 婚庆",
        "华子 同款 卫衣",
        "本店 拒绝好评返现 真实评价",
        "好评率99% 数据线",
        "显瘦 高腰 牛仔裤 女",
        "内增高 鞋垫 3cm",
        "100%有效期内 发货",
        "可开发票 公司采购",
    ],
)
def test_their_look_alikes_do_not(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "鲮鲤甲片 老货 中药材",  # the pangolin's old name
        "大虫骨 泡酒 一副",
        "黑瞎子掌 干货 一对",
        "阿卡原枝 牛血红 摆件",  # coral trade names with a jewellery word
        "红珊湖手串 正红",  # homophone of 红珊瑚
    ],
)
def test_old_names_trade_names_and_homophones_of_wildlife(shipped, text):
    assert fired(shipped, text) == {"wildlife"}


@pytest.mark.parametrize(
    "text",
    [
        "植物象牙 象牙果手串",
        "熊掌造型 硅胶模具 巧克力",
        "沙丁鱼 罐头",
        "红珊瑚绒 睡衣",
        "阿卡贝拉 合唱",
    ],
)
def test_wildlife_look_alikes(shipped, text):
    assert fired(shipped, text) == set()


def test_a_drug_shop_without_a_pharmacy_licence_is_a_lead(shipped):
    shop = {"kind": "shop", "title": "康宁大药房", "category": "OTC药品/国际医药"}
    shop["shop_text"] = "营业执照 统一社会信用代码：91110108551385082Q 执业药师在线"
    assert "license_display.drug_permit_missing" in rules_of(shipped, shop)
    shop["shop_text"] += " 药品经营许可证：鄂AA0270001"
    assert "license_display" not in fired(shipped, shop)


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("象芽 老料 印章", True),  # a 2-character homophone beside a word of its pack
        ("仿真抢 金属 可发射", True),
        ("象芽", False),  # alone it may be anything
        ("象芽 发芽 种子", False),
        ("小气 鬼 表情包 贴纸", False),  # a dictionary word is never a homophone
    ],
)
def test_two_character_homophones_need_support(shipped, text, lead):
    assert bool(fired(shipped, text)) is lead


def test_stroke_characters_used_as_dots_are_fillers(shipped):
    assert fired(shipped, "象丶牙 手镯 老料") == {"wildlife"}
    assert fired(shipped, "丶小店丶 女装 连衣裙") == set()


def test_an_unapproved_import_offer_makes_a_prescription_drug_a_lead(shipped):
    assert fired(shipped, "印度版易瑞沙 代购 现货") == {"prohibited_goods"}
    assert fired(shipped, "韩国 化妆品 代购 正品") == set()


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("红腹金鸡 活体 一对", True),  # 金 for 锦: the species names are matched by sound
        ("穿山家 活体", True),
        ("复古 大框 豹纹 眼镜框", False),  # 大框 sounds like 大鵟, and 豹 alone is no support
        ("金鸡 饼干 零食", False),
    ],
)
def test_species_names_by_sound(shipped, text, lead):
    assert ("wildlife" in fired(shipped, text)) is lead


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("手枪 全金属 可发射", True),  # the reference lists' weapon words
        ("燃烧瓶 汽油弹", True),
        ("手枪钻 电动 家用", False),
        ("乐高 积木 手枪 拼装", False),
        ("合金拼装 金属手枪模型 不可发射", False),  # a real title: a model
    ],
)
def test_handguns_but_not_tools_toys_or_models(shipped, text, lead):
    assert ("prohibited_goods" in fired(shipped, text)) is lead


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("象yá 手串", "象ya手串"),  # pinyin with tone marks reads as toneless pinyin
        ("lǜ茶", "lv茶"),
        ("销量第Ⅰ", "销量第1"),  # a Roman numeral is a number, not the letter i
        ("第Ⅱ代", "第2代"),
        ("café", "cafe"),
    ],
)
def test_tone_marks_and_roman_numerals(text, normalised):
    assert normalize(text).text == normalised


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("象yá 手串 老料", True),
        ("销量第Ⅰ 零食大礼包", True),
        ("注射用头孢曲松钠 1g 10支", True),  # the ban's 注射剂, by the form's words
        ("胰岛素注射液 门冬 笔芯", False),  # antidiabetics are excepted
        ("一次性 注射器 5ml 无菌", False),
        ("眼影刷单支 化妆刷", False),  # a brush sold singly
        ("打气枪 轮胎 充气 汽车", False),  # a tyre pump
        ("豹子皮 整张 老皮子", True),
    ],
)
def test_what_blind_set_c_showed(shipped, text, lead):
    assert bool(fired(shipped, text)) is lead


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        # a character written as its pinyin initial, inside a term of three characters or more
        ("穿山j片 下奶 正品", True),
        ("米f司酮 一盒", True),
        ("三唑l 片", True),
        # the letter must stand alone and the term stay a word: model numbers, brands and
        # sizes written beside characters do not
        ("小米k40 手机壳 透明", False),
        ("华为p50 钢化膜", False),
        ("三星s22 手机 二手", False),
        ("小米su7 车模 1:18", False),
        ("维c片 100片 OTC", False),
    ],
)
def test_a_character_written_as_its_pinyin_initial(shipped, text, lead):
    assert bool(fired(shipped, text)) is lead


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # folk and classical names (BLIND_C: 了哥, 夜猫子, 寸香, 山君)
        ("了哥 雏鸟 会说话", "wildlife"),
        ("夜猫子 活体 幼鸟", "wildlife"),
        ("寸香 毛壳 1克", "wildlife"),
        ("山君骨 泡酒", "wildlife"),
        ("兕角杯 老件", "wildlife"),
        # domestic trade names of controlled drugs, 迷药 names, Viagra brands cut short
        ("舒乐安定 1mg", "prohibited_goods"),
        ("佳静安定 0.4mg 一盒", "prohibited_goods"),
        ("蒙汗药 速效", "prohibited_goods"),
        ("崔情水 女用", "prohibited_goods"),
        ("威尔刚 不用方", "prohibited_goods"),
        # claims: a quick effect, growth over a period, 救星 after a condition
        ("艾草贴 三天见效 颈椎", "fake_promotion"),
        ("增高粉 一个月长5厘米", "fake_promotion"),
        ("秃头救星 冒新发 生发液", "fake_promotion"),
        ("hp返xian 3元 袜子", "fake_promotion"),
    ],
)
def test_names_and_claims_blind_set_c_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "夜猫子 熬夜 眼霜",
        "安定门 烤鸭 北京特产",
        "不用方便面 也能做的 快手菜",
        "三天 发货 包邮",
        "长5厘米 宽3厘米 收纳盒",
        "熬夜党 救星 眼霜",
        "HP 打印机 墨盒 返现活动",
    ],
)
def test_their_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # initials and one-syllable spellings (BLIND_D: CSJ片, JQ龟, bao皮, hua mei 鸟, 高xue压)
        ("CSJ片 正品 生甲", "wildlife"),
        ("野生 JQ龟 三线 老龟", "wildlife"),
        ("bao皮 整张 金钱纹", "wildlife"),
        ("hua mei 鸟 野生 山里的", "wildlife"),
        ("野生紫杉 老桩 东北", "wildlife"),
        ("真老虎牙齿 挂件", "wildlife"),
        ("高xue压克星 芹菜籽茶", "fake_promotion"),
        ("灰zhi甲克星 精油", "fake_promotion"),
        ("mfst 米sl 配套 事后", "prohibited_goods"),
        ("fp代开 全行业", "prohibited_goods"),
        # trade names without the head noun
        ("大狗 全套 打鸟必备", "prohibited_goods"),
        ("响炮原料 黑药 颗粒", "prohibited_goods"),
        ("米壳 火锅提味 老卤", "prohibited_goods"),
        ("G水 GHB 派对", "prohibited_goods"),
        ("白蛋白 基立福 10g 冷链", "prohibited_goods"),
        ("雾化棒 一次性 6000口", "prohibited_goods"),
        ("免税 硬中华 整条", "prohibited_goods"),
        ("远程听音神器 放车里", "prohibited_goods"),
        ("微型记录仪 纽扣造型 隐蔽拍摄", "prohibited_goods"),
        # claims reworded
        ("血压稳稳的 喝了不用吃药 荞麦茶", "fake_promotion"),
        ("儿童软糖 吃了不感冒", "fake_promotion"),
        ("追评晒图 加v 送礼品", "fake_promotion"),
        ("补量 冲排名 真实账号 下单", "fake_promotion"),
        ({"title": "到手价仅9.9 原价399 真皮钱包", "price": 9.9}, "fake_promotion"),
    ],
)
def test_names_and_claims_blind_set_d_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "海绵宝宝pi 正品 spongebob",  # 宝pi: a homophone and a syllable is not 豹皮
        "妈妈装 风衣 大码夹克55",  # 大码 is no 大麻: 5.5 (a calibre) no longer reads 55 as support
        "陶瓷 老虎 骨碟 套装",
        "树脂仿犀角杯 工艺品 非真品",
        "大狗 狗粮 20斤 成犬",
        "米壳 稻壳 枕头",
        "无色无味 消毒液 家用",
        "蓝精灵 毛绒玩具",
        "紫杉 盆栽 人工种植",
        "熬夜党 救星 眼霜",
        {"title": "闲置 原价399 九成新 自提", "price": 60},  # a second-hand seller's 原价
        {"title": "原价399 现价299 羊毛衫", "price": 299},
    ],
)
def test_blind_set_d_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("瑇瑁梳子", "玳瑁梳子"),  # a variant character
        ("天下第壹", "天下第一"),  # a formal numeral
        ("蕞好用的", "最好用的"),
        ("五⭐好评 返🧧", "五星好评返红包"),  # emoji for a character
        ("⭐ 精选", "精选"),  # standing apart: decoration
        ("陆龟 拾元", "陆龟拾元"),  # 陆 and 拾 are words too: kept
    ],
)
def test_variant_characters_and_emoji_for_words(text, normalised):
    assert normalize(text).text == normalised


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("sz仑 安眠 强效", True),  # two initials and a word of the pack beside them
        ("sz仑 现货", False),  # two initials alone say too little
        ("老犀角 碗 非树脂", True),  # 非树脂 claims the real thing: 树脂 clears nothing
        ("老犀角 碗 树脂", False),
        ("脑斧牙 真牙 辟邪吊坠 非树脂", True),
        ("象牙果手串 植物象牙 雕刻", False),  # 植物象牙 shares 象牙 with the hit 象牙雕刻
        ("西地那非 处方药 免处方", True),  # one character shared (非) cancels nothing
    ],
)
def test_negated_context_shared_compounds_and_two_initials(shipped, text, lead):
    assert shipped.score(text).lead is lead


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # what blind_e showed (round 2): folk names of birds, stone turtles, wild ginseng
        ("hua眉 生口 山笼 叫口", "wildlife"),
        ("红嘴玉 一对 公母 叫声甜", "wildlife"),
        ("鹞子 活的 雏 可训", "wildlife"),
        ("wawa鱼 山溪 野的 十来斤", "wildlife"),
        ("棒槌 长白山 野的 老山货", "wildlife"),
        ("ying wu 螺 整壳 真壳", "wildlife"),
        ("大猫骨 一副 泡酒用", "wildlife"),
        # guns, knives, fireworks, drugs by their features and trade names
        ("吃鸡同款M4 全金属 可發射 6mm以上 非水弹", "prohibited_goods"),
        ("户外直刀 双面开锋 带血槽 防身", "prohibited_goods"),
        ("高氯酸钾 铝粉 闪光粉 配方教程 做炮仗", "prohibited_goods"),
        ("飞叶子 加州 正宗", "prohibited_goods"),
        ("大麻花 干花 可抽", "prohibited_goods"),
        ("右美 单方 止咳片 整箱", "prohibited_goods"),
        ("大力针 增肌 健身房", "prohibited_goods"),
        ("早孕 终止 米非 隐私发货", "prohibited_goods"),
        ("各类zheng书 制作 可查 学信网", "prohibited_goods"),
        # claims and traffic
        ("喝了tang尿病指标直接降 桑叶茶", "fake_promotion"),
        ("穿上它 腰jian盘突出 不疼了", "fake_promotion"),
        ("替代降糖药 糖友专用米", "fake_promotion"),
        ("鼻yan 一次断根 草本", "fake_promotion"),
        ("全网没有比我更低的了 直播间专享", "fake_promotion"),
        ("抖音刷粉 刷赞 真人粉", "fake_promotion"),
        ("dy涨粉 真人活粉 一万起", "fake_promotion"),
        ("五⭐+图 联系客服 返🧧", "fake_promotion"),
    ],
)
def test_names_and_claims_blind_set_e_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "熊掌包 面包 早餐 手撕",
        "吹尘枪 空压机 气枪 高压吹气 除尘",
        "软弹枪 M416 可发射 儿童",
        "闪光粉 美甲 亮片",
        "GIA证书 可查 钻石 裸钻",
        "百灵达 调音台 声卡",
        "洗衣棒槌 实木 老式",
        "天下第一福 挂历",
        "电子血压计 家用 测量",
        "涨粉 运营 教程 图书",
        "失眠 小说 推荐",
    ],
)
def test_blind_set_e_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "normalised", "span"),
    [
        ("弓单簧刀 自动", "弹簧刀自动", "弓单簧刀"),  # a character written as its components
        ("气木仓 全金属", "气枪全金属", "气木仓"),
        ("火因 整条", "烟整条", "火因"),
    ],
)
def test_a_character_split_into_its_components(text, normalised, span):
    norm = normalize(text)
    assert norm.text == normalised
    assert norm.original_text(0, len(normalize(span).text)) == span  # both components


def test_a_split_character_fires_and_reports_what_the_seller_wrote(shipped):
    verdict = shipped.score("弓单簧刀 自动 折叠")
    assert verdict.categories == ["prohibited_goods"]
    assert any(h.matched == "弓单簧刀" for h in verdict.hits)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 3: vocabulary from the reference lists and the trade, before blind_f was read
        ("象🦷 手镯 老料", "wildlife"),
        ("非洲料 手串 老料", "wildlife"),
        ("十三鳞手镯 老料 通透", "wildlife"),
        ("红点颏 生口 叫口好", "wildlife"),
        ("石虎 活体 幼崽", "wildlife"),
        ("崖bai 老料 手串 野生", "wildlife"),
        ("开心水 派对", "prohibited_goods"),
        ("邮票 舌下 致幻", "prohibited_goods"),
        ("袖箭 机括 户外", "prohibited_goods"),
        ("代孕 包成功 试管", "prohibited_goods"),
        ("毒鼠强 老式 正品", "prohibited_goods"),
        ("接码平台 短信 验证码", "prohibited_goods"),
        ("万宝路 爆珠 整条", "prohibited_goods"),
        ("晒单有礼 返3元 拖鞋", "fake_promotion"),
        ("控评 真人 水军 下单", "fake_promotion"),
    ],
)
def test_round_three_vocabulary(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "实木仓储柜 收纳",
        "邮票 集邮 生肖 整版",
        "蘑菇 干货 香菇 一斤",
        "止咳水 儿童 川贝枇杷",
        "毒鼠强 检测卡 速测",
        "王者荣耀 皮肤 周边",
        "水军 舰队 模型 三国",
        "鼻yan 喷雾 生理盐水",  # 鼻炎 or 鼻烟: no claim, no trade word
    ],
)
def test_round_three_look_alikes(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 4: what blind_f showed
        ("这个大白料子 非猛犸的啊 懂的扣1", "wildlife"),
        ("原生拖鞋兰 野采 下山苗", "wildlife"),
        ("野生草狐皮 山里套的 整张", "wildlife"),
        ("野生肉苁蓉 阿拉善大芸 整根", "wildlife"),
        ("q支配件 管子 扳机 懂的来", "prohibited_goods"),
        ("电棒 防狼 加强版 千万伏", "prohibited_goods"),
        ("导火线 引信 矿山爆 破用", "prohibited_goods"),
        ("叶子 可抽 weed 420", "prohibited_goods"),
        ("DXM 右美 整盒 嗨", "prohibited_goods"),
        ("远程看对方聊天记录 定位 免安装软件", "prohibited_goods"),
        ("刻zhang 当天取 公 司 财 务", "prohibited_goods"),
        ("小烟 悦刻通配 弹 一盒", "prohibited_goods"),
        ("四件套 卡 U盾 一手 实名", "prohibited_goods"),
        ("考场专用 隐 形 耳 机 接收", "prohibited_goods"),
        ("12号纸壳子dan 猎用 一盒", "prohibited_goods"),
        ("结节散了 甲状腺 喝这个 蒲公英茶", "fake_promotion"),
        ("做基础销量 真实流量 提升权重 新店必备", "fake_promotion"),
        ("小红薯 素人铺量 笔记种草 代发", "fake_promotion"),
        ("不反弹 月瘦三十斤 躺着瘦 酵素", "fake_promotion"),
        (
            {
                "kind": "shop",
                "title": "陇原药房",
                "shop_text": "统一社会信用代码：91620105571630591E 主营：处方药"
                " 药品经营许可证：未提供",
                "category": "医药",
            },
            "license_display",
        ),
    ],
)
def test_names_and_claims_blind_set_f_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "窃听风云 DVD 电影三部曲",
        "卷发 电棒 陶瓷 大卷",
        "四件套 纯棉 床上用品",
        "蓝牙耳机 隐形 睡眠 侧睡",
        "姓名章 刻章 篆刻 石章",
        "美背 防水 大码 女生 胸贴",  # 大码 is plus size, not 大麻
        "聊天记录 恢复 导出 备份",
        "火狐浏览器 插件 教程",
    ],
)
def test_blind_set_f_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 5: what blind_g showed
        ("代瑁 老甲料手镯 海龟壳 纯天然", "wildlife"),
        ("沙丁料 满肉无白芯 108颗", "wildlife"),
        ("山画 野口 刚下山的生口 公鸟", "wildlife"),
        ("百铃 草原野口 刚网的", "wildlife"),
        ("马骝仔 活体 野生 小猴", "wildlife"),
        ("水马 野生 干货 海里捞的", "wildlife"),
        ("崖上采的 野shi斛 鲜条", "wildlife"),
        ("七叶一枝花 野的 山上挖 老根", "wildlife"),
        ("野生川贝母 松贝 高原采挖", "wildlife"),
        ("金钱鳘 公胶 老胶 收藏", "wildlife"),
        ("狗粮 5.5 一盒 配合使用", "prohibited_goods"),
        ("抢 模 全钢 有劲 能打穿木板", "prohibited_goods"),
        ("炸 鱼 器 水下 爆 破", "prohibited_goods"),
        ("冰 糖 出 溜冰专用", "prohibited_goods"),
        ("小蓝片 原装 免方", "prohibited_goods"),
        ("九 价 代 打 港版", "prohibited_goods"),
        ("肉 毒 瘦脸针 自己打 Botulax", "prohibited_goods"),
        ("驾 照 不考 直接拿 全国", "prohibited_goods"),
        ("信号 干扰 仪 考场 屏 蔽", "prohibited_goods"),
        ("防身 喷 雾 催 泪 辣椒 水", "prohibited_goods"),
        ("开锁工具 全套 锡纸开锁", "prohibited_goods"),
        ("dy 涨 fen 千粉号 点赞 秒到", "fake_promotion"),
        ("买家秀 代写 晒图 五星 评价", "fake_promotion"),
        ("艾草贴 颈椎 压迫神经 一贴就好 不用手术", "fake_promotion"),
        ("枇杷蜜 咳 嗽 一喝就停 支气管炎 哮喘 都能好", "fake_promotion"),
        ("美团 点评 五 星 好 评 真 人 代 发", "fake_promotion"),
        ({"title": "黑豆 降尿酸 治痛风", "category": "食品/杂粮"}, "fake_promotion"),
        ("远红外保暖内衣 治关节炎 风湿", "fake_promotion"),
        ("深海鱼油 软胶囊 包治心脑血管病", "fake_promotion"),
    ],
)
def test_names_and_claims_blind_set_g_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "狗粮 5.5kg 成犬 通用",  # dog food by the bag, not pellets by calibre
        "老冰糖 黄冰糖 500g 炖梨",
        "玳瑁色 眼镜框 复古",
        "瘦脸仪 微电流 家用",
        "上门开锁 换锁 服务",
        "面包治愈系 抱枕",
        "一吃就停不下来 辣条",
        "塑料水马 围挡 防撞",
    ],
)
def test_blind_set_g_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 6: what blind_h showed
        ("HDH 顶红 雕件 吊坠 老料 血红", "wildlife"),
        ("AKA牛血红 原枝 海货", "wildlife"),
        ("黄鹰 幼崽 已熬好 可架", "wildlife"),
        ("hua眉 野 的 山里套的 开口叫", "wildlife"),
        ("相 思 鸟 一对 红嘴 山上网的 会唱", "wildlife"),
        ("野生 gé jiè 一对 干品 泡酒", "wildlife"),
        ("大 蟒 皮 整张 ✦野✦生✦", "wildlife"),
        ("爪哇孔雀 雏鸟 野外带回", "wildlife"),
        ("马蹄蟹 一对 海边抓的 活的", "wildlife"),
        ("野生兰花 山上刚挖的 春兰 带花苞", "wildlife"),
        ("钢珠 发射器 大威力 20米穿木板 全金属", "prohibited_goods"),
        ("花生米 铜头 9mm 五十颗", "prohibited_goods"),
        ("一按就出 自动 弹 刀 开刃", "prohibited_goods"),
        ("纽扣 拍摄 器 微型 隐蔽 无灯", "prohibited_goods"),
        ("查 对方 wei信 聊 天记录 远程同步", "prohibited_goods"),
        ("精准 客户 资源 手机号 带姓名 宝妈 数据", "prohibited_goods"),
        ("长高 针 金赛 水针 孩子打", "prohibited_goods"),
        ("公安警用手铐 正品 不锈钢", "prohibited_goods"),
        ("办毕业证 学历证书 全套 可盖章", "prohibited_goods"),
        ("结节散 乳腺甲状腺结节喝没了 蒲公英茶", "fake_promotion"),
        ("fa际线救星 秃头一周冒新发", "fake_promotion"),
        ("癌友必备 抑制肿瘤 缩小病灶 灵芝破壁粉", "fake_promotion"),
        ("抖 音 粉 丝 秒到 千粉万粉 不掉", "fake_promotion"),
        ("晒单+15字追评 返¥3 原木抽纸", "fake_promotion"),
        ("孩子一个暑假窜10cm 长个 钙片 不长不要钱", "fake_promotion"),
        ("淘宝 流 量 点击 收藏加购 提权 新店扶持", "fake_promotion"),
        (
            {
                "kind": "shop",
                "title": "茶叶铺",
                "shop_text": "统一社会信用代码：91340621MA2PEPJB9F 食品经营许可证：JY1************",
                "category": "食品/茶叶",
            },
            "license_display",
        ),
    ],
)
def test_names_and_claims_blind_set_h_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "油炸花生米 五香 下酒菜 500g",
        "龙口粉丝 火锅 凉拌",
        "情趣 手铐 毛绒",
        "植物生长激素 生根粉",
        "驾照 科目一 全套 题库",
        "泡泡 发射器 儿童 玩具",
    ],
)
def test_blind_set_h_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 7: what blind_i showed
        ("非洲白料 大白 牌子 无裂 私聊看实物", "wildlife"),
        ("指环披肩 藏区高原羚的绒 超细", "wildlife"),
        ("娃娃yu 山沟里抓的 活的", "wildlife"),
        ("三线 山坑 老龟 野外的 金钱", "wildlife"),
        ("秦吉了 大鸟 能学人话 已驯", "wildlife"),
        ("霍山米斛 野生 崖上采 枫斗", "wildlife"),
        ("整张豹猫皮 老皮子 收藏", "wildlife"),
        ("阿狗 整套 带瞄 秃子 配件齐", "prohibited_goods"),
        ("仿 zhen q 合金 发射 软dan 可改钢", "prohibited_goods"),
        ("巴里松 甩甩 开刃", "prohibited_goods"),
        ("开心粉 K 派对", "prohibited_goods"),
        ("派对气球 奶油 气 大罐 吸着玩", "prohibited_goods"),
        ("老牌甘草片 片 100粒 瓶装 懂的来", "prohibited_goods"),
        ("9价 现苗 冷链到家", "prohibited_goods"),
        ("衡力 100u 瘦 脸 自己扎", "prohibited_goods"),
        ("hgh 长个针 青春期", "prohibited_goods"),
        ("喝三个月 结节没了 蒲公英茶", "fake_promotion"),
        ("赞 1w 只要一块 评论 收藏", "fake_promotion"),
        ("xhs 笔记 赞藏 秒上 千赞起 机器号", "fake_promotion"),
        ("宫寒痛经 喝一周就不疼 红糖姜茶", "fake_promotion"),
        ("酵素 排宿便 清肠毒 再也不便秘", "fake_promotion"),
        ("旗舰 级 冠 军 品 质 全球 首 创 空气炸锅", "fake_promotion"),
        ("宇宙无敌 唯壹 顶配 手机壳", "fake_promotion"),
        ("乙肝 携带者 喝了 转阴 护肝 茶", "fake_promotion"),
        ("快手 双击 播放 粉 一条龙", "fake_promotion"),
        (
            {
                "kind": "shop",
                "title": "老街糕点",
                "shop_text": "社会信用代码：91340600MA2PERLJ2D 食品经营许可证：JY1340602",
                "category": "食品/糕点",
            },
            "license_display",
        ),
        (
            {
                "kind": "shop",
                "title": "宝宝辅食屋",
                "shop_text": "统一社会信用代码：91340600MA2PEP7F5B 米粉 果泥。食品许可证号见图片",
                "category": "母婴/辅食",
            },
            "license_display",
        ),
    ],
)
def test_names_and_claims_blind_set_i_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "小熊掌 曲奇饼干 黄油 网红零食",
        "玳瑁纹 板材 眼镜框 复古 大框",  # 大框 is no homophone of 大𫛭 (a rare character)
        "鸦片鱼头 冷冻 海鲜 大号",
        "甘草片 中药材 切片 500g",
        "奶油气弹 烘焙 裱花 8g",
        {
            "kind": "shop",
            "title": "糕点铺",
            "shop_text": "统一社会信用代码：91110108551385082Q 食品经营许可证：JY14207000012345",
            "category": "食品/糕点",
        },
    ],
)
def test_blind_set_i_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 8: what blind_j showed
        ("🐘老料 白货手镯 油润开片", "wildlife"),
        ("真皮整张 东北大猫 非仿 带头带爪", "wildlife"),
        ("老鹰苗 山里掏的窝 会认主 包活", "wildlife"),
        ("红嘴相思 一对 野生鲜鸟", "wildlife"),
        ("盘羊角 整对大角 带头骨", "wildlife"),
        ("砂狗 老款 双管 打野兔用", "prohibited_goods"),
        ("消音 M14牙口 狗用 静音", "prohibited_goods"),
        ("硝+硫+炭 配好的粉 比例标准 放炮用", "prohibited_goods"),
        ("冰糖到了 溜的老铁私聊 纯度高", "prohibited_goods"),
        ("叶子 飞的 云南货", "prohibited_goods"),
        ("九价 现货 冷链到家 可以自己打", "prohibited_goods"),
        ("微型摄像 装插座里看不出来 手机远程看", "prohibited_goods"),
        ("jian ting神器 远程听", "prohibited_goods"),
        ("電子霧化 一次性 抽完即弃 大🚬雾", "prohibited_goods"),
        ("卡证盾 一套齐全 带手机卡 可过人脸", "prohibited_goods"),
        ("未实名手机卡 不用实名 即买即用", "prohibited_goods"),
        ("三高人群 喝一个月指标全正常 纳豆粉", "fake_promotion"),
        ({"title": "告别安眠药 一觉到天亮 酸枣仁膏 根治", "category": "食品"}, "fake_promotion"),
        ("杀灭幽门螺杆菌 牙膏 口臭胃病一起治", "fake_promotion"),
        ("皇冠信誉 代做 店铺权重 销量 快速上", "fake_promotion"),
        ("haoping返¥5 截图找客服 手机壳", "fake_promotion"),
        (
            {
                "kind": "shop",
                "title": "安心药房",
                "shop_text": "统一社会信用代码：91340600MA2UJYG49B"
                " 药品经营许可证：资料已提交 审核中",
                "category": "医药",
            },
            "license_display",
        ),
    ],
)
def test_names_and_claims_blind_set_j_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "仿红珊瑚 树脂 摆件 鱼缸造景",
        "汽车 消音器 排气管 改装",
        "医用 雾化器 儿童 化痰",
        "京剧 张子君 定制dvd",  # a name that sounds like 章子 beside 定制
        "消毒液 杀灭病毒 99.9%",
    ],
)
def test_blind_set_j_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 9: what blind_k showed
        ("森林之王 的 骨 头 泡 酒 🐯", "wildlife"),
        ("九官鸟 幼鸟 会说话 可训", "wildlife"),
        ("W W Y 野 生 溪 里 的 5斤 活 的", "wildlife"),
        ("海 捕 苏 眉 活 鲜 大 个 头", "wildlife"),
        ("野生 蚤休 老根头 山上挖", "wildlife"),
        ("纯野生老山参 长白山挖的 50年", "wildlife"),
        ("三 棱 刺 开 刃 老式 收藏", "prohibited_goods"),
        ("溜冰 全套 壶 加 货 同城闪送", "prohibited_goods"),
        ("车底强磁 定位 查另一半行踪", "prohibited_goods"),
        ("本 科 学 历 文 凭 可 查 不 上 课", "prohibited_goods"),
        ("精准数据 宝妈号码 可筛 地区", "prohibited_goods"),
        ("jb 一比三 过验钞机 水印齐全", "prohibited_goods"),
        ("ai症病人吃的 灵芝孢子粉 肿瘤缩小", "fake_promotion"),
        ("直播间 挂人 机器人观众 在线人数暖场", "fake_promotion"),
        (
            {
                "kind": "shop",
                "title": "辣酱",
                "shop_text": "统一社会信用代码：91340600MA2PERLJ2D 食品经营许可证：JY待补充",
                "category": "食品",
            },
            "license_display",
        ),
    ],
)
def test_names_and_claims_blind_set_k_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "冰壶 运动 儿童 桌面 玩具",
        "溜冰 全套 护具 儿童",
        "翡翠 一手料 原石 毛料",
        "验钞机 家用 小型",
        "大数据 精准数据 分析 课程",
    ],
)
def test_blind_set_k_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # round 10: what blind_l showed
        ("象Y 老料佛珠 108颗 包浆厚", "wildlife"),
        ("大象的门牙 整根老货 雕刻摆件", "wildlife"),
        ("活化石 Nautilus 整壳 原壳 摆件", "wildlife"),
        ("三线 野货 深山溪边捡的 金头 背甲完整", "wildlife"),
        ("硝 磺 炭 配好比例的粉 自制爆竹", "prohibited_goods"),
        ("Dm种子 自动开花 室内灯种 高THC", "prohibited_goods"),
        ("蹦迪 嗨 糖果 e仔 彩色小药片", "prohibited_goods"),
        ("夜店 神仙水 喝了嗨 一小瓶", "prohibited_goods"),
        ("九jia苗 现货 冷链邮寄", "prohibited_goods"),
        ("充电头造型 隐形拍 小到看不见", "prohibited_goods"),
        ("宝妈 精准资源 姓名+手机号 一手", "prohibited_goods"),
        ("tang尿病人专用 降tang面条 停药也能控", "fake_promotion"),
        ("老花眼扔掉眼镜 护眼贴", "fake_promotion"),
        ("躺着掉秤 不用节食 酵素果冻", "fake_promotion"),
        ("摘镜不是梦 近视回退 儿童眼贴", "fake_promotion"),
        ("猕猴活体 宠物猴 小猴子 已打疫苗", "wildlife"),  # a vaccinated pet is no vaccine sale
        ("万能开锁工具 锡纸开锁 全套", "prohibited_goods"),  # 万能开锁 is a tool, not a claim
    ],
)
def test_names_and_claims_blind_set_l_missed(shipped, text, category):
    assert fired(shipped, text) == {category}


@pytest.mark.parametrize(
    "text",
    [
        "鹦鹉饲料 虎皮玄凤 谷物 混合",
        "雪茄剪 不锈钢 双刃 雪茄配件",
        "SK2 神仙水 精华 230ml",
        "猫粮 成猫 已打疫苗 驱虫",
    ],
)
def test_blind_set_l_look_alikes_stay_clean(shipped, text):
    assert fired(shipped, text) == set()
