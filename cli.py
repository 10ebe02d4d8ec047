"""The ``wangjian`` command: a thin shell over crawler/, rules/ and store/.

Commands call library functions and only format: JSON for scripts, tables for people,
Chinese labels in what investigators read.
"""

from __future__ import annotations

import enum
import gc
import json
import sys
import traceback
from pathlib import Path

import click
from pydantic import ValidationError

from crawler.settings import Settings, SettingsError
from rules.errors import validation_problems
from rules.labels import STATUS_LABELS, category_label, status_label
from rules.record import Record

STATUS_CHOICES = list(STATUS_LABELS)
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Exit(enum.IntEnum):
    """The exit codes of every command, so that a scheduler can tell what happened."""

    OK = 0
    FINDINGS = 1
    USER_ERROR = 2
    INTERRUPTED = 3
    PARTIAL = 4
    INTERNAL = 5
    UNREACHABLE = 6
    STRUCTURE_CHANGED = 7
    BLOCKED = 8


#: What each exit code means, as every --help and the README's table say it.
EXIT_MEANINGS = {
    Exit.OK: "done: the sweep finished, every page was read, the check passed",
    Exit.FINDINGS: "a check found problems (lint errors, failing examples, schema differs)",
    Exit.USER_ERROR: "bad arguments, settings, profile, pack or database; nothing was done",
    Exit.INTERRUPTED: "the sweep stopped before its end (Ctrl-C, --max-pages)",
    Exit.PARTIAL: "it ran, but some pages or input lines could not be fetched, read or stored",
    Exit.INTERNAL: "a bug in wangjian (the traceback is printed)",
    Exit.UNREACHABLE: "not one page answered: the site is down or the URL is wrong",
    Exit.STRUCTURE_CHANGED: "far fewer listings or fields than the platform's recent sweeps: "
    "its pages may have changed",
    Exit.BLOCKED: "the platform kept answering with a block or a login wall: the sweep stopped",
}
EXIT_CODES = "\b\nExit codes (the same for every command):\n" + "\n".join(
    f"  {code.value}  {meaning}" for code, meaning in EXIT_MEANINGS.items()
)


