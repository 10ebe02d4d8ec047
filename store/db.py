"""Engines, sessions and the schema's revision: create, upgrade, check.

Alembic is configured in code (no alembic.ini needed) so that migrations run from an
installed package, whatever the working directory.
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
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
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
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
    "reading",
    "require_head",
    "session_scope",
    "sessions",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 30_000
SQLITE_POLL_S = 0.002
PG_CONNECT_TIMEOUT_S = 10
BACKENDS = ("sqlite", "postgresql")
#: Execution option of an engine (see ``reading``) whose transactions only read.
READ_ONLY = "wangjian_read_only"


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


def make_engine(url: str | URL, *, create: bool = True, **kwargs: Any) -> Engine:
    """An engine for ``url``; does not connect (see :func:`check_connection`).

    Only SQLite and PostgreSQL are supported: any other URL is a StoreError naming it.
    ``create=False`` refuses an SQLite file that does not exist (StoreError) and creates
    neither file nor folder: for commands that only read or change what is stored.
    """
    try:
        parsed = normalise_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise StoreError(
            f"not a database URL: {_masked_text(str(url))}; wangjian supports "
            "sqlite:///path/to/wangjian.db and postgresql://user@host/db"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise StoreError(
            f"unsupported database URL {masked_url(parsed)}: wangjian supports sqlite "
            "(sqlite:///path/to/wangjian.db) and postgresql (postgresql://user@host/db)"
        )
    try:
        if backend == "sqlite":
            return _sqlite_engine(parsed, create, **kwargs)
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S, **kwargs.pop("connect_args", {})}
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    except (ImportError, NoSuchModuleError) as exc:  # e.g. postgresql+psycopg2://, not shipped
        raise StoreError(
            f"cannot use database URL {masked_url(parsed)}: its driver is not installed "
            f"({exc}); plain sqlite:/// and postgresql:// URLs need nothing more"
        ) from None


def _masked_text(url: str) -> str:
    """A URL SQLAlchemy cannot parse, with what looks like its password masked."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def reading(engine: Engine) -> Engine:
    """``engine`` for work that only reads: it never waits for a writer and cannot write.

    On SQLite its transactions begin deferred and ``query_only`` (see ``_sqlite_engine``);
    on PostgreSQL they are ``READ ONLY``. It shares ``engine``'s pool.
    """
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    return engine.execution_options(**options)


def _sqlite_engine(url: URL, create: bool, **kwargs: Any) -> Engine:
    path = url.database
    in_memory = not path or path == ":memory:" or path.startswith("file::memory:")
    if not in_memory:
        file = Path(path).expanduser()
        if create:
            file.parent.mkdir(parents=True, exist_ok=True)
        elif not file.is_file():
            raise StoreError(f"no database at {file}: run `wangjian db upgrade` or a sweep first")
    connect_args = {"timeout": SQLITE_BUSY_MS / 1000, **kwargs.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        # pysqlite would begin only before DML, leaving DDL (migrations) outside transactions;
        # beginning here makes a failed migration roll back whole.
        #
        # Writers begin IMMEDIATE, taking the write lock first and waiting for it (up to the
        # busy timeout). A deferred transaction that reads and then writes (every upsert)
        # cannot wait: when another connection holds the write lock, or committed since the
        # read, SQLite answers SQLITE_BUSY at once, busy_timeout or not. Measured with two
        # processes each committing 200 transactions of 50 read-then-insert rows (the shape
        # of the sweep's BatchWriter): deferred, 168 and 193 of the 200 failed "database is
        # locked"; IMMEDIATE, none. Two 2,000-listing sweeps into one file: deferred, ~936
        # items per sweep failed and 1,677 listings of 2,000 were stored; IMMEDIATE (with
        # _begin_immediate's polling), all 4,000 stored, no error. Immediate is the default,
        # so the sweep's writer, rescore, `leads status` and migrations (see _migrate) need
        # nothing of their own; what only reads asks for ``reading``.
        #
        # Readers (``reading(engine)``: `leads list`, db check, revision look-ups) stay
        # deferred: with WAL they read a snapshot beside the writer and never wait. Made
        # IMMEDIATE they would queue behind every write: against a writer holding 200 ms
        # transactions, a read took 0.2 ms median (1 ms at most) deferred, 175 ms median
        # (200 ms at most) IMMEDIATE. ``query_only`` makes a "read" that writes fail at once,
        # every time, instead of only when another process happens to be writing.
        read_only = bool(connection.get_execution_options().get(READ_ONLY))
        info = connection.connection.info
        if info.get("query_only", False) != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            info["query_only"] = read_only
        if read_only:
            connection.exec_driver_sql("BEGIN")
        else:
            _begin_immediate(connection)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _begin)
        record.info["query_only"] = False
        # Foreign keys are off by default in SQLite; WAL lets the CLI read while a sweep writes.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        if not in_memory:
            _wal(cursor)
            # With WAL, NORMAL never corrupts the file and a crashed process loses no commit;
            # only a power cut may drop the last transactions. FULL syncs at every item.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _wal(cursor) -> None:
    """Switch the file to WAL. On a new file another process may be migrating (a rollback
    journal, its write lock held): the switch fails "database is locked" at once, whatever
    the busy timeout, so it is tried again until the timeout. A file in WAL already
    answers at once."""
    deadline = time.monotonic() + SQLITE_BUSY_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(random.uniform(0.5, 1.5) * SQLITE_POLL_S)


