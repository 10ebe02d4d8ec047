"""Which sweeps are running: one at a time per platform, and a killed one does not stay so.

A sweep row records its owner (host and process id) when it starts. A process killed with
SIGKILL or by a reboot cannot finish its row, so whoever starts the next sweep of the
platform looks: a running row whose process is gone is marked ``interrupted`` (close reason
``killed``); one whose process still runs on this host refuses the new sweep, since two
crawls of one platform would only race each other. A row of another host is trusted to be
alive (we cannot look) unless it is older than ``STALE_AFTER``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import StoreError
from store.models import Platform, Sweep, SweepKind, SweepStatus, utcnow
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
    still = settle_abandoned(s, platform_code)
    if still:
        other = still[0]
        owner = other.stats.get("owner", {})
        raise StoreError(
            f"a sweep of platform {platform_code!r} is already running (sweep {other.id}, "
            f"process {owner.get('pid', '?')} on {owner.get('host', '?')}, started "
            f"{other.started_at:%Y-%m-%d %H:%M} UTC); wait for it to end"
        )
    sweep = start_sweep(s, platform_code, platform_name, base_url, profile, pack_versions)
    sweep.stats = {"owner": this_process()}
    s.flush()
    return sweep
