"""Distributed sweeps: workers on one machine or many share one frontier in Redis.

``wangjian sweep PROFILE --distributed`` on every machine: the frontier (the scheduler's
queue) and the duplicate filter live in Redis through scrapy-redis, and every worker writes
to the same PostgreSQL database. What plain scrapy-redis lacks is added here:

- **One sweep row.** The first worker opens the sweep as a sweep on one machine does
  (``store.running.begin_sweep``) and keeps its id in Redis under the platform's key; the
  others, under the same Redis lock, find it and join. Every worker yields the start
  requests; the shared duplicate filter lets each into the frontier once.
- **A reliable queue.** A pop moves the request, in one Lua script, from the frontier into
  the worker's *processing* set, and a worker keeps a *lease* key that expires unless its
  heartbeat renews it. A request is acknowledged (removed from processing) once the engine
  has finished it: its response read, the requests it led to in the frontier, its items
  through the pipelines, the store's among them, which acknowledges an item only after its
  commit. A worker killed with SIGKILL stops renewing its lease; the next worker to look
  puts what it held back into the frontier.
- **An end.** A sweep is done when the frontier is empty and no worker holds a request. An
  idle worker does not close before that (``spider_idle`` + ``DontCloseSpider``, polled), nor
  before every other live worker has seen it too; each leaves with its counts, and the last
  one to leave finishes the sweep row with everyone's counts (the store pipeline's
  ``WANGJIAN_SWEEP_FINISH`` hook).

Requests travel pickled (scrapy-redis' default serialiser, callbacks by name): Redis must be
reachable by the workers only. Keys: ``<prefix>:<platform>:sweep`` (the running sweep),
``…:lock``, and per sweep ``<prefix>:{<platform>:<id>}:queue|seen|seq|workers|closing|stats``,
``…:lease:<worker>``, ``…:processing:<worker>`` (one hash slot a sweep, for Redis Cluster).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from sqlalchemy import select
from twisted.internet import task

from crawler.settings import Settings, SettingsError
from store import db, running
from store.models import Platform, Sweep, SweepKind, SweepStatus, utcnow

logger = logging.getLogger(__name__)

#: How long a finished sweep's "finished" mark stays (a late worker must not reopen it).
FINISHED_TTL_S = 7 * 24 * 3600
#: Requests taken from the frontier in one round trip (the engine asks for several at once).
TAKE_AT_ONCE = 4
#: Scrapy priorities are clamped to this, so that priority and order fit one float score.
MAX_PRIORITY = 4000

#: Put back the requests of every worker whose lease has expired (a Lua function).
_REAP = """
local function reap(queue, workers, closing, base)
  local moved = 0
  for _, w in ipairs(redis.call('SMEMBERS', workers)) do
    if redis.call('EXISTS', base .. 'lease:' .. w) == 0 then
      local p = base .. 'processing:' .. w
      local held = redis.call('ZRANGE', p, 0, -1, 'WITHSCORES')
      for i = 1, #held, 2 do
        redis.call('ZADD', queue, held[i + 1], held[i])
        moved = moved + 1
      end
      redis.call('DEL', p)
      redis.call('SREM', workers, w)
      redis.call('SREM', closing, w)
    end
  end
  return moved
end
"""
#: KEYS queue seen seq; ARGV fingerprint ('' for dont_filter), priority, request.
#: Seen and queued together: a worker killed between the two would lose the request.
#: Higher priority first, and the newest first within a priority, as Scrapy's own queue.
#: Returns whether it was queued, and how many are queued.
PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
  return {0, redis.call('ZCARD', KEYS[1])}
end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], -tonumber(ARGV[2]) * 1099511627776 - seq, ARGV[3])
return {1, redis.call('ZCARD', KEYS[1])}
"""
#: KEYS queue processing lease workers; ARGV lease_ms worker count done…: acknowledge what
#: is done, renew the lease, move up to ``count`` next requests into processing. Returns
#: how many stay queued, then the requests.
TAKE = """
if #ARGV > 3 then redis.call('ZREM', KEYS[2], unpack(ARGV, 4)) end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
local got = redis.call('ZPOPMIN', KEYS[1], ARGV[3])
local out = {redis.call('ZCARD', KEYS[1])}
for i = 1, #got, 2 do
  redis.call('ZADD', KEYS[2], got[i + 1], got[i])
  out[#out + 1] = got[i]
end
return out
"""
#: KEYS pointer finished workers; ARGV sweep_id base worker lease_ms: join a running sweep.
JOIN = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('SET', ARGV[2] .. 'lease:' .. ARGV[3], '1', 'PX', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[3])
return 1
"""
#: KEYS queue workers closing; ARGV base worker lease_ms: an idle worker's look at the sweep.
SETTLE = (
    _REAP
    + """
