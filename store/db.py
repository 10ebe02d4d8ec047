"""Engines, sessions and the schema's revision: create, upgrade, check.

Alembic is configured in code (no alembic.ini needed) so that migrations run from an
installed package, whatever the working directory.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from store.errors import StoreError

__all__ = [
    "StoreError",
    "check",
    "check_connection",
    "current_revision",
    "head_revision",
    "make_engine",
    "masked_url",
    "normalise_url",
    "session_scope",
    "sessions",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10


def normalise_url(url: str | URL) -> URL:
    """Plain ``postgresql://`` and ``postgres://`` mean psycopg 3, the driver we ship."""
    if isinstance(url, str) and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def masked_url(url: str | URL) -> str:
    """The URL as a user would write it, password replaced by ***."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``; does not connect (see :func:`check_connection`)."""
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    if backend == "postgresql":
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S, **kwargs.pop("connect_args", {})}
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    return create_engine(parsed, **kwargs)


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    path = url.database
    in_memory = not path or path == ":memory:" or path.startswith("file::memory:")
    if not in_memory:
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"timeout": SQLITE_BUSY_MS / 1000, **kwargs.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        # pysqlite would begin only before DML, leaving DDL (migrations) outside transactions;
        # beginning here makes a failed migration roll back whole.
        connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _begin)
        # Foreign keys are off by default in SQLite; WAL lets the CLI read while a sweep writes.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL never corrupts the file and a crashed process loses no commit;
            # only a power cut may drop the last transactions. FULL syncs at every item.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _reason(exc: BaseException, url: URL) -> str:
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason


def check_connection(engine: Engine) -> None:
    """Connect once; raise StoreError naming the (masked) URL and the reason if that fails."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        raise StoreError(
            f"cannot reach database {masked_url(engine.url)}: {_reason(exc, engine.url)}"
        ) from exc


def _engine(engine_or_url: Engine | str | URL) -> Engine:
    return engine_or_url if isinstance(engine_or_url, Engine) else make_engine(engine_or_url)


def alembic_config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _require_known(engine: Engine, current: str | None) -> None:
    if current is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(current) is not None
    except CommandError:
        known = False
    if not known:
        raise StoreError(
            f"database {masked_url(engine.url)} is at schema revision {current}, which this "
            f"version of wangjian does not know (newest known: {head_revision()}); "
            "it was probably written by a newer wangjian"
        )


def upgrade(engine_or_url: Engine | str | URL, revision: str = "head") -> str | None:
    """Create the schema or bring it up to ``revision``; return the revision reached."""
    return _migrate(engine_or_url, command.upgrade, revision)


def downgrade(engine_or_url: Engine | str | URL, revision: str) -> str | None:
    """Take the schema back to ``revision`` (developers, and tests of the migrations)."""
    return _migrate(engine_or_url, command.downgrade, revision)


def _migrate(engine_or_url: Engine | str | URL, action, revision: str) -> str | None:
    engine = _engine(engine_or_url)
    check_connection(engine)
    _require_known(engine, current_revision(engine))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild SQLite tables: with foreign keys enforced, dropping the
            # old table fails. Off for the migration (outside any transaction), checked after.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                action(alembic_config(connection), revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreError(f"migration broke foreign keys: {broken[:5]}")
        except CommandError as exc:
            raise StoreError(f"cannot migrate {masked_url(engine.url)}: {exc}") from exc
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    return current_revision(engine)


def check(engine: Engine) -> list[Any]:
    """Differences between the models and the database schema; empty when they agree."""
    from store.models import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def session_scope(bind: Engine | sessionmaker) -> AbstractContextManager[Session]:
    """A session in a transaction that commits when the block ends, rolls back if it raises.

    ``bind`` is an engine or a ``sessionmaker``. Objects stay readable after the block (no
    expiry on commit), so callers may return them.
    """
    factory = bind if isinstance(bind, sessionmaker) else sessions(bind)
    return factory.begin()


def sessions(engine: Engine) -> sessionmaker:
    """The session factory of ``engine``: no expiry on commit (see ``session_scope``)."""
    return sessionmaker(engine, expire_on_commit=False)
