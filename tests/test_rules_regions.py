from __future__ import annotations

import csv

import pytest
from reference import REFERENCE as SHARED

from rules import uscc
from rules.regions import lookup, region_of_place, region_of_uscc

REFERENCE = SHARED / "uscc"


def test_uscc_vectors():
    rows = list(
        csv.DictReader(open(REFERENCE / "uscc_vectors_python_stdnum.csv", encoding="utf-8"))
    )
    bad = list(
        csv.DictReader(open(REFERENCE / "uscc_invalid_checkdigit_derived.csv", encoding="utf-8"))
    )
    assert all(uscc.is_valid(r["uscc"]) == r["expected"].startswith("valid") for r in rows)
    assert sum(r["expected"].startswith("valid") for r in rows) == 202
    assert not any(uscc.is_valid(r["uscc"]) for r in bad)
    assert uscc.is_valid(None) is False and uscc.is_valid("") is False


def test_region_code():
    assert uscc.region_code("91420700MA4XXXXXX1") == "420700"
    assert uscc.region_code("9142") is None


def test_lookup_current_and_historic():
    r = lookup("420700")
    assert (r.code, r.name, r.province, r.city, r.current) == (
        "420700",
        "鄂州市",
        "湖北省",
        "鄂州市",
        True,
    )
    old = lookup("110103")  # 崇文区, merged into 东城区 in 2010
    assert (old.name, old.province, old.city, old.current) == ("崇文区", "北京市", "北京市", False)
    assert lookup("999999") is None


def test_region_of_uscc_with_retired_code():
    r = region_of_uscc("91110103XXXXXXXXXX")
    assert (r.code, r.name, r.current) == ("110103", "崇文区", False)
    assert region_of_uscc("91310110666007217T").name == "杨浦区"


@pytest.mark.parametrize(
    "place,code",
    [
        ("湖北 鄂州", "420700"),
        ("浙江杭州", "330100"),
        ("浙江", "330000"),
        ("上海", "310000"),
        ("广东 东莞", "441900"),
        ("湖北 仙桃", "429004"),
        ("吉林 延边", "222400"),
        ("杭州", "330100"),
        ("北京 朝阳", "110105"),
        ("广西 南宁", "450100"),
    ],
)
def test_region_of_place(place, code):
    assert region_of_place(place).code == code


def test_region_of_place_unknown():
    assert region_of_place("") is None
    assert region_of_place("海外") is None
