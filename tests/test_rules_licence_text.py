"""A shop's licence read out of its text: `rules score` of a shop record that carries only
``shop_text`` runs every licence check (issue: the licence pack was unreachable from text)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from rules.engine import Scorer
from rules.licence_text import completed, read_licence
from rules.record import Record

VALID = "91110108551385082Q"  # python-stdnum's test vector


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load()


def rules_of(scorer: Scorer, shop_text: str, category: str = "") -> set[str]:
    verdict = scorer.score(
        Record(kind="shop", title="某店", shop_text=shop_text, category=category)
    )
    return {h.rule_id.split(".")[-1] for h in verdict.hits if h.pack_id == "license_display"}


@pytest.mark.parametrize(
    ("text", "company", "uscc", "address"),
    [
        (
            f"企业名称：北京恒泰科技有限公司 统一社会信用代码：{VALID} "
            "住所：北京市海淀区中关村大街1号",
            "北京恒泰科技有限公司",
            VALID,
            "北京市海淀区中关村大街1号",
        ),
        (
            f"营业执照信息\n公司名称: 北京恒泰科技有限公司\n信用代码 {VALID}\n地址：北京市海淀区",
            "北京恒泰科技有限公司",
            VALID,
            "北京市海淀区",
        ),
        # Full-width digits and colon, as some pages print them.
        ("ＵＳＣＣ：９１１１０１０８５５１３８５０８２Ｑ", None, VALID, None),
        # An unlabelled code in the licence block.
        (f"营业执照 北京恒泰科技有限公司 {VALID}", None, VALID, None),
        # A shop's own name is not the company's.
        (f"店铺名称：恒泰旗舰店 统一社会信用代码：{VALID}", None, VALID, None),
        ("证照信息 | 名称：鄂州市佳顺商行 | 注册号：420700600123456", "鄂州市佳顺商行", None, None),
    ],
)
def test_labels_real_shops_use_are_read(text, company, uscc, address):
    facts = read_licence(text)
    assert (facts.company, facts.uscc, facts.address) == (company, uscc, address)
    assert facts.present


def test_permits_are_read_by_name_and_by_number():
    facts = read_licence("食品经营许可证：JY14201000012345 出版物经营许可证 新出发鄂字第123号")
    assert facts.permits == ["食品经营许可证：JY14201000012345", "出版物经营许可证"]
    # A JY number names its permit even without the label.
    assert read_licence("许可证编号 JY14207000012345").permits == [
        "食品经营许可证：JY14207000012345"
    ]


def test_a_text_with_no_licence_is_a_missing_licence(scorer):
    assert rules_of(scorer, "店铺简介：专注零食十年，好吃不贵，欢迎光临") == {"licence_missing"}


def test_a_bad_check_digit_and_a_truncated_code_fail_the_uscc_check(scorer):
    bad = VALID[:-1] + "R"
    assert "uscc_invalid" in rules_of(scorer, f"企业名称：恒泰科技有限公司 统一社会信用代码：{bad}")
    assert "uscc_invalid" in rules_of(
        scorer, "企业名称：恒泰科技有限公司 统一社会信用代码：91420700MA4"
    )


def test_a_food_shop_without_its_permit_in_the_text_is_a_lead(scorer):
    licence = f"企业名称：恒泰食品有限公司 统一社会信用代码：{VALID}"
    assert rules_of(scorer, licence, "食品") == {"food_permit_missing"}
    assert rules_of(scorer, licence + " 食品经营许可证：JY14201000012345", "食品") == set()


def test_facts_a_record_states_are_not_replaced():
    record = Record(kind="shop", shop_text="店铺简介", licence_present=True, uscc=VALID)
    assert completed(record) == record
    listing = Record(kind="listing", shop_text="统一社会信用代码：123")
    assert completed(listing) is listing


def test_rules_score_runs_the_licence_checks_on_shop_text(tmp_path):
    source = tmp_path / "shops.jsonl"
    lines = [
        {"id": "s1", "kind": "shop", "title": "甲店", "shop_text": "欢迎光临本店"},
        {
            "id": "s2",
            "kind": "shop",
            "title": "乙店",
            "shop_text": f"企业名称：乙商贸有限公司 统一社会信用代码：{VALID[:-1]}R",
        },
        {
            "id": "s3",
            "kind": "shop",
            "title": "丙店",
            "shop_text": f"企业名称：丙商贸有限公司 统一社会信用代码：{VALID}",
        },
    ]
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    result = CliRunner().invoke(main, ["rules", "score", str(source)])
    verdicts = {v["id"]: v for v in map(json.loads, result.output.splitlines())}
    assert verdicts["s1"]["lead"] and verdicts["s2"]["lead"] and not verdicts["s3"]["lead"]
    assert {h["rule_id"] for h in verdicts["s1"]["hits"]} == {"license_display.licence_missing"}
    assert {h["rule_id"] for h in verdicts["s2"]["hits"]} == {"license_display.uscc_invalid"}


def test_a_return_or_shipping_address_is_not_the_licence_address():
    text = "退货地址：广东省深圳市宝安区仓库1号 发货地址：浙江省金华市义乌市 客服电话 400"
    assert read_licence(text).address is None
    assert read_licence("企业名称：某公司 地址：湖北省鄂州市华容区人民路1号").address == (
        "湖北省鄂州市华容区人民路1号"
    )


@pytest.mark.parametrize(
    "text",
    [
        "食品经营许可证 办理中",
        "食品经营许可证：正在申请中",
        "食品经营许可证 暂无",
        "食品经营许可证 无。",
        "食品经营许可证：证件更新中 暂不展示",
        "食品经营许可证：暂不公示",
        "药品经营许可证 换证中",
    ],
)
def test_a_permit_named_but_not_held_is_no_permit(text):
    assert read_licence(f"营业执照 统一社会信用代码：91110108551385082Q {text}").permits == []


def test_a_food_shop_whose_permit_is_pending_is_a_lead():
    shop = {
        "kind": "shop",
        "title": "甜品小铺",
        "category": "零食/坚果/特产",
        "shop_text": "营业执照 统一社会信用代码：91110108551385082Q 食品经营许可证 办理中",
    }
    assert "license_display.food_permit_missing" in {
        h.rule_id for h in Scorer.load().score(shop).hits
    }


@pytest.mark.parametrize(
    ("text", "uscc"),
    [
        ("统一社会信用代码：9134 0603 MA2P BQ7J 4K", "91340603MA2PBQ7J4K"),  # printed in groups
        ("统一社会信用代码：9134-0603-MA2P-BQ7J-4K", "91340603MA2PBQ7J4K"),
        ("统一社会信用代码：91440300 报价单", "91440300"),  # truncated, kept for the check
    ],
)
def test_a_code_printed_in_groups_is_one_code(text, uscc):
    assert read_licence(text).uscc == uscc


def test_licence_words_spaced_out_still_say_a_licence_is_shown():
    assert read_licence("店铺资质 营-业-执-照 见详情图").mentions_licence
    assert read_licence("营 业 执 照 见 图 片").mentions_licence


def test_a_shop_with_a_grouped_valid_code_is_clean():
    shop = {
        "kind": "shop",
        "title": "清风家居",
        "category": "居家日用",
        "shop_text": "营业执照 统一社会信用代码：9234 0603 MA2P BQ7J 4K",
    }
    assert Scorer.load().score(shop).categories == []


@pytest.mark.parametrize(
    ("text", "uscc", "registration"),
    [
        ("营业执照号：92340603MA2PBQ7J4 欢迎光临", "92340603MA2PBQ7J4", None),  # 17: truncated
        ("执照编号：92340603MA2PBQ7J4K", "92340603MA2PBQ7J4K", None),
        ("营业执照号：110108012345678", None, "110108012345678"),  # the old 15-digit number
        ("营业执照注册号：110108012345678", None, "110108012345678"),
    ],
)
def test_the_licence_number_label_reads_a_uscc_or_an_old_number(text, uscc, registration):
    facts = read_licence(text)
    assert (facts.uscc, facts.registration_number) == (uscc, registration)


def test_a_truncated_code_under_a_licence_number_label_is_a_lead():
    shop = {
        "kind": "shop",
        "title": "星辰饰品",
        "shop_text": "营业执照号：92340603MA2PBQ7J4 欢迎进店",
    }
    assert "license_display.uscc_invalid" in {h.rule_id for h in Scorer.load().score(shop).hits}
