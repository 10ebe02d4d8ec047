"""``sweeps.yaml``: the sweeps a monitoring team runs on a calendar, and the campaigns (双11,
618, an emergency) that change what they do while their dates hold.

A pydantic model (``extra="forbid"``) read from YAML; every problem is one line naming the
file and the line, ``sweeps.yaml:12: sweeps.nightly.cron: …``, the first in the file
first. Frequencies are a 5-field crontab (Beijing time) or an interval (``30m``, ``6h``,
``1d``, ``1h30m``, ``10s``); both become APScheduler triggers here, so a bad one fails when
the file is read. Relative paths (a profile file, a packs folder) are relative to the
file's folder.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from rules.prices import BEIJING

#: A sweep's name is also its lock file's and its log lines' name.
NAME = re.compile(r"^[\w.-]{1,64}$")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class ScheduleError(ValueError):
    """A sweeps file that cannot be used; ``str()`` is ``FILE:LINE: field: message``."""

    def __init__(self, path: Path | str, line: int, field: str, message: str) -> None:
        self.path, self.line, self.field, self.message = str(path), line, field, message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def parse_duration(value: Any) -> int:
    """Seconds of ``30m``, ``6h``, ``1d``, ``1h30m``, ``10s``."""
    text = str(value).strip().lower().replace(" ", "")
    found = _DURATION.match(text) if isinstance(value, str) else None
    if not text or found is None or not any(found.groups()):
        raise ValueError(f"not an interval: {value!r} (expected e.g. 30m, 6h, 1d, 1h30m or 10s)")
    seconds = sum(int(n) * _UNITS[u] for n, u in zip(found.groups(), "dhms", strict=True) if n)
    if seconds < 1:
        raise ValueError(f"an interval must be at least 1s, got {value!r}")
    return seconds


def format_duration(seconds: int) -> str:
    """``parse_duration`` backwards: 5400 → ``1h30m``."""
    parts = []
    for unit, size in _UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


_WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def _weekday(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token) % 7
    if token in _WEEKDAYS:
        return _WEEKDAYS.index(token)
    raise ValueError(f"not a day of the week: {token!r} (0-7 or sun…sat)")


def _weekdays(field: str) -> str:
    """crontab's day-of-week field as APScheduler 3 reads it: by name. APScheduler 3 counts
    0 as Monday where crontab counts 0 (and 7) as Sunday, and its ``from_crontab`` keeps
    that mismatch (apscheduler issue 286), so ``* * * * 1-5`` would run Tuesday to
    Saturday; spelled as names the days mean what a crontab means."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.lower().split(","):
        span, slash, step = part.partition("/")
        if slash and not step.isdigit() or step == "0":
            raise ValueError(f"not a step: {part!r}")
        if span == "*":
            first, last = 0, 6
        else:
            low, dash, high = span.partition("-")
            first = _weekday(low)
            last = (7 if high in ("7", "sun") else _weekday(high)) if dash else first
            if slash and not dash:
                last = 6
            if last < first:
                raise ValueError(f"the range {span!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, int(step or 1)))
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def crontab_trigger(expr: str) -> BaseTrigger:
    """The APScheduler trigger of a 5-field crontab line, in Beijing time, as cron reads it:
    days of the week numbered from Sunday, and a day of the month and a day of the week
    both restricted meaning either (the two as an ``OrTrigger``)."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"not a crontab expression: {expr!r} (5 fields: minute hour day month weekday)"
        )
    minute, hour, day, month, written = fields
    weekday = _weekdays(written)

    def cron(day: str, weekday: str) -> CronTrigger:
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=BEIJING
        )

    try:
        if day.startswith("*") or written.startswith("*"):
            return cron(day, weekday)
        return OrTrigger([cron(day, "*"), cron("*", weekday)])
    except ValueError as exc:
        raise ValueError(f"not a crontab expression: {expr!r} ({exc})") from None


def _cron(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a crontab expression is text, e.g. '0 2 * * *', not {value!r}")
    trigger = crontab_trigger(value)
    if trigger.get_next_fire_time(None, datetime.now(BEIJING)) is None:
        raise ValueError(f"the crontab expression {value!r} never fires")
    return " ".join(value.split())


Duration = Annotated[int, BeforeValidator(parse_duration)]
Cron = Annotated[str, BeforeValidator(_cron)]


class Frequency(BaseModel):
    """How often: a crontab line or an interval."""

    cron: Cron | None = Field(
        None, description="5-field crontab (minute hour day month weekday), Beijing time."
    )
    every: Duration | None = Field(
        None,
        description="An interval: 30m, 6h, 1d, 1h30m, 10s. Counted from midnight Beijing "
        "time (every 6h: 00:00, 06:00, 12:00, 18:00); in a campaign from its first day.",
    )

    def frequency(self) -> str:
        """As people read it: ``cron 0 2 * * *`` or ``每 6h``."""
        if self.cron is not None:
            return f"cron「{self.cron}」"
        return f"每 {format_duration(self.every)}" if self.every else ""


class Sweep(Frequency):
    """One sweep: which platform, what to search, how often."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    profile: str = Field(description="Platform profile: a shipped name (demo) or a YAML file.")
    base_url: str | None = Field(None, description="Site root, overriding the profile's.")
    packs: Path | None = Field(None, description="Rule pack folder or file (--packs).")
    keywords: list[str] = Field(
        default_factory=list,
        description="Keywords to search instead of the packs' search terms (--keyword).",
    )
    enabled: bool = Field(True, description="false: kept in the file, not run.")

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    @model_validator(mode="after")
    def _one_frequency(self) -> Sweep:
        if (self.cron is None) == (self.every is None):
            raise ValueError("a sweep needs either cron or every (not both)")
        return self


class Campaign(Frequency):
    """A date window (双11, 618, an emergency) that changes sweeps while it holds."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    name: str = Field(description="As people say it, e.g. 双11; passed to the sweep.")
    kind: Literal["promotion", "emergency"] = Field(
        "promotion",
        description="promotion: passed as --promotion (prices judged against the 7 days "
        "before it); emergency: --emergency (哄抬价格 checks).",
    )
    start: date = Field(description="First day, Beijing time.")
    end: date = Field(description="Last day, Beijing time (included).")
    sweeps: list[str] | None = Field(
        None, description="The sweeps it applies to, by name (default: all)."
    )
    packs: Path | None = Field(None, description="Rule packs used besides the sweep's.")
    keywords: list[str] = Field(
        default_factory=list, description="Keywords searched besides the sweep's."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or "=" in value:
            raise ValueError(f"a campaign name is not empty and has no '=': {value!r}")
        return value

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: date, info) -> date:
        start = info.data.get("start")
        if start is not None and value < start:
            raise ValueError(f"ends {value} before it starts {start}")
        return value

    @model_validator(mode="after")
    def _one_frequency(self) -> Campaign:
        if self.cron is not None and self.every is not None:
            raise ValueError("a campaign has cron or every (or neither), not both")
        return self

    def applies_to(self, sweep: str) -> bool:
        return self.sweeps is None or sweep in self.sweeps

    def window(self) -> str:
        """As ``wangjian sweep --promotion`` takes it: ``双11=2026-11-01..2026-11-11``."""
        return f"{self.name}={self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"


class ScheduleFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")

    misfire_grace: Duration = Field(
        3600,
        description="A run missed by less than this (the scheduler was down or busy) runs "
        "once, late; older misses are skipped and logged.",
    )
    sweeps: dict[str, Sweep] = Field(min_length=1, description="Sweeps by name.")
    campaigns: list[Campaign] = Field(default_factory=list, description="Campaigns.")

    def campaigns_of(self, sweep: str) -> list[Campaign]:
        """The campaigns that apply to ``sweep``, in file order."""
        return [c for c in self.campaigns if c.applies_to(sweep)]


# ---------------------------------------------------------------- reading the file


class _Tree:
    """A YAML document's node tree, to find the line of a pydantic error's location."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.node = node

    def line(self, loc: tuple[Any, ...], at_key: bool = False) -> int:
        node, key = self.node, None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = next(((k, v) for k, v in node.value if k.value == str(part)), None)
                if found is None:
                    continue  # a name pydantic adds (a union member), not a key of the file
                key, node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part < len(node.value):
                    key, node = None, node.value[part]
        if node is None:
            return 1
        # A problem with a whole mapping (a key missing, two that conflict) is at its key.
        at_key = at_key or isinstance(node, yaml.MappingNode)
        return ((key if at_key and key is not None else node).start_mark.line) + 1

    def duplicate_key(self) -> tuple[int, str] | None:
        stack = [self.node] if self.node is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for k, v in node.value:
                    if k.value in seen:
                        return k.start_mark.line + 1, k.value
                    seen.add(k.value)
                    stack.append(v)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return None


def _problem(err: dict) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown key {err['loc'][-1]!r}"
    if err["type"] == "missing":
        return "required key is missing"
    message = err["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _compose(path: Path, text: str) -> tuple[_Tree, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        return _Tree(node), (loader.construct_document(node) if node is not None else None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ScheduleError(
            path, mark.line + 1 if mark else 0, "", f"YAML: {exc.problem}"
        ) from None
    finally:
        loader.dispose()


def load_schedule(path: Path | str) -> ScheduleFile:
    """Read and check a sweeps file; the first problem in it raises ``ScheduleError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleError(path, 0, "", f"cannot read: {getattr(exc, 'strerror', exc)}") from None
    tree, data = _compose(path, text)
    duplicate = tree.duplicate_key()
    if duplicate:
        raise ScheduleError(path, duplicate[0], duplicate[1], "duplicate key")
    if not isinstance(data, dict):
        raise ScheduleError(path, 1, "", "expected a mapping with sweeps: (and campaigns:)")
    data, where = _campaign_list(path, tree, data)
    try:
        schedule = ScheduleFile.model_validate(data)
    except ValidationError as exc:
        found = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            if loc[:1] == ("campaigns",) and len(loc) > 1 and isinstance(loc[1], int):
                loc = ("campaigns", where[loc[1]], *loc[2:])
            line = tree.line(loc, at_key=err["type"] == "extra_forbidden")
            found.append((line, ".".join(map(str, loc)), _problem(err)))
        line, field, message = min(found, key=lambda f: f[0])
        raise ScheduleError(path, line, field, message) from None
    _cross_check(path, tree, schedule, where)
    return _resolved(schedule, path.parent)


def _campaign_list(path: Path, tree: _Tree, data: dict) -> tuple[dict, list[Any]]:
    """``campaigns:`` as a list; a mapping's keys are the names. With where each came from
    (its index or key), for error lines."""
    campaigns = data.get("campaigns")
    if not isinstance(campaigns, dict):
        size = len(campaigns) if isinstance(campaigns, list) else 0
        return data, list(range(size))
    listed = []
    for name, body in campaigns.items():
        if isinstance(body, dict) and "name" in body:
            line = tree.line(("campaigns", name, "name"), at_key=True)
            raise ScheduleError(path, line, f"campaigns.{name}", "the key is the name: drop name:")
        listed.append({"name": str(name), **body} if isinstance(body, dict) else body)
    return {**data, "campaigns": listed}, list(campaigns)


def _cross_check(path: Path, tree: _Tree, schedule: ScheduleFile, where: list[Any]) -> None:
    for name in schedule.sweeps:
        if not NAME.match(name):
            raise ScheduleError(
                path,
                tree.line(("sweeps", name), at_key=True),
                f"sweeps.{name}",
                "a sweep's name is letters, digits, '.', '-' or '_' (it names its lock file)",
            )
    seen: set[str] = set()
    for index, campaign in enumerate(schedule.campaigns):
        at = ("campaigns", where[index])
        if campaign.name in seen:
            raise ScheduleError(
                path, tree.line(at), ".".join(map(str, at)), f"duplicate campaign {campaign.name!r}"
            )
        seen.add(campaign.name)
        for j, sweep in enumerate(campaign.sweeps or []):
            if sweep not in schedule.sweeps:
                known = ", ".join(schedule.sweeps)
                raise ScheduleError(
                    path,
                    tree.line((*at, "sweeps", j)),
                    f"campaigns.{where[index]}.sweeps",
                    f"no sweep named {sweep!r} (sweeps: {known})",
                )
    _check_paths(path, tree, schedule, where)


def _check_paths(path: Path, tree: _Tree, schedule: ScheduleFile, where: list[Any]) -> None:
    from spiders.profile import ProfileError, load_profile

    folder = path.parent
    for name, sweep in schedule.sweeps.items():
        try:
            load_profile(_profile_path(sweep.profile, folder))
        except ProfileError as exc:
            line = tree.line(("sweeps", name, "profile"))
            raise ScheduleError(path, line, f"sweeps.{name}.profile", str(exc)) from None
    owners = [(("sweeps", n), s.packs) for n, s in schedule.sweeps.items()]
    owners += [(("campaigns", where[i]), c.packs) for i, c in enumerate(schedule.campaigns)]
    for at, packs in owners:
        if packs is not None and not (folder / packs).exists():
            line = tree.line((*at, "packs"))
            field = ".".join(map(str, (*at, "packs")))
            raise ScheduleError(path, line, field, f"no such file or folder: {folder / packs}")


def _profile_path(profile: str, folder: Path) -> str:
    """A profile file relative to the sweeps file's folder; a bare name is a shipped one."""
    if Path(profile).suffix in (".yaml", ".yml") or "/" in profile:
        return str((folder / profile).resolve())
    return profile


def _resolved(schedule: ScheduleFile, folder: Path) -> ScheduleFile:
    def packs(value: Path | None) -> Path | None:
        return (folder / value).resolve() if value is not None else None

    sweeps = {
        name: sweep.model_copy(
            update={"profile": _profile_path(sweep.profile, folder), "packs": packs(sweep.packs)}
        )
        for name, sweep in schedule.sweeps.items()
    }
    campaigns = [c.model_copy(update={"packs": packs(c.packs)}) for c in schedule.campaigns]
    return schedule.model_copy(update={"sweeps": sweeps, "campaigns": campaigns})