class Command(click.Command):
    """Every command's --help ends with the exit codes."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("epilog", EXIT_CODES)
        super().__init__(*args, **kwargs)


class Group(click.Group):
    command_class = Command
    group_class = type


class UserError(click.ClickException):
    """An error the user can fix: printed as one line, exit code 2."""

    exit_code = Exit.USER_ERROR

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


@click.group(cls=Group, context_settings=CONTEXT, epilog=EXIT_CODES)
@click.version_option(package_name="wangjian", message="wangjian %(version)s")
def main() -> None:
    """wangjian (网监): monitoring crawler for online-market regulators.

    Sweeps e-commerce platforms, scores listings, shops and ads against rule packs,
    and files the suspicious ones as leads with evidence.
    """


def run() -> None:
    """The console entry point: ``main`` with unexpected errors as exit code 5."""
    try:
        main(prog_name="wangjian")
    except Exception:  # noqa: BLE001 - anything click did not handle is a bug of ours
        traceback.print_exc()
        click.echo(
            "wangjian: internal error (exit 5); please report it with the traceback", err=True
        )
        sys.exit(Exit.INTERNAL)


# ---------------------------------------------------------------- database


def open_store(settings: Settings, upgrade: bool = False, schema: bool = True):
    """An engine for the configured database; StoreError becomes a one-line user error.

    ``upgrade`` creates the database or migrates it (commands that fill it). Without it the
    database must exist, and with ``schema`` be at the newest revision: a command that reads
    or edits what is stored creates no file and says what to run instead.
    """
    from store.db import StoreError, check_connection, make_engine, require_head
    from store.db import upgrade as upgrade_db

    try:
        engine = make_engine(settings.db_url, create=upgrade)
        check_connection(engine)
        if upgrade:
            upgrade_db(engine)
        elif schema:
            require_head(engine)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    return engine


@main.group(cls=Group, context_settings=CONTEXT)
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
    differences = check(open_store(settings, schema=False))  # an old schema is a finding
    if differences:
        for difference in differences:
            click.echo(f"differs: {difference}", err=True)
        raise SystemExit(Exit.FINDINGS)
    click.echo("schema matches the models")


# ---------------------------------------------------------------- leads


@main.group(cls=Group, context_settings=CONTEXT)
def leads() -> None:
    """Leads (线索): list and export them by region, category, rule, score, date and status."""


def _region_prefix(ctx, param, value: str | None) -> str | None:
    from store.places import prefix_of

    if value is not None:
        try:
            prefix_of(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class DayOrTime(click.DateTime):
    """A date (to --until, the whole day) or a date and time; local time."""

    def __init__(self) -> None:
        super().__init__(DATE_FORMATS)

    def convert(self, value, param, ctx):
        from datetime import date, datetime

        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(value, DATE_FORMATS[0]).date()
        except ValueError:
            return super().convert(value, param, ctx)


def lead_filters(func):
    """The filters of ``leads list`` and ``leads export``, passed on as ``filters``."""
    options = [
        click.option(
            "--category",
            "--pack",
            "category",
            help="Pack id (a lead's category is its pack): wildlife, prohibited_goods, "
            "fake_promotion, license_display.",
        ),
        click.option(
            "--region",
            callback=_region_prefix,
            help="GB/T 2260 code of a province (42, 湖北省), city (4207 or 420700, 鄂州市) "
            "or county (420704, 鄂城区).",
        ),
        click.option(
            "--rule", help="Only leads a rule of their category hit: wildlife.ivory or ivory."
        ),
        click.option("--min-score", type=float, help="Only leads scoring at least this much."),
        click.option("--platform", help="Platform code, e.g. demo, taobao."),
        click.option(
            "--sweep",
            "sweep_id",
            type=int,
            help="Only leads whose latest verdict came from this sweep, scan or rescore id "
            "(wangjian sweeps list).",
        ),
        click.option(
            "--since",
            type=DayOrTime(),
            metavar="DATE",
            help="Only leads seen on or after this date: YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS', "
            "local time.",
        ),
        click.option(
            "--until",
            type=DayOrTime(),
            metavar="DATE",
            help="Only leads seen on or before this date (a day without a time: to its end).",
        ),
        click.option(
            "--status",
            type=click.Choice(STATUS_CHOICES),
            help="Lead status: new (待核查), verified (已核查), referred (已移送), "
            "dismissed (已排除).",
        ),
        click.option(
            "--include-cleared",
            is_flag=True,
            help="Also list leads whose rules no longer fire (after a rescore or a later sweep).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _selected_leads(settings: Settings, filters: dict):
    """The leads ``filters`` (from ``lead_filters``) select, newest first."""
    from store.db import session_scope
    from store.errors import StoreError
    from store.queries import list_leads

    active = None if filters.pop("include_cleared") else True
    engine = open_store(settings)
    try:
        with session_scope(engine, read_only=True) as session:  # never waits for a sweep
            return list_leads(session, active=active, **filters)
    except StoreError as exc:
        raise UserError(str(exc)) from None


@leads.command("list")
@lead_filters
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table for people, csv for Excel, json for scripts.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=str),
    default="-",
    help="Write to this file, replacing it ('-': standard output). CSV files get a BOM so "
    "Excel reads UTF-8. See also: wangjian leads export.",
)
@db_option
def leads_list(fmt, output, database_url, **filters):
    """List leads, newest first, filtered by category, region, rule, score, platform,
    sweep, date and status.

    \b
    Example:
      wangjian leads list --region 42 --category wildlife
      wangjian leads list --since 2026-11-01 --until 2026-11-30 --min-score 10
      wangjian leads list --since 2026-11-01 --format csv -o leads.csv
    """
    from store.export import ExportError, export_leads, write_leads

    settings = load_settings(database_url=database_url)
    rows = _selected_leads(settings, filters)
    labels = pack_titles(settings.packs_dir)
    if output == "-":
        write_leads(rows, fmt, sys.stdout, labels)
        return
    try:
        export_leads(rows, fmt, output, labels, overwrite=True)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"已导出 {len(rows)} 条线索到 {output}", err=True)


@leads.command("export")
@lead_filters
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    help="csv (UTF-8 with a BOM, for Excel), xlsx (an Excel workbook), json (for scripts). "
    "Default: from FILE's extension.",
)
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write: .csv, .xlsx or .json.",
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@db_option
def leads_export(fmt, out, force, database_url, **filters):
    """Export leads to a CSV, Excel or JSON file, by the filters of `leads list`.

    Headings are Chinese, as in `leads list --format csv`; JSON keys are English. Spreadsheet
    cells that would run as formulas (seller text starting with = + - @) are kept as text
    with a leading quote. The file is written whole or not at all.

    \b
    Example:
      wangjian leads export --region 4207 --since 2026-11-01 --out 鄂州-11月.xlsx
      wangjian leads export --category wildlife --format csv --out wildlife.csv
      wangjian leads export --sweep 12 --out sweep-12.json --force
    """
    from store.export import ExportError, ExportExistsError, export_leads, format_of

    fmt = fmt or format_of(out)
    if fmt is None:
        raise UserError(f"cannot tell the format of {out}: pass --format csv, xlsx or json")
    settings = load_settings(database_url=database_url)
    rows = _selected_leads(settings, filters)
    try:
        written = export_leads(rows, fmt, out, pack_titles(settings.packs_dir), overwrite=force)
    except ExportExistsError as exc:
        raise UserError(f"{exc}: pass --force to replace it") from None
    except ExportError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"已导出 {len(rows)} 条线索（{fmt.upper()}）到 {written.resolve()}")
    _custody(
        settings,
        "export",
        {"file": str(written.resolve()), "format": fmt, "leads": [r.id for r in rows]},
    )


def _custody(settings: Settings, action: str, what: dict) -> None:
    """One line in the custody log for a view or an export; a log that cannot be written
    is said on stderr, and the command's own work stands."""
    from store.custody import default_actor
    from store.errors import StoreError
    from store.evidence import log_event

    try:
        actor = settings.actor or default_actor()
        log_event(open_store(settings), settings.data_dir, action, actor, what)
    except (OSError, StoreError, ValueError) as exc:
        click.echo(f"warning: the custody log was not written ({action}): {exc}", err=True)


class LeadStatusChoice(click.ParamType):
    """A review status, by its name or its Chinese label (已移送 = referred)."""

    name = "STATUS"

    def convert(self, value, param, ctx):
        by_label = {label: code for code, label in STATUS_LABELS.items()}
        found = value if value in STATUS_LABELS else by_label.get(value)
        if found is None:
            choices = "、".join(f"{code}（{label}）" for code, label in STATUS_LABELS.items())
            self.fail(f"{value!r} is not a lead status; one of {choices}", param, ctx)
        return found


