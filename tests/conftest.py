"""Shared fixtures. Sections are owned by the parts they serve; add yours below."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# ---------------------------------------------------------------- databases (store/)

#: Maintenance connection used to create and drop the per-session test database.
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")


def _unavailable(reason: str) -> None:
    """Missing PostgreSQL fails the run in CI (it must be there) and skips elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session, dropped afterwards."""
    import psycopg

    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {' '.join(str(exc).split())}")
    name = f"wangjian_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A URL whose connections see only an empty schema of their own (one per test)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{pg_database}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(pg_database, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database, once on SQLite (a file in a folder not yet created) and once on
    PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'wangjian.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def db_engine(db_url: str):
    """An engine on a database upgraded to the newest migration."""
    from store.db import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


# -- the data directory ---------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _session_data_dir(tmp_path_factory):
    """The floor under ``_scratch_data_dir``: module- and session-scoped fixtures are set up
    before any function-scoped one, so they too get a scratch data directory."""
    checkout = Path(__file__).resolve().parents[1] / "wangjian-data"
    existed = checkout.exists()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WANGJIAN_DATA_DIR", str(tmp_path_factory.mktemp("session-data")))
        yield
    # A test that writes into the checkout's own data directory is a bug (it mixes test
    # sweeps into a user's leads): the run fails.
    assert existed or not checkout.exists(), f"a test wrote into {checkout}"


@pytest.fixture(autouse=True)
def _scratch_data_dir(monkeypatch, tmp_path_factory):
    """Commands run in-process write evidence and logs under a scratch data directory, never
    the checkout's own wangjian-data (a test that names one sets its own)."""
    monkeypatch.setenv("WANGJIAN_DATA_DIR", str(tmp_path_factory.mktemp("data")))
