"""Tell people what a sweep found: its digest (``store.notify_digest``) sent through apprise
to every ``WANGJIAN_NOTIFY_URLS`` entry (mail, WeCom/DingTalk/Feishu webhooks, any URL apprise
knows), once, when the sweep has ended.

Sending never raises and never changes how the sweep ended: a URL that fails is one Chinese
line on stderr, and the sweep's row keeps how many URLs got the digest
(``stats["notified"]``). apprise sends synchronously; each service's connect and read
timeouts are capped at ``TIMEOUT`` so that a dead webhook cannot hold a scheduled sweep.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from rules.terminal import escape_controls
from store import db, history
from store.notify_digest import Digest, digest

if TYPE_CHECKING:
    from crawler.settings import Settings

#: Longest wait, in seconds, to connect to a service and then for its answer.
TIMEOUT = 5.0

# user:password@ in the authority, and password-like query values (mailto://…?pass=…).
_USERINFO_PASSWORD = re.compile(r"(?<=://)([^/@:?#]*):([^/@?#]*)@")
_QUERY_SECRET = re.compile(r"([?&](?:pass|password|secret|token|key)=)[^&#]*", re.IGNORECASE)

#: What a failure is called, by what apprise's log says of it (first match wins).
_REASONS = (
    ("Connection refused", "连接被拒绝"),
    ("timed out", f"超时（{TIMEOUT:g} 秒）"),
    ("Name or service not known", "域名无法解析"),
    ("NameResolutionError", "域名无法解析"),
    ("Temporary failure in name resolution", "域名无法解析"),
    ("CERTIFICATE_VERIFY_FAILED", "TLS 证书校验失败"),
    ("SSLError", "TLS 握手失败"),
)
_HTTP_STATUS = re.compile(r"error=(\d{3})")


@dataclass
class NotifyResult:
    """How many URLs got the digest, and one line for each that did not."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed}


def masked(url: str) -> str:
    """``url`` with its password (``user:password@``, ``?pass=…``) shown as ***."""
    url = _USERINFO_PASSWORD.sub(lambda m: f"{m.group(1)}:***@", url)
    return _QUERY_SECRET.sub(lambda m: m.group(1) + "***", url)


def usable(url: str) -> bool:
    """Whether apprise can build a service from ``url`` (its scheme known, its parts valid)."""
    import apprise

    with _apprise_log():
        return apprise.Apprise.instantiate(url) is not None


def notify(
    settings: Settings,
    sweep_id: int,
    engine: Engine,
    titles: Mapping[str, str] | None = None,
) -> NotifyResult:
    """Send sweep ``sweep_id``'s digest to every ``settings.notify_urls``; record on the
    sweep's row what was sent. ``titles`` are pack titles for the categories (the shipped
    ones are known without it). Never raises."""
    result = NotifyResult()
    urls = list(settings.notify_urls)
    try:
        with db.session_scope(engine, read_only=True) as s:
            message = digest(s, sweep_id, settings.notify_min_severity, titles=titles)
    except Exception as exc:  # noqa: BLE001 - a notification must not end the sweep badly
        result.failed = len(urls)
        _say(result, f"通知未发送：无法生成巡查 {sweep_id} 的摘要（{_one_line(exc)}）")
        message = None
    for url in urls if message is not None else ():
        reason = _send(url, message)
        if reason is None:
            result.sent += 1
        else:
            result.failed += 1
            _say(result, f"通知发送失败：{masked(url)}（{reason}）")
    try:
        with db.session_scope(engine) as s:
            history.add_stats(s, sweep_id, {"notified": result.to_dict()})
    except Exception as exc:  # noqa: BLE001
        _say(result, f"通知结果未能记入巡查 {sweep_id}：{_one_line(exc)}")
    return result


def _send(url: str, message: Digest) -> str | None:
    """Send ``message`` to ``url``; None when it was accepted, else why not, in Chinese."""
    import apprise

    kind = (
        apprise.NotifyType.FAILURE
        if not message.ok
        else apprise.NotifyType.WARNING
        if message.leads
        else apprise.NotifyType.INFO
    )
    with _apprise_log() as log:
        try:
            service = apprise.Apprise.instantiate(url)
            if service is None:
                return "apprise 无法使用这个网址"
            service.socket_connect_timeout = min(service.socket_connect_timeout, TIMEOUT)
            service.socket_read_timeout = min(service.socket_read_timeout, TIMEOUT)
            sender = apprise.Apprise()
            sender.add(service)
            sent = sender.notify(
                body=message.body,
                title=message.title,
                notify_type=kind,
                body_format=apprise.NotifyFormat.TEXT,
            )
        except Exception as exc:  # noqa: BLE001 - a plugin's bug is one more failed URL
            return _one_line(exc)
    return None if sent else _reason(log)


def _reason(log: list[tuple[int, str]]) -> str:
    """What went wrong, from apprise's log of the attempt."""
    text = "\n".join(line for _, line in log)
    for marker, reason in _REASONS:
        if marker in text:
            return reason
    status = _HTTP_STATUS.search(text)
    if status:
        return f"HTTP {status.group(1)}"
    warnings = [line for level, line in log if level >= logging.WARNING]
    return _one_line(warnings[-1]) if warnings else "服务未接受"


@contextmanager
def _apprise_log() -> Iterator[list[tuple[int, str]]]:
    """apprise's log lines of the block, kept from stderr and from the sweep's log handlers
    (the failure is said once, in Chinese, by ``notify``)."""
    logger = logging.getLogger("apprise")
    lines: list[tuple[int, str]] = []
    handler = _Collect(lines)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


class _Collect(logging.Handler):
    def __init__(self, lines: list[tuple[int, str]]) -> None:
        super().__init__(logging.DEBUG)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, record.getMessage()))


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]


def _say(result: NotifyResult, line: str) -> None:
    line = escape_controls(line)
    result.errors.append(line)
    print(line, file=sys.stderr, flush=True)