def _mark(lead_ids: tuple[int, ...], status: str, note: str, by: str | None, database_url):
    from store.custody import default_actor
    from store.db import session_scope
    from store.errors import StoreError
    from store.evidence import log_event
    from store.leads import set_lead_status

    settings = load_settings(database_url=database_url)
    actor = by or settings.actor or default_actor()
    engine = open_store(settings)
    try:
        with session_scope(engine) as session:  # all or none
            events = [set_lead_status(session, i, status, actor, note) for i in lead_ids]
    except StoreError as exc:
        raise UserError(str(exc)) from None
    action = "referral" if status == "referred" else "status"
    changes = [
        {"lead": e.lead_id, "from": e.from_status, "to": e.to_status, "note": note} for e in events
    ]
    ids = "、".join(map(str, lead_ids))
    try:
        log_event(engine, settings.data_dir, action, actor, {"changes": changes})
    except (OSError, StoreError) as exc:
        raise UserError(
            f"线索 {ids} 状态已改为「{status_label(status)}」, but the custody log was not "
            f"written: {exc}"
        ) from None
    click.echo(f"线索 {ids} 状态已改为「{status_label(status)}」（{actor}）")


def _mark_options(func):
    func = db_option(func)
    func = click.option(
        "--by", help="Who made the change (default: WANGJIAN_ACTOR, else user@host)."
    )(func)
    func = click.option("--note", default="", help="Why: kept with the change.")(func)
    func = click.argument("status", type=LeadStatusChoice())(func)
    return click.argument("lead_ids", metavar="LEAD_ID...", nargs=-1, required=True, type=int)(func)


@leads.command("mark")
@_mark_options
def leads_mark(lead_ids, status, note, by, database_url) -> None:
    """Move leads through review: 待核查 (new), 已核查 (verified), 已移送 (referred) or 已排除
    (dismissed); who, when and why are kept, and the custody log records it.

    \b
    Example:
      wangjian leads mark 12 13 已移送 --note "移交武汉市市场监管局" --by 张三
      wangjian leads mark 14 dismissed --note "玩具，非野生动物制品"
    """
    _mark(lead_ids, status, note, by, database_url)


@leads.command("status", hidden=True)
@_mark_options
def leads_status(lead_ids, status, note, by, database_url) -> None:
    """The old name of ``leads mark``.

    \b
    Example:
      wangjian leads status 12 13 referred
    """
    _mark(lead_ids, status, note, by, database_url)


@leads.command("show")
@click.argument("lead_id", type=int)
@db_option
def leads_show(lead_id: int, database_url) -> None:
    """Everything about one lead: what it is about, each rule hit in its text with its legal
    basis, the region and where it comes from, the evidence with hashes, the price history
    and the status history.

    \b
    Example:
      wangjian leads show 12
    """
    from store.db import session_scope
    from store.dossier import lead_dossier

    settings = load_settings(database_url=database_url)
    engine = open_store(settings)
    with session_scope(engine, read_only=True) as session:
        dossier = lead_dossier(session, lead_id)
        if dossier is None:
            raise UserError(f"no lead with id {lead_id}")
        text = dossier.render(pack_titles(settings.packs_dir), below_hit=_price_lines_of)
    click.echo(text, nl=False)
    _custody(settings, "view", {"lead": lead_id})


def _price_lines_of(hit) -> list[str]:
    """A price hit's trend, window and basis (``store.price_chart.price_lines``)."""
    from store.price_chart import price_lines

    return price_lines(hit.evidence) if hit.evidence and hit.evidence.get("history") else []


#: How the filters of a referral read in the packet (Chinese, for the receiving region).
CRITERIA_LABELS = {
    "category": "类别",
    "rule": "规则",
    "min_score": "最低分值",
    "platform": "平台",
    "sweep_id": "巡查编号",
    "since": "起始日期",
    "until": "截止日期",
    "status": "状态",
}


@leads.command("referral")
@lead_filters
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The packet's folder: new, or empty.",
)
@click.option("--by", help="Who prepares the packet (default: WANGJIAN_ACTOR, else user@host).")
@db_option
def leads_referral(out, by, database_url, **filters):
    """Write the referral packet (线索移送材料) of a region's leads to a new folder: the lead
    sheet (XLSX), every lead's evidence files and manifests, one WACZ web archive, an
    offline HTML dossier in Chinese (an index and a page per lead), and for each lead a
    电子数据提取笔录 as HTML and as PDF printed by Chromium; the packet manifest lets the
    receiving region check it with `wangjian evidence verify --packet DIR`.

    --region is required (a province, city or county code); the other filters are those of
    `leads list`. Evidence that no longer matches its recorded hash stops the packet.

    \b
    Example:
      wangjian leads referral --region 42 --out 移送-湖北
      wangjian leads referral --region 4207 --category wildlife --since 2026-11-01 --out ezhou
    """
    from crawler.printing import PrintError, pdf_printer
    from store.custody import default_actor
    from store.errors import StoreError
    from store.referral import build_packet

    region = filters.get("region")
    if region is None:
        raise UserError("a referral packet is for one region: pass --region (e.g. 42, 4207)")
    settings = load_settings(database_url=database_url)
    criteria = "；".join(
        f"{CRITERIA_LABELS[k]} {v}" for k, v in filters.items() if k in CRITERIA_LABELS and v
    )
    rows = _selected_leads(settings, filters)
    engine = open_store(settings)
    try:
        report = build_packet(
            engine,
            settings.data_dir,
            rows,
            out,
            region=region,
            labels=pack_titles(settings.packs_dir),
            actor=by or settings.actor or default_actor(),
            printer=pdf_printer(settings),
            criteria=criteria,
        )
    except (StoreError, PrintError) as exc:
        raise UserError(str(exc)) from None
    click.echo(
        f"已生成移送材料 {report.path.resolve()}：线索 {report.leads} 条，"
        f"取证 {report.captures} 份，文件 {report.files} 个（{report.bytes:,} 字节），"
        f"提取笔录 PDF {report.pdfs} 份"
    )
    if report.without_evidence:
        ids = "、".join(map(str, report.without_evidence))
        click.echo(f"注意：线索 {ids} 没有取证材料", err=True)
    click.echo(f"移送材料清单 SHA-256: {report.manifest_sha256}（请随移送函告知接收方）")
    ids = " ".join(str(r.id) for r in rows)
    click.echo(f"移送后标记: wangjian leads mark {ids} 已移送 --note \"移送材料 {out}\"")


