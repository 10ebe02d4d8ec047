from __future__ import annotations

import pytest

from crawler.settings import Settings, SettingsError


def test_bad_values_name_the_environment_variables(monkeypatch):
    monkeypatch.setenv("WANGJIAN_CONCURRENCY", "0")
    monkeypatch.setenv("WANGJIAN_DATABASE_URL", "wangjian.db")
    with pytest.raises(SettingsError) as caught:
        Settings.load()
    assert str(caught.value) == (
        "WANGJIAN_DATABASE_URL: not a database URL: 'wangjian.db' (expected e.g. sqlite:///x.db); "
        "WANGJIAN_CONCURRENCY: input should be greater than or equal to 1"
    )


def test_unknown_variable_is_refused(monkeypatch):
    monkeypatch.setenv("WANGJIAN_DATABSE_URL", "sqlite:///x.db")
    with pytest.raises(SettingsError, match="unknown setting WANGJIAN_DATABSE_URL"):
        Settings.load()
