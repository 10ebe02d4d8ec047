from __future__ import annotations

import csv

import pytest
from reference import REFERENCE as SHARED

from rules import uscc
from rules.regions import counties, lookup, region_of_address, region_of_place, region_of_uscc

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


@pytest.mark.parametrize(
    "address,code",
    [
        # A licence's 住所: province, city, county, then the street.
        ("湖北省鄂州市华容区庙岭镇新港路1号", "420703"),
        ("湖北省鄂州市鄂城区古楼街道滨江路8号", "420704"),
        ("湖北鄂州梁子湖区太和镇", "420702"),  # short names, no 省/市
        ("鄂州市华容区葛店开发区", "420703"),  # no province
        ("湖北省 武汉市 洪山区 珞喻路1037号", "420111"),  # spaces
        ("浙江省金华市义乌市稠城街道", "330782"),  # a county-level city under its city
        ("恩施土家族苗族自治州恩施市舞阳坝街道", "422801"),
        ("新疆维吾尔自治区乌鲁木齐市天山区", "650102"),
        ("北京市朝阳区建国路88号", "110105"),  # a municipality's district
        ("上海市浦东新区张江镇", "310115"),
        ("湖北省仙桃市干河街道", "429004"),  # a county-level city under its province
        # No county named (a bare 城区 or 华容 is no county name): the city.
        ("湖北省鄂州市城区建设路8号", "420700"),
        ("湖北省鄂州市华容大道8号", "420700"),
        ("广东省东莞市长安镇", "441900"),  # a city without counties
        # The county named first: a street may carry another one's name.
        ("湖北省鄂州市鄂城区梁子湖区大道8号", "420704"),
        ("湖北省", "420000"),
    ],
)
def test_region_of_address_to_the_county(address, code):
    assert region_of_address(address).code == code


def test_region_of_address_unknown():
    assert region_of_address(None) is None
    assert region_of_address("") is None
    assert region_of_address("海外仓") is None


def test_counties_of_a_city_in_code_order():
    assert [(r.code, r.name) for r in counties("420700")] == [
        ("420702", "梁子湖区"),
        ("420703", "华容区"),
        ("420704", "鄂城区"),
    ]
    assert [r.code for r in counties("4207")] == ["420702", "420703", "420704"]
    assert counties("999900") == []