# ---------------------------------------------------------------- rules


def load_scorer(packs_dir: Path | None):
    """Packs from --packs, else WANGJIAN_PACKS_DIR, else the shipped ones, compiled once."""
    from rules.engine import Scorer
    from rules.errors import PackError

    settings = load_settings(packs_dir=packs_dir)
    # The modules imported so far, then the compiled packs, live as long as the process: kept
    # out of the garbage collector's full passes, which walked them all again each time the
    # heap had grown by a quarter (~0.2 s of a sweep's or a scan's start). Once a process:
    # what a test process has made before is frozen once, not at every command it invokes.
    settle = gc.get_freeze_count() == 0
    if settle:
        gc.freeze()
    try:
        scorer = Scorer.load(settings.packs_dir)
    except PackError as exc:
        raise UserError(f"rule pack error: {exc}") from None
    if settle:
        gc.freeze()
    return scorer


def titles_of(scorer) -> dict[str, str]:
    """Pack id -> Chinese title of the packs a scorer was compiled from."""
    return {p.id: p.title for p in scorer.packset.packs}


def pack_titles(packs_dir: Path | None = None) -> dict[str, str]:
    """Titles of the user's own packs when they have some; the shipped ones are known to
    ``rules.labels`` without loading anything."""
    if load_settings(packs_dir=packs_dir).packs_dir is None:
        return {}
    return titles_of(load_scorer(packs_dir))


def read_jsonl(path: str, parse):
    """``parse(record)`` of every readable line of a JSON-lines file ('-': stdin), with the
    lines that could not be read or parsed said on stderr as FILE:LINE: why; the count of
    those lines. A file that cannot be read at all is a UserError."""
    from rules.jsonl import InputError, read_lines

    parsed, bad = [], 0
    try:
        for line in read_lines(path):
            problem = line.problem
            if problem is None:
                try:
                    parsed.append((line.number, parse(line.record)))
                    continue
                except ValidationError as exc:
                    problem = validation_problems(exc)
            bad += 1
            click.echo(f"{path}:{line.number}: {problem}", err=True)
    except InputError as exc:
        raise UserError(str(exc)) from None
    return parsed, bad


def _bad_lines_exit(path: str, bad: int, total: int) -> None:
    if bad:
        click.echo(f"{path}: {bad} of {total} lines could not be read (listed above)", err=True)
        raise SystemExit(Exit.PARTIAL)


@main.group(cls=Group, context_settings=CONTEXT)
def rules() -> None:
    """Rule packs: lint, test, explain, score and evaluate them."""


@rules.command("lint")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def rules_lint(path: Path | None) -> None:
    """Check rule packs: every error with file, line and field (exit 1 on errors).

    \b
    Example:
      wangjian rules lint
      wangjian rules lint my-packs/
    """
    from rules.loader import lint_packs

    path = path or load_settings().packs_dir
    issues = lint_packs(path)
    for issue in issues:
        click.echo(f"{issue} [{issue.severity}]", err=issue.severity == "error")
    errors = sum(1 for i in issues if i.severity == "error")
    click.echo(f"{errors} error(s), {len(issues) - errors} warning(s)")
    if errors:
        raise SystemExit(Exit.FINDINGS)


@rules.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show every example, not only failures.")
def rules_test(path: Path | None, verbose: bool) -> None:
    """Run every rule's own examples like a test runner (exit 1 on a failure).

    \b
    Example:
      wangjian rules test
      wangjian rules test rules/packs/wildlife.yaml -v
    """
    from rules.examples import run_examples

    scorer = load_scorer(path)
    results = run_examples(scorer.packset, scorer)
    failed = [r for r in results if not r.passed]
    for r in results if verbose else failed:
        expected = "应命中" if r.expected_match else "不应命中"
        status = "PASS" if r.passed else "FAIL"
        example = (
            json.dumps(r.example, ensure_ascii=False) if isinstance(r.example, dict) else r.example
        )
        click.echo(f"{status} {r.rule_id}: {expected} {example!s} — {r.why}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise SystemExit(Exit.FINDINGS)


@rules.command("explain")
@click.argument("text")
@click.option(
    "--kind",
    type=click.Choice(["listing", "shop", "ad"]),
    default="listing",
    show_default=True,
    help="Score the text as this kind of record.",
)
@click.option(
    "--field",
    type=click.Choice(["title", "description", "shop_text", "category"]),
    default="title",
    show_default=True,
    help="Field the text stands in.",
)
@click.option("--category", default="", help="Platform category of the record, e.g. 食品.")
@packs_option
def rules_explain(text: str, kind: str, field: str, category: str, packs_dir) -> None:
    """Show which rules fire on TEXT, on which spans, after which normalisation.

    \b
    Example:
      wangjian rules explain "正品象 牙手镯 穿山jia"
      wangjian rules explain "降血压 特效" --category 食品
    """
    from rules.explain import explain

    scorer = load_scorer(packs_dir)
    record = {"kind": kind, field: text}
    if category:
        record["category"] = category
    click.echo(explain(scorer, record).render())


@rules.command("score")
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Where to write the verdicts ('-': standard output).",
)
@packs_option
def rules_score(input_path: str, output, packs_dir) -> None:
    """Score JSON-lines records; write one verdict line per record.

    Each input line may hold id, title, description, shop_text, price, original_price,
    category (all optional; null means absent). Each output line holds id, score, lead,
    categories and hits. A line that cannot be read is named on stderr (FILE:LINE: why) and
    the rest are still scored; then the exit code is 4.

    \b
    Example:
      wangjian rules score listings.jsonl > verdicts.jsonl
    """
    scorer = load_scorer(packs_dir)
    records, bad = read_jsonl(input_path, Record.model_validate)
    for _, record in records:
        verdict = scorer.score(record)
        line = verdict.model_dump(include={"id", "score", "lead", "categories", "hits"})
        output.write(json.dumps(line, ensure_ascii=False) + "\n")
    output.flush()
    _bad_lines_exit(input_path, bad, len(records) + bad)


