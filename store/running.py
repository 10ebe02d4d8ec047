"""Which sweeps are running: one at a time per platform, and a killed one does not stay so.

A sweep row records its owner (host and process id) when it starts. A process killed with
SIGKILL or by a reboot cannot finish its row, so whoever starts the next sweep of the
platform looks: a running row whose process is gone is marked ``interrupted`` (close reason
``killed``); one whose process still runs on this host refuses the new sweep, since two
crawls of one platform would only race each other. A row of another host is trusted to be
alive (we cannot look) unless it is older than ``STALE_AFTER``.

``resume_sweep`` reopens the platform's last sweep when it was interrupted, and says what it
had already stored, so that ``wangjian sweep --resume`` fetches only the rest.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import StoreError
from store.models import Listing, Platform, Shop, Sweep, SweepKind, SweepStatus, utcnow
from store.sweeps import start_sweep

STALE_AFTER = timedelta(days=2)


def this_process() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def alive(owner: Mapping[str, Any] | None) -> bool | None:
    """Whether the owning process still runs; None when it is on another host (unknown)."""
    if not owner or "pid" not in owner:
        return False
    if owner.get("host") != socket.gethostname():
        return None
    try:
        os.kill(int(owner["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process of that id: it runs
    return True


def settle_abandoned(s: Session, platform_code: str) -> list[Sweep]:
    """Mark the platform's running sweeps whose process is gone as interrupted; return the
    ones still running."""
    running = s.scalars(
        select(Sweep)
        .join(Platform)
        .where(
            Platform.code == platform_code,
            Sweep.status == SweepStatus.running,
            Sweep.kind == SweepKind.sweep,
        )
        .with_for_update()
    ).all()
    still = []
    for sweep in running:
        state = alive(sweep.stats.get("owner"))
        if state is None and utcnow() - sweep.started_at < STALE_AFTER:
            state = True
        if state:
            still.append(sweep)
            continue
        sweep.status = SweepStatus.interrupted
        sweep.finished_at = utcnow()
        sweep.stats = {**sweep.stats, "close_reason": "killed"}
    s.flush()
    return still


def _refuse_if_running(s: Session, platform_code: str) -> None:
    still = settle_abandoned(s, platform_code)
    if still:
        other = still[0]
        owner = other.stats.get("owner", {})
        raise StoreError(
            f"a sweep of platform {platform_code!r} is already running (sweep {other.id}, "
            f"process {owner.get('pid', '?')} on {owner.get('host', '?')}, started "
            f"{other.started_at:%Y-%m-%d %H:%M} UTC); wait for it to end"
        )


def begin_sweep(
    s: Session,
    platform_code: str,
    platform_name: str,
    base_url: str,
    profile: Any,
    pack_versions: Mapping[str, str],
) -> Sweep:
    """A new running sweep of the platform owned by this process; StoreError if another
    sweep of it is running."""
    _refuse_if_running(s, platform_code)
    sweep = start_sweep(s, platform_code, platform_name, base_url, profile, pack_versions)
    sweep.stats = {"owner": this_process()}
    s.flush()
    return sweep


@dataclass
class Resume:
    """An interrupted sweep reopened, and what it had stored before it stopped."""

    sweep_id: int
    listings: set[str] = field(default_factory=set)  # external ids of listings it stored
    shops: set[str] = field(default_factory=set)  # external ids of shops whose page it stored
    shop_urls: list[str] = field(default_factory=list)  # shops its listings name, not yet read


def resume_sweep(s: Session, platform_code: str) -> Resume:
    """Reopen the platform's last sweep, which must have been interrupted (or killed)."""
    _refuse_if_running(s, platform_code)
    last = s.scalars(
        select(Sweep)
        .join(Platform)
        .where(Platform.code == platform_code, Sweep.kind == SweepKind.sweep)
        .order_by(Sweep.id.desc())
        .limit(1)
    ).first()
    if last is None or last.status != SweepStatus.interrupted:
        what = f"sweep {last.id} is {last.status}" if last else "it has no sweep yet"
        raise StoreError(f"nothing to resume for platform {platform_code!r}: {what}")
    resumed = int(last.stats.get("resumed", 0)) + 1
    last.status, last.finished_at = SweepStatus.running, None
    last.stats = {**last.stats, "owner": this_process(), "resumed": resumed}
    listings = s.execute(
        select(Listing.external_id, Listing.shop_id).where(Listing.last_sweep_id == last.id)
    ).all()
    read = s.execute(
        select(Shop.id, Shop.external_id).where(
            Shop.last_sweep_id == last.id,
            Shop.fetched_at.is_not(None),
            Shop.fetched_at >= last.started_at,
        )
    ).all()
    read_ids = {shop_id for shop_id, _ in read}
    wanted = {shop_id for _, shop_id in listings if shop_id is not None} - read_ids
    urls = s.scalars(select(Shop.url).where(Shop.id.in_(wanted), Shop.url != "")).all()
    s.flush()
    return Resume(
        sweep_id=last.id,
        listings={external_id for external_id, _ in listings},
        shops={external_id for _, external_id in read},
        shop_urls=sorted(urls),
    )
