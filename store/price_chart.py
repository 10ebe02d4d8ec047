"""The price history of a price hit, drawn: a PNG chart for the referral dossier and a
one-line sparkline for the terminal.

Both read the evidence a price-history check keeps (``rules.price_checks._evidence``)::

    {"check": "reference_price" | "raise_then_discount" | "price_gouging",
     "window": {"kind", "name", "start", "end"} | None,
     "basis": {"from": iso, "to": iso, "observations": n,
               "lowest" | "before" + "raised" | "typical": yuan},
     "history": [{"at": iso, "price": yuan | None, "original_price": yuan | None}, ...]}

The chart is drawn with matplotlib's object API on the Agg canvas (no pyplot, no global
state) in a CJK font found through matplotlib's font list or fontconfig; the same evidence
and title give the same bytes, so a chart's hash in a packet manifest can be checked again.
Characters the font cannot draw (emoji in a seller's title) are drawn as □, control
characters are dropped: a chart never warns of a missing glyph.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rules.prices import BEIJING
from store.errors import StoreError

#: The sparkline's levels, lowest first.
BLOCKS = "▁▂▃▄▅▆▇█"
#: The level of a series whose prices are all the same (within a cent).
FLAT = "▄"
CENT = 0.005
#: Families tried in order; then any font fontconfig says covers Chinese.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
)
WINDOW_LABELS = {"promotion": "促销", "emergency": "应急"}
CHECK_LABELS = {
    "reference_price": "虚构原价",
    "raise_then_discount": "先涨价后打折",
    "price_gouging": "哄抬价格",
}
#: The figures of a basis, in the order shown; the first present is the reference line.
FIGURE_LABELS = {
    "lowest": "最低价",
    "before": "提价前价格",
    "typical": "常见价",
    "raised": "提价后价格",
}
TITLE_CHARS = 48
SIZE_INCHES, DPI = (9.0, 4.8), 100  # 900 × 480 pixels


class ChartError(StoreError):
    """A chart cannot be drawn: no CJK font installed."""


# -- reading the evidence ------------------------------------------------------------------


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _local(at: datetime) -> datetime:
    """Beijing wall time, naive: what the chart's date axis shows."""
    return at.astimezone(BEIJING).replace(tzinfo=None)


def _yuan(value: float) -> str:
    return f"¥{value:,.2f}"


def _history(evidence: dict[str, Any]) -> list[tuple[datetime, float | None, float | None]]:
    points = []
    for p in evidence.get("history") or []:
        points.append((_instant(p["at"]), p.get("price"), p.get("original_price")))
    return points


def _basis_span(basis: dict[str, Any]) -> tuple[datetime, datetime] | None:
    if not basis.get("from") or not basis.get("to"):
        return None
    return _instant(basis["from"]), _instant(basis["to"])


def _window_span(window: dict[str, Any]) -> tuple[datetime, datetime]:
    """The window's days, [first day 00:00, the day after its last) in Beijing time, naive."""
    start = datetime.combine(date.fromisoformat(window["start"]), time.min)
    end = datetime.combine(date.fromisoformat(window["end"]), time.min) + timedelta(days=1)
    return start, end


def _window_label(window: dict[str, Any]) -> str:
    return f"{WINDOW_LABELS.get(window.get('kind', ''), '窗口')} {window['name']}"


def _figures(basis: dict[str, Any]) -> list[tuple[str, float]]:
    return [(label, basis[key]) for key, label in FIGURE_LABELS.items() if key in basis]


# -- the terminal --------------------------------------------------------------------------