@rules.command("eval")
@click.argument("input_path", metavar="LABELLED.jsonl", type=click.Path(allow_dash=True))
@packs_option
def rules_eval(input_path: str, packs_dir) -> None:
    """Precision and recall per pack on records labelled with an ``expect`` list of pack ids.

    A line that cannot be read is named on stderr and left out; then the exit code is 4.

    \b
    Example:
      wangjian rules eval tests/data/labelled.jsonl
    """
    from rules.evaluate import evaluate

    scorer = load_scorer(packs_dir)
    records, bad = read_jsonl(input_path, _labelled)
    click.echo(evaluate(scorer, [raw for _, raw in records]).render())
    _bad_lines_exit(input_path, bad, len(records) + bad)


def _labelled(raw: dict) -> dict:
    """A labelled record: a valid Record with an ``expect`` list of pack ids."""
    Record.model_validate(raw)
    if not isinstance(raw.get("expect"), list):
        raise ValidationError.from_exception_data(
            "Record", [{"type": "list_type", "loc": ("expect",), "input": raw.get("expect")}]
        )
    return raw


# ---------------------------------------------------------------- sweeps


def sweep_exit(result) -> Exit:
    """How a sweep ended, the worst first: unreachable (6), blocked (8) or interrupted (3),
    then structure changed (7) > partial (4) > ok (0). A sweep that stopped early is not
    done, whatever it found; one that reads far less than it used to needs its profile
    fixed, which matters more than a few pages that failed."""
    if result.status == "unreachable":
        return Exit.UNREACHABLE
    if result.status == "blocked":
        return Exit.BLOCKED
    if result.status != "finished":
        return Exit.INTERRUPTED
    if result.structure_warnings:
        return Exit.STRUCTURE_CHANGED
    return Exit.PARTIAL if result.errors else Exit.OK


def _guarded(crawl):
    """Run a crawl; the errors a user can fix become one line and exit code 2."""
    from rules.errors import PackError
    from spiders.profile import ProfileError
    from store.errors import StoreError

    try:
        return crawl()
    except (ProfileError, PackError, StoreError, SettingsError) as exc:
        raise UserError(str(exc)) from None


@main.command("demo")
@click.option(
    "--size",
    type=click.IntRange(1, 200_000),
    default=300,
    show_default=True,
    help="Number of listings in the demo marketplace.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the marketplace.")
@packs_option
def demo(size: int, seed: int, packs_dir) -> None:
    """Serve the built-in demo marketplace, sweep it, and print the leads found.

    The marketplace knows its own ground truth, so the summary ends with the precision and
    recall of the whole sweep.

    \b
    Example:
      wangjian demo
      wangjian demo --size 2000 --seed 11
    """

    from crawler.demo.sweep import run_demo

    settings = load_settings(packs_dir=packs_dir)
    scorer = load_scorer(settings.packs_dir)
    labels = titles_of(scorer)
    report = _guarded(lambda: run_demo(settings, size=size, seed=seed, scorer=scorer))
    click.echo(report.sweep.render(report.seconds), nl=False)
    click.echo(report.render(labels), nl=False)
    click.echo(f"\n数据库: {settings.db_url}")
    click.echo(
        "查看线索: wangjian leads list    导出: wangjian leads export --out leads.xlsx"
        "    核验取证: wangjian evidence verify\n"
        "移送材料: wangjian leads referral --region 42 --out packet"
    )
    raise SystemExit(sweep_exit(report.sweep))


def _windows(values, kind: str, param):
    from rules.prices import PriceWindow

    try:
        return [PriceWindow.parse(v, kind) for v in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def json_option(func):
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the result as JSON for scripts."
    )(func)


