"""The ``wangjian`` command: a thin shell over crawler/, rules/ and store/.

Commands call library functions and only format: JSON for scripts, tables for people,
Chinese labels in what investigators read.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from crawler.settings import Settings, SettingsError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class UserError(click.ClickException):
    """An error the user can fix: printed as one line, exit code 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def load_settings(**overrides) -> Settings:
    try:
        return Settings.load(**overrides)
    except SettingsError as exc:
        raise UserError(f"settings: {exc}") from None


def packs_option(func):
    return click.option(
        "--packs",
        "packs_dir",
        type=click.Path(exists=True, path_type=Path),
        help="Rule pack folder or file (default: WANGJIAN_PACKS_DIR, else the shipped packs).",
    )(func)


def db_option(func):
    return click.option(
        "--database-url",
        help="SQLAlchemy URL (default: WANGJIAN_DATABASE_URL, else SQLite in the data dir).",
    )(func)


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="wangjian", message="wangjian %(version)s")
def main() -> None:
    """wangjian (网监): monitoring crawler for online-market regulators.

    Sweeps e-commerce platforms, scores listings, shops and ads against rule packs,
    and files the suspicious ones as leads with evidence.
    """


# ---------------------------------------------------------------- database


def open_store(settings: Settings, upgrade: bool = False):
    """An engine for the configured database; StoreError becomes a one-line user error."""
    from store.db import StoreError, check_connection, make_engine
    from store.db import upgrade as upgrade_db

    try:
        engine = make_engine(settings.db_url)
        check_connection(engine)
        if upgrade:
            upgrade_db(engine)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    return engine


@main.group(context_settings=CONTEXT)
def db() -> None:
    """Database schema: create, upgrade and check it."""


@db.command("upgrade")
@db_option
def db_upgrade(database_url: str | None) -> None:
    """Create the database or upgrade it to the newest migration.

    \b
    Example:
      wangjian db upgrade
      wangjian db upgrade --database-url postgresql://postgres@127.0.0.1/wangjian
    """
    from store.db import current_revision, masked_url

    settings = load_settings(database_url=database_url)
    engine = open_store(settings, upgrade=True)
    click.echo(f"数据库已是最新版本 {current_revision(engine)}: {masked_url(engine.url)}")


@db.command("check")
@db_option
def db_check(database_url: str | None) -> None:
    """Check that the database schema matches the models (exit 1 if not).

    \b
    Example:
      wangjian db check
    """
    from store.db import check

    settings = load_settings(database_url=database_url)
    differences = check(open_store(settings))
    if differences:
        for difference in differences:
            click.echo(f"differs: {difference}", err=True)
        raise SystemExit(1)
    click.echo("schema matches the models")


# ---------------------------------------------------------------- leads


@main.group(context_settings=CONTEXT)
def leads() -> None:
    """Leads (线索): list and export them by region, category, date and status."""


def _region_prefix(ctx, param, value: str | None) -> str | None:
    if value is not None and not (value.isdigit() and 2 <= len(value) <= 6):
        raise click.BadParameter(f"{value!r} is not a region code prefix such as 42, 4207 or 420703")
    return value


@leads.command("list")
@click.option("--category", help="Pack id, e.g. wildlife, prohibited_goods, fake_promotion.")
@click.option(
    "--region", callback=_region_prefix, help="GB/T 2260 code prefix: 42 (湖北省), 4207 (鄂州市)."
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    help="Only leads seen on or after this date (local time).",
)
@click.option(
    "--status", type=click.Choice(["new", "reviewing", "referred", "dismissed"]), help="Lead status."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
    show_default=True, help="table for people, csv for Excel, json for scripts.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=str), default="-",
    help="Write to this file ('-': standard output). CSV files get a BOM so Excel reads UTF-8.",
)
@db_option
def leads_list(category, region, since, status, fmt, output, database_url) -> None:
    """List leads, newest first, filtered by category, region, date and status.

    \b
    Example:
      wangjian leads list --region 42 --category wildlife
      wangjian leads list --since 2026-11-01 --format csv -o leads.csv
    """
    from store.db import session_scope
    from store.export import write_leads
    from store.queries import list_leads

    settings = load_settings(database_url=database_url)
    engine = open_store(settings)
    with session_scope(engine) as session:
        rows = list_leads(session, category=category, region=region, since=since, status=status)
        if output == "-":
            write_leads(rows, fmt, sys.stdout, excel=False)
        else:
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
            with open(output, "w", encoding=encoding, newline="") as stream:
                write_leads(rows, fmt, stream, excel=True)
            click.echo(f"已导出 {len(rows)} 条线索到 {output}", err=True)


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