def sparkline(prices: Sequence[float | None], width: int = 24) -> str:
    """One line of blocks, one per price, ▁ the lowest and █ the highest.

    - A price is put at level ``int((p - lowest) / (highest - lowest) * 7 + 0.5)`` of
      ``▁▂▃▄▅▆▇█`` (rounded half up).
    - ``None`` (a sighting without a price) is a space.
    - All prices within a cent of each other: every priced point is ``▄``.
    - More than ``width`` prices: ``width`` blocks, block ``i`` standing for prices
      ``[i*n//width, (i+1)*n//width)`` by their mean (a space if none of them has a price).
    - No prices: the empty string.
    """
    if width < 1:
        raise ValueError(f"a sparkline is at least 1 wide, not {width}")
    values: list[float | None] = list(prices)
    n = len(values)
    if n > width:
        resampled: list[float | None] = []
        for i in range(width):
            bucket = [v for v in values[i * n // width : (i + 1) * n // width] if v is not None]
            resampled.append(sum(bucket) / len(bucket) if bucket else None)
        values = resampled
    priced = [v for v in values if v is not None]
    if not priced:
        return " " * len(values)
    lowest, highest = min(priced), max(priced)
    if highest - lowest < CENT:
        return "".join(" " if v is None else FLAT for v in values)
    span = highest - lowest
    return "".join(
        " " if v is None else BLOCKS[int((v - lowest) / span * (len(BLOCKS) - 1) + 0.5)]
        for v in values
    )


def _turns(prices: list[float]) -> list[float]:
    """The first price, the highest and the lowest in the order they were first seen, and the
    last; a price equal to the one before it is said once."""
    if not prices:
        return []
    marks = {0, prices.index(max(prices)), prices.index(min(prices)), len(prices) - 1}
    said: list[float] = []
    for i in sorted(marks):
        if not said or abs(said[-1] - prices[i]) >= CENT:
            said.append(prices[i])
    return said


def price_lines(evidence: dict[str, Any] | None) -> list[str]:
    """What a terminal shows of a price hit (empty if the evidence holds no history): the
    trend (first and last day, ``sparkline``, the first, highest, lowest and last prices in
    the order seen), the window if any, and the basis period with its figures and the price
    of the sighting itself, e.g.::

        价格走势 11-01…11-11  ▁▁▁███████▁  ¥100.00 → ¥150.00 → ¥102.00
        促销 双11（2026-11-11至2026-11-11）
        比较期 10-28至11-10（观测 10 次）：提价前价格 ¥100.00，提价后价格 ¥150.00；…
    """
    if not evidence or not evidence.get("history"):
        return []
    history = _history(evidence)
    days = [f"{at.astimezone(BEIJING):%m-%d}" for at, _, _ in history]
    span = days[0] if days[0] == days[-1] else f"{days[0]}…{days[-1]}"
    prices = [p for _, p, _ in history]
    turns = " → ".join(_yuan(p) for p in _turns([p for p in prices if p is not None]))
    lines = [f"价格走势 {span}  {sparkline(prices)}  {turns}".rstrip()]
    window = evidence.get("window")
    if window:
        lines.append(f"{_window_label(window)}（{window['start']}至{window['end']}）")
    basis = evidence.get("basis") or {}
    period = _basis_span(basis)
    if period is not None:
        since, until = period
        last_day = until - timedelta(seconds=1)
        text = (
            f"比较期 {since.astimezone(BEIJING):%m-%d}至{last_day.astimezone(BEIJING):%m-%d}"
            f"（观测 {basis.get('observations', 0)} 次）"
        )
        figures = "，".join(f"{label} {_yuan(v)}" for label, v in _figures(basis))
        _, price, original = history[-1]
        now = f"本次售价 {_yuan(price)}" if price is not None else ""
        if now and original is not None:
            now += f"（划线价 {_yuan(original)}）"
        lines.append(text + "：" + "；".join(x for x in (figures, now) if x))
    return lines


# -- the chart -----------------------------------------------------------------------------


def _fontconfig_chinese() -> list[str]:
    """Font files fontconfig says cover Chinese, if fontconfig is installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        listed = subprocess.run(
            [fc_list, ":lang=zh-cn", "file"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":")[0].strip() for line in listed.splitlines() if line.strip()})


@functools.cache
def cjk_font() -> tuple[str, frozenset[int]]:
    """The family the charts are drawn in and the characters it has."""
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    def found(family: str) -> tuple[str, frozenset[int]] | None:
        try:
            path = font_manager.findfont(FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            return None
        return family, frozenset(font_manager.get_font(path).get_charmap())

    for family in CJK_FAMILIES:
        if (hit := found(family)) is not None:
            return hit
    # A font installed after matplotlib built its font cache: take it from fontconfig.
    for path in _fontconfig_chinese():
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
        families = sorted(
            {f.name for f in font_manager.fontManager.ttflist if f.fname == path},
            key=lambda name: (" SC" not in name, name),
        )
        for family in families:
            if (hit := found(family)) is not None and ord("价") in hit[1]:
                return hit
    raise ChartError(
        "no CJK font for the price chart: install Noto Sans CJK "
        "(make system, or apt-get install fonts-noto-cjk)"
    )


def _drawable(text: str, glyphs: frozenset[int]) -> str:
    """``text`` as the font can draw it: controls dropped, line breaks as spaces, characters
    without a glyph as □."""
    out = []
    for ch in text:
        kind = unicodedata.category(ch)
        if ch in "\t\n\r" or kind in ("Zl", "Zp"):
            out.append(" ")
        elif kind.startswith("C"):
            continue
        else:
            out.append(ch if ord(ch) in glyphs else "□")
    return "".join(out)


def _plain(text: str) -> str:
    """Text that matplotlib must not read as mathtext (``$…$``)."""
    return text.replace("$", r"\$")


def chart_png(evidence: dict[str, Any], title: str) -> bytes:
    """The price history of a price hit as a PNG (900 × 480): the price charged as a step
    line with a marker per sighting, the 划线价 points, the promotion or emergency shaded with
    its name, the basis period shaded and its reference price (最低价, 提价前价格, 常见价) as a
    dashed line with its figure; dates in Beijing time; titled with the listing's title."""
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    family, glyphs = cjk_font()

    def font(size: float = 9) -> FontProperties:
        return FontProperties(family=family, size=size)

    def text(value: str) -> str:
        return _plain(_drawable(value, glyphs))

    history = _history(evidence)
    if not history:
        raise ValueError("the evidence holds no price history to draw")
    at = [_local(t) for t, _, _ in history]
    price = [float("nan") if p is None else p for _, p, _ in history]
    original = [float("nan") if o is None else o for _, _, o in history]

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    left, right = at[0], at[-1]

    window = evidence.get("window")
    if window:
        start, end = _window_span(window)
        color = "#f4a261" if window.get("kind") == "promotion" else "#e76f51"
        days = f"{start:%m-%d}至{end - timedelta(days=1):%m-%d}"
        label = text(f"{_window_label(window)}（{days}）")
        ax.axvspan(start, end, color=color, alpha=0.22, lw=0, label=label)
        # A window running on past the last sighting is shaded to the chart's edge.
        left, right = min(left, start), max(right, min(end, at[-1] + timedelta(days=1)))
    basis = evidence.get("basis") or {}
    period = _basis_span(basis)
    if period is not None:
        since, until = (_local(t) for t in period)
        ax.axvspan(
            since,
            until,
            facecolor="#adb5bd",
            alpha=0.22,
            lw=0,
            label=f"比较期（观测 {basis.get('observations', 0)} 次）",
        )
        left, right = min(left, since), max(right, until)
        for n, (label, value) in enumerate(_figures(basis)):
            if n == 0:
                ax.axhline(value, color="#2a9d8f", ls="--", lw=1.2, label=f"{label} {_yuan(value)}")
            else:
                ax.hlines(value, since, until, color="#6c757d", ls=":", lw=1.2)
                ax.annotate(
                    f"{label} {_yuan(value)}",
                    (since, value),
                    xytext=(2, 3),
                    textcoords="offset points",
                    fontproperties=font(8),
                    color="#495057",
                )

    ax.step(at, price, where="post", color="#1d3557", lw=1.6, label="售价")
    ax.plot(at, price, ls="none", marker="o", ms=4, color="#1d3557")
    if any(o == o for o in original):  # not all NaN
        ax.plot(at, original, ls="none", marker="_", ms=12, mew=2, color="#c1121f", label="划线价")
    if history[-1][1] is not None:
        ax.plot(at[-1], price[-1], ls="none", marker="o", ms=8, mfc="none", mec="#c1121f", mew=1.5)
        top = price[-1] >= max(p for p in price if p == p)  # below the highest, above others
        ax.annotate(
            f"本次 {_yuan(price[-1])}",
            (at[-1], price[-1]),
            xytext=(-8, -14 if top else 6),
            textcoords="offset points",
            ha="right",
            fontproperties=font(8),
            color="#c1121f",
        )

    pad = max(right - left, timedelta(days=1)) / 40
    ax.set_xlim(left - pad, right + pad)
    days = max(1, (right - left).days)
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, -(-days // 12))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.tick_params(labelfontfamily=family, labelsize=8)
    ax.set_xlabel("日期（北京时间）", fontproperties=font())
    ax.set_ylabel("价格（元）", fontproperties=font())
    ax.grid(True, color="#dee2e6", lw=0.6)
    ax.set_axisbelow(True)
    shown = _drawable(title, glyphs)
    if len(shown) > TITLE_CHARS:
        shown = shown[: TITLE_CHARS - 1] + "…"
    check = CHECK_LABELS.get(evidence.get("check", ""), evidence.get("check", ""))
    ax.set_title(f"{shown}\n价格走势（{check}）", fontproperties=font(11), parse_math=False)
    ax.legend(loc="best", prop=font(8), framealpha=0.9)

    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()