@main.command("sweep")
@click.argument("profile")
@click.option("--base-url", help="Site root, overriding the profile's (e.g. a test mirror).")
@click.option(
    "--keyword",
    "keywords",
    multiple=True,
    help="Search this keyword instead of the packs' search terms (repeatable).",
)
@click.option("--max-pages", type=click.IntRange(0), help="Stop after this many responses.")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the platform's last sweep, which was interrupted or killed: what it stored "
    "is not fetched again.",
)
@click.option(
    "--promotion",
    "promotions",
    multiple=True,
    metavar="NAME=START..END",
    callback=lambda ctx, param, value: _windows(value, "promotion", param),
    help="A promotion window (Beijing dates, both included), e.g. 双11=2026-11-01..2026-11-11: "
    "stated original prices are judged against the lowest price seen in the 7 days before it.",
)
@click.option(
    "--emergency",
    "emergencies",
    multiple=True,
    metavar="NAME=START..END",
    callback=lambda ctx, param, value: _windows(value, "emergency", param),
    help="A declared emergency: essential goods priced far above their recent history are "
    "哄抬价格 leads.",
)
@click.option(
    "--distributed",
    is_flag=True,
    help="Be one worker of a sweep that workers on many machines share: the frontier and "
    "the duplicate filter in Redis (WANGJIAN_REDIS_URL), one PostgreSQL database "
    "(WANGJIAN_DATABASE_URL). Start the same command on every machine.",
)
@click.option(
    "--status",
    "show_status",
    is_flag=True,
    help="With --distributed: show the running sweep's frontier (requests queued, each "
    "worker's requests in hand and lease) and exit.",
)
@json_option
@packs_option
@db_option
def sweep(
    profile,
    base_url,
    keywords,
    max_pages,
    resume,
    promotions,
    emergencies,
    distributed,
    show_status,
    as_json,
    packs_dir,
    database_url,
):
    """Sweep the platform a PROFILE (YAML file or shipped name) describes; store the leads.

    \b
    Example:
      wangjian sweep spiders/profiles/demo.yaml --base-url http://127.0.0.1:8000
      wangjian sweep demo --keyword 象牙 --keyword 穿山甲 --json
      wangjian sweep demo --resume
      wangjian sweep demo --distributed        (on each machine)
      wangjian sweep demo --distributed --status
    """
    import time

    from crawler.run import run_sweep

    if show_status:
        if not distributed:
            raise UserError("--status shows a distributed sweep: give --distributed too")
        _distributed_status(profile, as_json)
        return
    settings = load_settings(packs_dir=packs_dir, database_url=database_url, max_pages=max_pages)
    scorer = load_scorer(settings.packs_dir)
    started = time.monotonic()
    result = _guarded(
        lambda: run_sweep(
            profile,
            settings,
            scorer=scorer,
            base_url=base_url,
            keywords=list(keywords) or None,
            resume=resume,
            windows=[*promotions, *emergencies],
            distributed=distributed,
        )
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(result.render(time.monotonic() - started, titles_of(scorer)), nl=False)
        if result.distributed is not None:
            whole = "（最后退出，以上为整个巡查的合计）" if result.distributed["last"] else ""
            click.echo(f"分布式工作进程 {result.distributed['worker']}{whole}")
    raise SystemExit(sweep_exit(result))


def _distributed_status(profile: str, as_json: bool) -> None:
    """What Redis says of the platform's running distributed sweep."""
    from crawler.distributed import status
    from spiders.profile import ProfileError, load_profile

    settings = load_settings()
    try:
        code = load_profile(profile).code
        found = status(settings, code)
    except (ProfileError, SettingsError) as exc:
        raise UserError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    if found["sweep_id"] is None:
        click.echo(f"平台 {code} 没有正在进行的分布式巡查。")
        return
    click.echo(
        f"巡查 {found['sweep_id']}  平台 {code}  待抓取 {found['queued']}，"
        f"已发现 {found['seen']}，工作进程 {len(found['workers'])}"
    )
    for w in found["workers"]:
        state = f"租约剩余 {w['lease_ms'] / 1000:.1f} 秒" if w["alive"] else "租约已过期"
        done = "，已完成" if w["worker"] in found["done"] else ""
        click.echo(f"  {w['worker']}: 处理中 {w['held']}，{state}{done}")
    click.echo(f"详情: wangjian sweeps show {found['sweep_id']}")


@main.command("scan")
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--profile", help="Platform profile (name or YAML) whose extraction fits these pages."
)
@click.option("--render", is_flag=True, help="Fetch every page through Chromium.")
@click.option(
    "--keep",
    is_flag=True,
    help="File what was found in the database, as a sweep of kind scan with its leads.",
)
@json_option
@packs_option
@db_option
def scan(urls, profile, render, keep, as_json, packs_dir, database_url) -> None:
    """Score the pages at URLS now and print each verdict with the rules that matched.

    Nothing is stored unless --keep is given.

    \b
    Example:
      wangjian scan https://shop.example.cn/item/123
      wangjian scan http://127.0.0.1:8000/item/L00042 --profile demo --json
      wangjian scan --keep http://127.0.0.1:8000/item/L00042 --profile demo
    """
    from crawler.run import check_urls, run_scan

    try:
        check_urls(list(urls))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    settings = load_settings(packs_dir=packs_dir, database_url=database_url)
    scorer = load_scorer(settings.packs_dir)
    report = _guarded(
        lambda: run_scan(
            list(urls), settings, scorer=scorer, profile=profile, render=render, keep=keep
        )
    )
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        labels = titles_of(scorer)
        for result in report.results:
            click.echo(result.render(labels), nl=False)
        if report.sweep is not None:
            click.echo(f"已存档为扫描记录 {report.sweep.sweep_id}（数据库: {settings.db_url}）")
    if report.sweep is not None and report.sweep.status == "interrupted":
        raise SystemExit(Exit.INTERRUPTED)
    raise SystemExit(Exit.PARTIAL if report.failed else Exit.OK)


@main.group(cls=Group, context_settings=CONTEXT)
def profile() -> None:
    """Platform profiles: try one on real pages while writing it (spiders/FORMAT.md)."""


@profile.command("check")
@click.argument("profile_path", metavar="PROFILE")
@click.argument("urls", metavar="URL...", nargs=-1, required=True)
@click.option("--render", is_flag=True, help="Fetch every page through Chromium.")
def profile_check(profile_path: str, urls, render: bool) -> None:
    """Fetch URLs and print what every selector of PROFILE extracted (exit 4 if a required
    field found nothing or a page failed).

    \b
    Example:
      wangjian profile check spiders/profiles/demo.yaml http://127.0.0.1:8000/item/L00042
    """
    from crawler.run import check_urls, run_profile_check
    from rules.labels import kind_label
    from spiders.field_report import render_report

    try:
        check_urls(list(urls))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    settings = load_settings()
    checks = _guarded(lambda: run_profile_check(list(urls), settings, profile_path, render))
    for check in checks:
        rendered = "，经浏览器渲染" if check.rendered else ""
        click.echo(f"{check.url}  {kind_label(check.kind)}{rendered}")
        if check.error:
            click.echo(f"  错误: {check.error}")
        click.echo(render_report(check.readings), nl=False)
    raise SystemExit(Exit.PARTIAL if any(c.missing for c in checks) else Exit.OK)


