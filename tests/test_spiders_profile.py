"""Platform profiles: the shipped one loads; bad ones fail naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from spiders.profile import PROFILES_DIR, ProfileError, load_profile


def write_variant(tmp_path: Path, edit) -> Path:
    """A copy of demo.yaml with ``edit(data)`` applied, saved as tmp_path/demo.yaml."""
    data = yaml.safe_load((PROFILES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_demo_profile_loads_by_name():
    profile = load_profile("demo")
    assert (profile.code, profile.search.url, profile.search.browse) == (
        "demo",
        "/search?q={keyword}&page={page}",
        ["/search?q="],
    )
    assert profile.listing.render.when == "span.price[data-price-src]:empty"
    assert profile.obey_robots is False


def test_base_url_is_overridable_at_run_time():
    profile = load_profile("demo").with_base_url("http://127.0.0.1:5555")
    assert profile.base_url == "http://127.0.0.1:5555"
    assert load_profile("demo").with_base_url(None).base_url == "http://127.0.0.1:8000"


def test_missing_field(tmp_path):
    path = write_variant(tmp_path, lambda d: d["listing"]["fields"].pop("title"))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value) == "demo.yaml: listing.fields.title: field required"


def test_unknown_key(tmp_path):
    path = write_variant(tmp_path, lambda d: d["shop"]["fields"].update(licnece="div.licence"))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value) == "demo.yaml: shop.fields.licnece: extra inputs are not permitted"


def test_bad_selector(tmp_path):
    path = write_variant(tmp_path, lambda d: d["search"].update(next_page="a.next[href"))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert (caught.value.path, caught.value.field) == (path, "search.next_page")
    assert str(caught.value).startswith(
        "demo.yaml: search.next_page: bad CSS selector 'a.next[href'"
    )


def test_bad_selector_inside_an_ad_slot_names_its_index(tmp_path):
    path = write_variant(tmp_path, lambda d: d["search"]["ads"][1].update(each="div..banner"))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.field == "search.ads.1.each"


def test_id_pattern_needs_an_id_group(tmp_path):
    path = write_variant(tmp_path, lambda d: d["listing"].update(id_pattern="^/item/(.+)$"))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value) == (
        "demo.yaml: listing.id_pattern: pattern '^/item/(.+)$' needs a named group (?P<id>...)"
    )


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: demo\nsearch: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value).startswith("broken.yaml: line 3 column 1: ")


def test_missing_file(tmp_path):
    with pytest.raises(ProfileError) as caught:
        load_profile(tmp_path / "nope.yaml")
    assert str(caught.value) == "nope.yaml: cannot read: No such file or directory"
