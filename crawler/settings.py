"""One typed settings object, read from ``WANGJIAN_*`` environment variables.

Built once at start (``Settings.load()``); a misspelled ``WANGJIAN_`` variable is an error,
not a silently ignored value.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rules import clock
from rules.errors import validation_problems
from rules.record import Severity

ENV_PREFIX = "WANGJIAN_"


class SettingsError(ValueError):
    """Settings that cannot be used, with a message naming the variable."""


class PlatformAccess(BaseModel):
    """How one platform is reached: a proxy, a signed-in browser session. Kept in settings,
    never in a profile: profiles are shared, sessions and proxies are a team's own."""

    model_config = ConfigDict(extra="forbid")

    proxy: str | None = Field(
        None, description="Proxy URL for every request to the platform, e.g. http://10.0.0.5:3128."
    )
    storage_state: Path | None = Field(
        None,
        description="Playwright storage state (JSON, saved after signing in by hand): its "
        "cookies go with every request, plain and in Chromium.",
    )

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https", "socks5"):
            raise ValueError(f"not a proxy URL: {value!r} (expected http://host:port)")
        return value

    def cookies(self, where: str = "storage_state") -> list[dict[str, str]]:
        """The storage state's cookies as Scrapy takes them; [] without one. ``where``
        names the setting in errors."""
        if self.storage_state is None:
            return []
        try:
            state = json.loads(self.storage_state.read_text(encoding="utf-8"))
            return [
                {k: str(c[k]) for k in ("name", "value", "domain", "path") if k in c}
                for c in state.get("cookies", [])
            ]
        except OSError as exc:
            raise SettingsError(
                f"{where}: cannot read {self.storage_state}: {exc.strerror}"
            ) from None
        except (ValueError, AttributeError, KeyError, TypeError) as exc:
            raise SettingsError(
                f"{where}: {self.storage_state} is not a Playwright storage state: {exc}"
            ) from None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    data_dir: Path = Field(
        Path("wangjian-data"),
        description="Folder for the SQLite database and the evidence files.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; plain postgresql://user@host/db works. "
        "Default: SQLite file wangjian.db in the data directory.",
    )
    chromium: Path | None = Field(
        None,
        description="Chromium executable for pages that need a browser. "
        "Default: chromium on PATH, else Playwright's own download.",
    )
    packs_dir: Path | None = Field(
        None,
        description="Folder of rule packs (*.yaml). Default: the packs shipped in rules/packs.",
    )
    concurrency: int = Field(8, ge=1, le=256, description="Concurrent requests of a sweep.")
    render_concurrency: int = Field(
        2,
        ge=1,
        le=32,
        description="Pages rendered in Chromium at a time, in a download slot of their own "
        "beside the plain requests (a slow render never holds those back).",
    )
    render_context_pages: int = Field(
        200,
        ge=0,
        description="Pages a Chromium browser context renders before a new one takes over and "
        "the old one is closed once its pages are done, so that Chromium's memory stays "
        "bounded (0: one context for the whole crawl).",
    )
    render_api: bool = Field(
        True,
        description="Complete a page from the JSON endpoint its profile's render rule names "
        "(render.api) with a plain request instead of rendering it in Chromium; false "
        "renders every page a render rule matches (to compare, or for rendered pages).",
    )
    download_delay: float = Field(0.0, ge=0, description="Seconds between requests to one site.")
    max_pages: int = Field(
        0, ge=0, description="Stop a sweep after this many responses (0: no limit)."
    )
    download_timeout: float = Field(
        30.0, gt=0, description="Seconds a page may take before it counts as a timeout."
    )
    retry_times: int = Field(
        4, ge=0, le=20, description="Retries of a page that failed in a way worth retrying."
    )
    retry_backoff: float = Field(
        1.0, ge=0, description="Seconds before the first retry, doubled for each next one."
    )
    retry_max_wait: float = Field(
        60.0, ge=0, description="Longest wait before a retry, Retry-After included."
    )
    max_page_mb: float = Field(
        10.0, gt=0, description="Pages larger than this (in MiB) are refused, not read."
    )
    log_level: str = Field(
        "WARNING", description="Scrapy log level on stderr (the sweep's log file keeps INFO)."
    )
    capture: bool = Field(
        True,
        description="Capture evidence of every new lead (body, WARC, screenshots, manifest) "
        "into the data directory.",
    )
    actor: str | None = Field(
        None,
        description="Who is named in the custody log for captures and changes "
        "(default: user@host); commands that change leads also take --by.",
    )
    capture_timeout: float = Field(
        15.0, gt=0, description="Seconds a lead's page may take to load for its screenshot."
    )
    http_cache: bool = Field(
        True,
        description="Keep every page a sweep fetched under the data directory (httpcache) "
        "and ask again conditionally (ETag / Last-Modified, RFC 2616): an unchanged page "
        "answers 304 and is not downloaded again, and still counts as seen.",
    )
    progress_interval: float = Field(
        10.0,
        ge=0,
        description="Seconds between a sweep's progress lines when stderr is not a terminal, "
        "and in its log file (0: none).",
    )
    # NoDecode: the variable is a list of URLs separated by commas or spaces (as apprise
    # itself reads them), or a JSON list; the validator below splits it.
    notify_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Where each sweep's digest is sent when it has ended: apprise URLs "
        "(mailto://, wecombot://, dingtalk://, feishu://, json://host/path …), separated by "
        "commas or spaces, or a JSON list. Default: none, nothing is sent.",
    )
    notify_min_severity: Severity = Field(
        "high",
        description="The digest lists the new leads whose strongest rule hit is at least this "
        "severe: low, medium, high or critical.",
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Redis of distributed sweeps (wangjian sweep --distributed): the frontier "
        "and the duplicate filter every worker shares. Requests are stored pickled: keep this "
        "Redis private to the workers (password, internal network).",
    )
    redis_prefix: str = Field(
        "wangjian",
        min_length=1,
        description="Prefix of every Redis key of distributed sweeps (several teams or "
        "test runs can share one Redis).",
    )
    redis_lease_s: float = Field(
        30.0,
        gt=0,
        description="Seconds a distributed worker's lease lasts without a heartbeat: after "
        "that the requests it had taken are put back for the other workers.",
    )
    platforms: dict[str, PlatformAccess] = Field(
        default_factory=dict,
        description="Per platform code, JSON: proxy and storage_state, e.g. "
        '{"taobao": {"proxy": "http://10.0.0.5:3128", "storage_state": "taobao-state.json"}}.',
    )

    clock: str | None = Field(
        None,
        description="Simulated start time for rehearsals and tests, ISO 8601 with its offset "
        "(2026-11-05T10:00:00+08:00): every time recorded runs on from it at the real rate, and "
        "the evidence says the clock was simulated. Never set it for real sweeps.",
    )

    @field_validator("clock")
    @classmethod
    def _clock_is_a_time(cls, value: str | None) -> str | None:
        if value is not None:
            clock.parse(value)
        return value

    def access(self, platform: str) -> PlatformAccess:
        """How to reach ``platform``: its entry in ``platforms``, else directly."""
        return self.platforms.get(platform, PlatformAccess())

    @field_validator("database_url")
    @classmethod
    def _url_has_scheme(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError(f"not a database URL: {value!r} (expected e.g. sqlite:///x.db)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"not a Redis URL: {value!r} (expected redis://host:6379/0)")
        return value

    @field_validator("notify_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except ValueError as exc:
                    raise ValueError(f"not a JSON list: {exc}") from None
            return [url for url in re.split(r"[\s,]+", text) if url]
        return value

    @field_validator("notify_urls")
    @classmethod
    def _urls_apprise_can_use(cls, value: list[str]) -> list[str]:
        if not value:
            return value  # apprise and the store are loaded only when there is something to send
        from crawler.notify import masked, usable

        for url in value:
            if not usable(url):
                raise ValueError(
                    f"not a notification URL apprise can use: {masked(url)} "
                    "(expected e.g. mailto://user:password@example.com or json://host/path)"
                )
        return value

    @classmethod
    def load(cls, **overrides) -> Settings:
        """Read the environment, refusing unknown ``WANGJIAN_*`` names."""
        known = {ENV_PREFIX + name.upper() for name in cls.model_fields}
        unknown = sorted(k for k in os.environ if k.startswith(ENV_PREFIX) and k not in known)
        if unknown:
            raise SettingsError(
                f"unknown setting {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as exc:
            problems = validation_problems(exc, name=lambda f: ENV_PREFIX + f.upper())
            raise SettingsError(problems) from None

    @property
    def db_url(self) -> str:
        """The database URL to connect to, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wangjian.db').resolve()}"

    def chromium_path(self) -> str | None:
        """The browser to launch, or None to let Playwright use its own download."""
        if self.chromium:
            if not self.chromium.exists():
                raise SettingsError(f"WANGJIAN_CHROMIUM: no such file: {self.chromium}")
            return str(self.chromium)
        for name in ("chromium", "chromium-browser", "google-chrome"):
            found = shutil.which(name)
            if found:
                return found
        return None