@main.group(cls=Group, context_settings=CONTEXT)
def sweeps() -> None:
    """The history of sweeps: what each one fetched, found and could not read."""


@sweeps.command("list")
@click.option("--platform", help="Only sweeps of this platform code, e.g. demo.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="How many.")
@json_option
@db_option
def sweeps_list(platform, limit, as_json, database_url) -> None:
    """List sweeps, newest first, with their status and counts.

    \b
    Example:
      wangjian sweeps list --platform demo
    """
    from dataclasses import asdict

    from tabulate import tabulate

    from rules.labels import sweep_kind_label, sweep_status_label
    from store.db import session_scope
    from store.history import list_sweeps

    engine = open_store(load_settings(database_url=database_url))
    with session_scope(engine) as session:
        rows = list_sweeps(session, platform=platform, limit=limit)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], ensure_ascii=False, default=str))
        return
    table = [
        (
            r.id,
            r.platform,
            sweep_kind_label(r.kind),
            sweep_status_label(r.status),
            f"{r.started_at.astimezone():%Y-%m-%d %H:%M}",
            r.pages,
            r.listings,
            r.leads,
            r.errors,
        )
        for r in rows
    ]
    headers = ("编号", "平台", "类型", "状态", "开始时间", "页面", "商品", "线索", "错误")
    click.echo(tabulate(table, headers=headers) if rows else "还没有巡查记录。")


@sweeps.command("show")
@click.argument("sweep_id", type=int)
@json_option
@db_option
def sweeps_show(sweep_id: int, as_json: bool, database_url) -> None:
    """Show one sweep: counts, pages by status, failures by kind, field coverage, whether its
    page structure may have changed, its log files and the pages that failed.

    \b
    Example:
      wangjian sweeps show 3
    """
    from dataclasses import asdict

    from rules.labels import sweep_status_label
    from rules.terminal import escape_controls
    from store.db import session_scope
    from store.errors import StoreError
    from store.history import get_sweep

    engine = open_store(load_settings(database_url=database_url))
    try:
        with session_scope(engine) as session:
            row = get_sweep(session, sweep_id)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(asdict(row), ensure_ascii=False, default=str, indent=1))
        return
    ended = f"{row.finished_at.astimezone():%Y-%m-%d %H:%M:%S}" if row.finished_at else "—"
    click.echo(
        f"巡查 {row.id}  平台 {row.platform}  状态 {sweep_status_label(row.status)}"
        f"（{row.close_reason or '—'}）\n"
        f"开始 {row.started_at.astimezone():%Y-%m-%d %H:%M:%S}  结束 {ended}\n"
        f"页面 {row.pages}，商品 {row.listings}，店铺 {row.shops}，广告 {row.ads}，"
        f"线索 {row.leads}，错误 {row.errors}"
    )
    click.echo(_health_lines(row), nl=False)
    for failure in row.failures:
        line = f"  错误 {failure['url']}: {failure['kind']} {failure['message']}"
        click.echo(escape_controls(line))


def _health_lines(row) -> str:
    """What ``sweeps show`` says of a sweep's health, a line for each part it has."""
    from crawler.results import STRUCTURE_CHANGED
    from rules.labels import LISTING_FIELD_LABELS, failure_label, listing_field_label

    def joined(parts) -> str:
        return "，".join(parts)

    lines = []
    if row.pages_by_status:
        by_status = sorted(row.pages_by_status.items(), key=lambda kv: int(kv[0]))
        lines.append("页面状态: " + joined(f"{code} ×{n}" for code, n in by_status))
    if row.leads_by_category:
        leads = sorted(row.leads_by_category.items())
        lines.append("线索: " + joined(f"{category_label(c)} {n}" for c, n in leads))
    if row.failures_by_kind:
        failures = sorted(row.failures_by_kind.items())
        lines.append("失败: " + joined(f"{failure_label(k)}（{k}）{n}" for k, n in failures))
    lines.append(f"重试 {row.retries}，被拦截 {row.blocked}")
    if row.coverage:
        order = list(LISTING_FIELD_LABELS)
        fields = sorted(row.coverage, key=lambda f: (order.index(f) if f in order else 99, f))
        shares = joined(f"{listing_field_label(f)} {row.coverage[f]:.0%}" for f in fields)
        lines.append(f"字段覆盖率（{row.coverage_listings} 个商品）: {shares}")
    if row.structure_warnings:
        lines.append(f"{STRUCTURE_CHANGED}（与本平台近期巡查相比）:")
        lines += [f"  {warning}" for warning in row.structure_warnings]
    lines += [f"日志: {path}" for path in row.log_files]
    return "".join(line + "\n" for line in lines)


@main.command("changes")
@click.option("--sweep", "sweep_id", type=int, help="This sweep (default: the newest that ended).")
@click.option(
    "--limit",
    type=click.IntRange(0),
    default=50,
    show_default=True,
    help="Listings shown (0: all).",
)
@json_option
@db_option
def changes(sweep_id, limit, as_json, database_url) -> None:
    """What a sweep saw change on its platform since the previous sweep: new listings,
    changed ones (price, 划线价, title, availability) and vanished ones, with their leads.

    \b
    Example:
      wangjian changes
      wangjian changes --sweep 12 --json
    """
    from store import changes as found_changes
    from store.db import session_scope
    from store.errors import StoreError

    engine = open_store(load_settings(database_url=database_url))
    try:
        with session_scope(engine, read_only=True) as session:
            found = found_changes.changes_of(session, sweep_id)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(found_changes.as_json(found), ensure_ascii=False, indent=1))
        return
    click.echo(found_changes.render(found, limit or None), nl=False)