redis.call('SET', ARGV[1] .. 'lease:' .. ARGV[2], '1', 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
local moved = reap(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
local queued = redis.call('ZCARD', KEYS[1])
local held = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  held = held + redis.call('ZCARD', ARGV[1] .. 'processing:' .. w)
end
if queued == 0 and held == 0 then redis.call('SADD', KEYS[3], ARGV[2]) end
return {moved, queued, held, #redis.call('SDIFF', KEYS[2], KEYS[3])}
"""
)
#: KEYS queue workers closing stats finished pointer seen seq; ARGV base worker part
#: sweep_id ttl: leave with this worker's counts; the last to leave gets everyone's.
LEAVE = (
    _REAP
    + """
local mine = ARGV[1] .. 'processing:' .. ARGV[2]
local held = redis.call('ZRANGE', mine, 0, -1, 'WITHSCORES')
for i = 1, #held, 2 do redis.call('ZADD', KEYS[1], held[i + 1], held[i]) end
redis.call('DEL', mine, ARGV[1] .. 'lease:' .. ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[2])
reap(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
if redis.call('SCARD', KEYS[2]) > 0 then return false end
if not redis.call('SET', KEYS[5], '1', 'NX', 'EX', ARGV[5]) then return false end
if redis.call('GET', KEYS[6]) == ARGV[4] then redis.call('DEL', KEYS[6]) end
local everyone = redis.call('HGETALL', KEYS[4])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[7], KEYS[8])
return everyone
"""
)


class DistributedError(SettingsError):
    """Redis cannot be used for a distributed sweep (one line, naming the setting)."""


def masked(url: str) -> str:
    """A Redis URL without its password, for messages and the sweep row."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else ""
    )
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class State:
    """What an idle worker saw: requests put back, queued, held by workers, workers not
    yet done."""

    moved: int
    queued: int
    held: int
    waiting: int

    @property
    def finished(self) -> bool:
        return self.queued == 0 and self.held == 0 and self.waiting == 0


class Frontier:
    """The Redis keys of one platform's distributed sweeps, as seen by one worker."""

    def __init__(
        self,
        server: redis.Redis,
        url: str,
        prefix: str,
        platform: str,
        worker: str,
        lease_s: float,
        sweep_id: int | None = None,
    ) -> None:
        self.server, self.url, self.prefix, self.platform = server, url, prefix, platform
        self.worker, self.lease_s, self.sweep_id = worker, lease_s, sweep_id
        self.lease_ms = max(1, int(lease_s * 1000))
        self._scripts = {
            name: server.register_script(source)
            for name, source in (
                ("push", PUSH),
                ("take", TAKE),
                ("join", JOIN),
                ("settle", SETTLE),
                ("leave", LEAVE),
            )
        }

    @classmethod
    def connect(cls, info: dict[str, Any]) -> Frontier:
        """A frontier from ``info`` (``Frontier.info``: plain values, as Scrapy settings
        carry them); DistributedError when Redis does not answer."""
        server = redis.Redis.from_url(
            info["url"], socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True
        )
        try:
            server.ping()
        except redis.RedisError as exc:
            raise DistributedError(
                f"WANGJIAN_REDIS_URL: cannot use Redis at {masked(info['url'])}: {exc}"
            ) from None
        return cls(
            server,
            info["url"],
            info["prefix"],
            info["platform"],
            info["worker"],
            info["lease_s"],
            info.get("sweep_id"),
        )

    @classmethod
    def of(cls, settings: Settings, platform: str) -> Frontier:
        worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        return cls.connect(
            {
                "url": settings.redis_url,
                "prefix": settings.redis_prefix,
                "platform": platform,
                "worker": worker,
                "lease_s": settings.redis_lease_s,
            }
        )

    @property
    def info(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "prefix": self.prefix,
            "platform": self.platform,
            "worker": self.worker,
            "lease_s": self.lease_s,
            "sweep_id": self.sweep_id,
        }

    @property
    def identity(self) -> str:
        """The owner a distributed sweep row names: this Redis and prefix, not a process."""
        return f"redis {masked(self.url)} {self.prefix}"

    def platform_key(self, name: str) -> str:
        return f"{self.prefix}:{self.platform}:{name}"

    @property
    def base(self) -> str:
        return f"{self.prefix}:{{{self.platform}:{self.sweep_id}}}:"

    def key(self, name: str) -> str:
        return self.base + name

    # -- joining ----------------------------------------------------------------------------

    @contextmanager
    def opening(self):
        """One worker at a time decides whether to open a sweep or join the running one."""
        lock = self.server.lock(self.platform_key("lock"), timeout=120, blocking_timeout=120)
        if not lock.acquire():
            raise DistributedError(f"Redis lock {self.platform_key('lock')} not released")
        try:
            yield
        finally:
            lock.release()

    def current(self) -> int | None:
        """The platform's running distributed sweep, if Redis knows one."""
        value = self.server.get(self.platform_key("sweep"))
        return int(value) if value is not None else None

    def started(self, sweep_id: int) -> None:
        self.server.set(self.platform_key("sweep"), sweep_id)

    def join(self, sweep_id: int | None = None) -> bool:
        """Register this worker in the sweep (with a fresh lease); False once it has ended."""
        if sweep_id is not None:
            self.sweep_id = sweep_id
        keys = [self.platform_key("sweep"), self.key("finished"), self.key("workers")]
        args = [self.sweep_id, self.base, self.worker, self.lease_ms]
        return bool(self._scripts["join"](keys, args))

    # -- the queue --------------------------------------------------------------------------

    def push(self, member: bytes, priority: int, fingerprint: str | None) -> tuple[bool, int]:
        """Queue an encoded request unless its fingerprint was seen; whether it was queued,
        and how many are queued now."""
        priority = max(-MAX_PRIORITY, min(MAX_PRIORITY, priority))
        keys = [self.key("queue"), self.key("seen"), self.key("seq")]
        added, queued = self._scripts["push"](keys, [fingerprint or "", priority, member])
        return bool(added), queued

    def take(self, done: list[bytes], count: int = 1) -> tuple[list[bytes], int]:
        """Acknowledge ``done``; move up to ``count`` next requests into this worker's
        processing set: them, and how many stay queued."""
        keys = [
            self.key("queue"),
            self.key(f"processing:{self.worker}"),
            self.key(f"lease:{self.worker}"),
            self.key("workers"),
        ]
        queued, *members = self._scripts["take"](keys, [self.lease_ms, self.worker, count, *done])
        return members, queued

    def ack(self, done: list[bytes]) -> None:
        if done:
            self.server.zrem(self.key(f"processing:{self.worker}"), *done)

    def beat(self) -> None:
        """Renew this worker's lease (and its place among the workers, should it have been
        taken for dead during a long pause)."""
        with self.server.pipeline() as pipe:
            pipe.set(self.key(f"lease:{self.worker}"), 1, px=self.lease_ms)
            pipe.sadd(self.key("workers"), self.worker)
            pipe.execute()

    def settle(self) -> State:
        """Put back dead workers' requests; whether the sweep is done for every worker."""
        keys = [self.key("queue"), self.key("workers"), self.key("closing")]
        return State(*self._scripts["settle"](keys, [self.base, self.worker, self.lease_ms]))

    def leave(self, part: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
        """Leave the sweep with this worker's ``part`` (counts, failures, reason); for the
        last worker to leave, every worker's part by worker id (the keys are then gone)."""
        keys = [self.key(k) for k in ("queue", "workers", "closing", "stats", "finished")]
        keys += [self.platform_key("sweep"), self.key("seen"), self.key("seq")]
        text = json.dumps(part, ensure_ascii=False, default=str)
        args = [self.base, self.worker, text, self.sweep_id, FINISHED_TTL_S]
        everyone = self._scripts["leave"](keys, args)
        if not everyone:
            return None
        pairs = zip(everyone[::2], everyone[1::2], strict=True)
        return {worker.decode(): json.loads(value) for worker, value in pairs}

    def status(self) -> dict[str, Any]:
        """The running sweep's frontier, for ``wangjian sweep --distributed --status``."""
        sweep_id = self.current()
        if sweep_id is None:
            return {"platform": self.platform, "sweep_id": None}
        self.sweep_id = sweep_id
        workers = []
        for worker in sorted(w.decode() for w in self.server.smembers(self.key("workers"))):
            ttl = self.server.pttl(self.key(f"lease:{worker}"))
            held = self.server.zcard(self.key(f"processing:{worker}"))
            workers.append(
                {"worker": worker, "held": held, "lease_ms": max(ttl, 0), "alive": ttl > 0}
            )
        return {
            "platform": self.platform,
            "sweep_id": sweep_id,
            "queued": self.server.zcard(self.key("queue")),
            "seen": self.server.scard(self.key("seen")),
            "done": [w.decode() for w in self.server.smembers(self.key("closing"))],
            "workers": workers,
        }


def begin(frontier: Frontier, engine, row: dict[str, Any]) -> tuple[int, bool]:
    """Join the platform's running distributed sweep, or open one as a sweep on one machine
    opens (``running.begin_sweep``); the sweep's id and whether this worker opened it. Call
    it holding ``frontier.opening()``: the row is committed before the lock is let go, so
    that a worker joining finds it."""
    sweep_id = frontier.current()
    with db.session_scope(engine) as s:
        now = s.get(Sweep, sweep_id) if sweep_id is not None else None
        if now is not None and now.status == SweepStatus.running and frontier.join(sweep_id):
            return sweep_id, False
    with db.session_scope(engine) as s:
        _settle_lost(s, frontier)
        sweep = running.begin_sweep(
            s,
            row["platform"],
            row["platform_name"],
            row["base_url"],
            row["profile"],
            row["pack_versions"],
        )
        # Owned by the frontier, not by this process: the sweep goes on when the worker
        # that opened it dies.
        owner = {"host": frontier.identity, "pid": 0, "opened_by": running.this_process()}
        sweep.stats = {**sweep.stats, "owner": owner, "distributed": True}
        s.flush()
        sweep_id = sweep.id
    frontier.started(sweep_id)
    frontier.join(sweep_id)
    return sweep_id, True


def _settle_lost(s, frontier: Frontier) -> None:
    """A running distributed sweep of this Redis that Redis no longer knows (flushed,
    restarted without its data) cannot go on: it is marked interrupted."""
    rows = s.scalars(
        select(Sweep)
        .join(Platform)
        .where(
            Platform.code == frontier.platform,
            Sweep.status == SweepStatus.running,
            Sweep.kind == SweepKind.sweep,
        )
    ).all()
    for sweep in rows:
        if (sweep.stats or {}).get("owner", {}).get("host") == frontier.identity:
            sweep.status, sweep.finished_at = SweepStatus.interrupted, utcnow()
            sweep.stats = {**sweep.stats, "close_reason": "frontier_lost"}


# -- Scrapy components ----------------------------------------------------------------------


class ReliableQueue(PriorityQueue):
    """scrapy-redis' priority queue (its request encoding), with pops that are not lost."""

    def __init__(self, server, spider, key, serializer=None, frontier: Frontier | None = None):
        super().__init__(server, spider, key, serializer)
        assert frontier is not None
        self.frontier = frontier

    def push(self, request: Request, fingerprint: str | None = None) -> tuple[bool, int]:
        return self.frontier.push(self._encode_request(request), request.priority, fingerprint)

    def take(self, done: list[bytes], count: int = 1) -> tuple[list[tuple[Request, bytes]], int]:
        members, queued = self.frontier.take(done, count)
        return [(self._decode_request(m), m) for m in members], queued

    def pop(self, timeout: int = 0) -> Request | None:
        got, _ = self.take([])
        return got[0][0] if got else None


class SweepDupeFilter(RFPDupeFilter):
    """scrapy-redis' Redis set of fingerprints, with Scrapy's own fingerprints (a distributed
    sweep drops the same duplicates as one on one machine), kept when a worker closes: it
    belongs to the sweep, and the last worker deletes it."""

    def __init__(self, server, key: str, fingerprinter, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def from_crawler(cls, crawler) -> SweepDupeFilter:
        frontier = Frontier.connect(crawler.settings.getdict("WANGJIAN_DISTRIBUTED"))
        debug = crawler.settings.getbool("DUPEFILTER_DEBUG")
        return cls(frontier.server, frontier.key("seen"), crawler.request_fingerprinter, debug)

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        pass


class DistributedScheduler(Scheduler):
    """scrapy-redis' scheduler over a ``ReliableQueue``: acknowledges what the engine has
    finished, renews the lease, and keeps an idle worker open until the sweep is done."""

    def __init__(self, frontier: Frontier, crawler, dupefilter: SweepDupeFilter) -> None:
        super().__init__(frontier.server, persist=True, dupefilter=dupefilter)
        self.frontier, self.crawler, self.stats = frontier, crawler, crawler.stats
        self.held: dict[Request, bytes] = {}  # given to the engine, not yet acknowledged
        self.ready: deque[tuple[Request, bytes]] = deque()  # taken, not yet given
        self.queued = 0  # in the shared frontier at the last look
        self.poll_s = min(0.25, frontier.lease_s / 4)
        self.ended = False  # the sweep ended before this worker started
        self._beat: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler) -> DistributedScheduler:
        from scrapy import signals

        frontier = Frontier.connect(crawler.settings.getdict("WANGJIAN_DISTRIBUTED"))
        scheduler = cls(frontier, crawler, SweepDupeFilter.from_crawler(crawler))
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider) -> None:
        self.spider = spider
        self.queue = ReliableQueue(
            self.server, spider, self.frontier.key("queue"), self.serializer, self.frontier
        )
        if not self.frontier.join():
            self.ended = True
            logger.warning("sweep %s has ended before this worker started", self.frontier.sweep_id)
        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.start(self.frontier.lease_s / 3, now=False)

    def close(self, reason: str) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        self.frontier.ack(list(self._done().values()))  # what is still ready goes back

    def __len__(self) -> int:
        """Requests waiting, as last seen (every push and take says): no round trip for
        the engine's frequent question; an idle worker looks again anyway."""
        return 0 if self.ended else self.queued + len(self.ready)

    def has_pending_requests(self) -> bool:
        return len(self) > 0

    def enqueue_request(self, request: Request) -> bool:
        if self.ended:
            return False
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        added, self.queued = self.queue.push(request, fingerprint)
        if not added:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.ended:
            return None
        if not self.ready:
            done = self._done()
            try:
                taken, self.queued = self.queue.take(list(done.values()), TAKE_AT_ONCE)
            except BaseException:
                self.held.update(done)  # not acknowledged: acknowledged next time
                raise
            self.ready.extend(taken)
        if not self.ready:
            return None
        request, member = self.ready.popleft()
        self.held[request] = member
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _done(self) -> dict[Request, bytes]:
        """The requests this worker took that the engine has finished with: no longer in
        progress means downloaded, called back, followed and its items through the
        pipelines (Scrapy's engine keeps a request in progress until then)."""
        busy = _engine_slot(self.crawler).inprogress
        return {r: self.held.pop(r) for r in [r for r in self.held if r not in busy]}

    def _heartbeat(self) -> None:
        try:
            self.frontier.ack(list(self._done().values()))
            self.frontier.beat()
        except redis.RedisError as exc:  # the next beat tries again; the lease may lapse
            logger.warning("distributed heartbeat failed: %s", exc)

    def spider_idle(self, spider) -> None:
        """Close only when the sweep is done: the frontier empty, no worker holding a
        request, every live worker done too. Until then look again every ``poll_s``."""
        if self.ended:
            return
        self.stats.inc_value("wangjian/distributed/idle")
        self.frontier.ack(list(self._done().values()))
        state = self.frontier.settle()
        if state.moved:
            self.stats.inc_value("wangjian/distributed/requeued", state.moved)
            logger.warning("%d requests of a worker gone silent put back", state.moved)
        if state.finished:
            return
        from twisted.internet import reactor

        reactor.callLater(self.poll_s, _wake, self.crawler)
        raise DontCloseSpider


def _engine_slot(crawler):
    """The engine's slot (its requests in progress, its next-call): Scrapy has no public
    name for either (checked with Scrapy 2.19; tests/test_distributed.py fails if it goes)."""
    slot = getattr(crawler.engine, "_slot", None)
    if slot is None or not hasattr(slot, "inprogress"):
        raise RuntimeError("this Scrapy's engine keeps no _slot.inprogress: update distributed")
    return slot


def _wake(crawler) -> None:
    """Ask the engine for requests now (it would otherwise wait for its 5 s heartbeat)."""
    slot = getattr(crawler.engine, "_slot", None) if crawler.engine else None
    if slot is not None:
        slot.nextcall.schedule()


# -- leaving --------------------------------------------------------------------------------


#: Counts that are not added up over workers.
_LARGEST = {"memusage/max", "memusage/startup", "wangjian/delay_s", "elapsed_time_seconds"}


def merge_stats(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Every worker's Scrapy stats as one sweep's: counts added up, the earliest start and
    latest finish, peaks as the largest; anything else as the last part says."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if hasattr(value, "isoformat"):  # as JSON carried the other workers' times
                value = value.isoformat()
            old = merged.get(key)
            if old is None or key == "wangjian/sweep_id":
                merged[key] = value
            elif key == "start_time":
                merged[key] = min(old, value)
            elif key == "finish_time" or key in _LARGEST:
                merged[key] = max(old, value) if type(old) is type(value) else value
            elif _number(value) and _number(old):
                merged[key] = old + value
            else:
                merged[key] = value
    return merged


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class LastWorker:
    """The store pipeline's ``WANGJIAN_SWEEP_FINISH`` hook: this worker leaves the sweep;
    only the last to leave finishes the row, with everyone's counts and failures. The
    runner reads ``last`` and ``others`` after the crawl."""

    info: dict[str, Any]
    last: bool = False
    others: list[dict[str, Any]] = field(default_factory=list)  # the other workers' parts

    def __deepcopy__(self, memo) -> LastWorker:
        return self  # Scrapy copies its settings: the runner must see what the crawl set

    def __call__(
        self, stats: dict[str, Any], reason: str, failures: list[dict[str, str]]
    ) -> tuple[dict[str, Any], str, list[dict[str, str]]] | None:
        frontier = Frontier.connect(self.info)
        everyone = frontier.leave({"stats": stats, "reason": reason, "failures": failures})
        if everyone is None:
            return None
        self.last = True
        self.others = [part for w, part in everyone.items() if w != frontier.worker]
        merged = merge_stats([p["stats"] for p in self.others] + [stats])
        return merged, reason, [f for p in self.others for f in p["failures"]] + failures


def status(settings: Settings, platform: str) -> dict[str, Any]:
    """What Redis says of the platform's running distributed sweep."""
    return Frontier.of(settings, platform).status()
