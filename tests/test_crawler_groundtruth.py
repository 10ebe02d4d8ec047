from __future__ import annotations

from crawler.groundtruth import compare


def test_compare_counts_hits_misses_and_false_leads():
    truth = {
        ("listing", "L1"): {"wildlife"},
        ("listing", "L2"): {"wildlife", "fake_promotion"},
        ("listing", "L3"): set(),
        ("shop", "S1"): {"license_display"},
    }
    found = {
        ("listing", "L1"): {"wildlife"},
        ("listing", "L2"): {"wildlife"},
        ("listing", "L3"): {"fake_promotion"},
    }
    result = compare(truth, found)
    wildlife = result.by_category["wildlife"]
    assert (wildlife.tp, wildlife.fp, wildlife.fn) == (2, 0, 0)
    promo = result.by_category["fake_promotion"]
    assert (promo.tp, promo.fp, promo.fn) == (0, 1, 1)
    assert promo.precision == 0.0 and promo.recall == 0.0
    licence = result.by_category["license_display"]
    assert licence.recall == 0.0
    assert licence.precision is None  # nothing found: no precision, rather than 100%
    assert result.missed == [
        (("listing", "L2"), "fake_promotion"),
        (("shop", "S1"), "license_display"),
    ]
    assert result.false == [(("listing", "L3"), "fake_promotion")]
    total = result.total()
    assert (total.tp, total.fp, total.fn) == (2, 1, 2)
    assert total.precision == 2 / 3 and total.recall == 0.5


def test_nothing_to_find_and_nothing_found_has_no_scores():
    total = compare({("listing", "L1"): set()}, {}).total()
    assert (total.tp, total.fp, total.fn) == (0, 0, 0)
    assert total.precision is None and total.recall is None