@main.command("rescore")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON for scripts.")
@packs_option
@db_option
def rescore(as_json: bool, packs_dir, database_url) -> None:
    """Re-score stored listings, shops and ads with the current packs, without crawling.

    Reports the leads added, the leads no longer firing (kept, marked cleared) and the
    score changes, with pack versions before and after.

    \b
    Example:
      wangjian rescore
      wangjian rescore --packs my-packs/ --json
    """
    from store.rescore import rescore as run_rescore

    settings = load_settings(packs_dir=packs_dir, database_url=database_url)
    scorer = load_scorer(settings.packs_dir)
    report = run_rescore(open_store(settings, upgrade=True), scorer)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.render())


# ---------------------------------------------------------------- stats


@main.command("stats")
@click.option("--since", type=DayOrTime(), metavar="DATE", help="From this date (local time).")
@click.option("--until", type=DayOrTime(), metavar="DATE", help="To this date, the whole day.")
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the table as XLSX.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@db_option
def stats(since, until, out, force, database_url) -> None:
    """The campaign statistics table (专项行动情况统计表): leads by category, province and
    platform, referred, dismissed and open; sweeps run, pages seen, evidence captured.

    \b
    Example:
      wangjian stats --since 2026-11-01 --until 2026-11-30
      wangjian stats --since 2026-11-01 --out 双11专项统计.xlsx
    """
    from store.db import session_scope
    from store.export import ExportError, ExportExistsError, write_atomically
    from store.stats import campaign_stats

    settings = load_settings(database_url=database_url)
    engine = open_store(settings)
    with session_scope(engine, read_only=True) as session:
        table = campaign_stats(session, since, until)
    titles = pack_titles(settings.packs_dir)
    click.echo(table.render(titles), nl=False)
    if out:
        try:
            written = write_atomically(out, lambda f: table.write_xlsx(f, titles), force)
        except ExportExistsError as exc:
            raise UserError(f"{exc}: pass --force to replace it") from None
        except ExportError as exc:
            raise UserError(str(exc)) from None
        click.echo(f"已导出统计表到 {Path(written).resolve()}")


# ---------------------------------------------------------------- evidence


@main.group(cls=Group, context_settings=CONTEXT)
def evidence() -> None:
    """Evidence (取证): check that captured pages and the custody log are as they were."""


@evidence.command("verify")
@click.option("--lead", "lead_id", type=int, help="Only the evidence of this lead.")
@click.option(
    "--packet",
    type=click.Path(file_okay=False, path_type=Path),
    help="Check a referral packet folder instead, without any database.",
)
@click.option(
    "--sha256",
    "expected",
    metavar="HASH",
    help="With --packet: the packet manifest's SHA-256 as the sender gave it.",
)
@db_option
def evidence_verify(lead_id: int | None, packet, expected, database_url) -> None:
    """Re-hash every evidence file against the database and check the custody log's chain;
    name each file missing or altered (exit 1 if any). With --packet, check a referral
    packet by itself: its manifest, every file, each capture's manifest and the WACZ.

    \b
    Example:
      wangjian evidence verify
      wangjian evidence verify --lead 12
      wangjian evidence verify --packet 移送-湖北 --sha256 3f1c…
    """
    if packet is not None:
        _verify_packet(packet, expected)
        return
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from rules.terminal import escape_controls
    from store.db import session_scope
    from store.evidence import captures_of_lead, verify_capture, verify_custody
    from store.models import Capture, Lead

    settings = load_settings(database_url=database_url)
    engine = open_store(settings)
    with session_scope(engine, read_only=True) as s:
        if lead_id is not None:
            lead = s.get(Lead, lead_id)
            if lead is None:
                raise UserError(f"no lead with id {lead_id}")
            captures = captures_of_lead(s, lead)
        else:
            captures = list(s.scalars(select(Capture).options(selectinload(Capture.files))))
        problems = [str(p) for c in captures for p in verify_capture(settings.data_dir, c)]
        problems += verify_custody(s, settings.data_dir)
    files = sum(len(c.files) for c in captures)
    for problem in problems:
        click.echo(escape_controls(problem))
    if problems:
        click.echo(f"核验 {len(captures)} 份取证、{files} 个文件：发现 {len(problems)} 处问题")
        raise SystemExit(Exit.FINDINGS)
    click.echo(f"核验 {len(captures)} 份取证、{files} 个文件及保管记录：全部完好")


def _verify_packet(folder: Path, expected: str | None) -> None:
    from rules.terminal import escape_controls
    from store.packet import verify_packet

    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder")
    problems, checked = verify_packet(folder)
    found = checked["manifest_sha256"]
    if expected and found and expected.strip().lower() != found:
        problems.insert(0, f"移送材料清单的 SHA-256 {found} 与发送方告知的 {expected} 不符")
    for problem in problems:
        click.echo(escape_controls(problem))
    summary = (
        f"核验移送材料：线索 {checked['leads']} 条、取证 {checked['captures']} 份、"
        f"文件 {checked['files']} 个"
    )
    if problems:
        click.echo(f"{summary}：发现 {len(problems)} 处问题")
        raise SystemExit(Exit.FINDINGS)
    click.echo(f"{summary}：全部完好（清单 SHA-256 {found}）")


from cli_schedule import schedule  # noqa: E402 - sweeps on a calendar, its own module

main.add_command(schedule)

if __name__ == "__main__":  # pragma: no cover
    run()