def _begin_immediate(connection) -> None:
    """BEGIN IMMEDIATE, trying every few ms until the busy timeout.

    SQLite's own busy handler sleeps longer and longer between tries (100 ms once 0.3 s have
    passed), while a writer that commits begins its next batch within a millisecond, so the
    one waiting lost the lock again and again. Measured, two processes writing back to back:
    longest wait 2.2 s with SQLite's handler, 0.14 s polling; two 2,000-listing sweeps into
    one file (the lock busy ~95% of the time): longest wait 27 s, and one batch that timed
    out at 30 s was lost, against 4.7 s (p95 1.6 s) and nothing lost, in 190 s instead of
    246 s.
    """
    driver = connection.connection.driver_connection
    deadline = time.monotonic() + SQLITE_BUSY_MS / 1000
    driver.execute("PRAGMA busy_timeout=0")
    try:
        while time.monotonic() < deadline:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    break  # not a lock: raised below, as SQLAlchemy's error
            time.sleep(random.uniform(0.5, 1.5) * SQLITE_POLL_S)
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # "database is locked", or the error
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")


def _reason(exc: BaseException, url: URL) -> str:
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason


def check_connection(engine: Engine) -> None:
    """Connect once; raise StoreError naming the (masked) URL and the reason if that fails."""
    try:
        with reading(engine).connect() as connection:
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
    with reading(engine).connect() as connection:
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


def require_head(engine: Engine) -> None:
    """StoreError unless the database is at the newest revision, saying what to run."""
    current = current_revision(engine)
    _require_known(engine, current)
    head = head_revision()
    if current is None:
        raise StoreError(
            f"database {masked_url(engine.url)} has no wangjian tables yet: "
            "run `wangjian db upgrade` or a sweep first"
        )
    if current != head:
        raise StoreError(
            f"database {masked_url(engine.url)} is at schema revision {current}, older than "
            f"this wangjian's {head}: run `wangjian db upgrade`"
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
            # One transaction, begun IMMEDIATE on SQLite: of two sweeps starting on a new
            # file, the second waits for the first's migration, then finds nothing to do.
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

    with reading(engine).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def session_scope(
    bind: Engine | sessionmaker, *, read_only: bool = False
) -> AbstractContextManager[Session]:
    """A session in a transaction that commits when the block ends, rolls back if it raises.

    ``bind`` is an engine or a ``sessionmaker``. Objects stay readable after the block (no
    expiry on commit), so callers may return them. The transaction may write, and on SQLite
    takes the write lock when it begins (waiting for another writer up to the busy timeout);
    ``read_only=True`` is for work that only reads: it never waits and cannot write.
    """
    if isinstance(bind, sessionmaker):
        factory = bind
        if read_only:
            factory = sessionmaker(**{**bind.kw, "bind": reading(bind.kw["bind"])})
    else:
        factory = sessions(reading(bind) if read_only else bind)
    return factory.begin()


def sessions(engine: Engine) -> sessionmaker:
    """The session factory of ``engine``: no expiry on commit (see ``session_scope``)."""
    return sessionmaker(engine, expire_on_commit=False)
