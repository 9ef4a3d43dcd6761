"""SVG charts drawn on the server: stacked bars (with an optional rate line), horizontal
bars and a waterfall. No script, nothing fetched: the page works offline.

Every mark carries its exact figure in ``data-*`` attributes and a ``<title>`` (shown on
hover), so a reader, a screen reader and the browser test all see the number the JSON
endpoint gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#444444")
STATUS_COLORS = {
    "completed": "#009E73",
    "failed": "#D55E00",
    "processing": "#0072B2",
    "running": "#0072B2",
    "queued": "#999999",
    "cancelled": "#999999",
}
LINE_COLOR = "#222222"

Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str


@dataclass(frozen=True)
class Mark:
    """Something that happened inside a lane (a generation inside a node)."""

    start_ms: float
    duration_ms: float
    label: str


@dataclass(frozen=True)
class Lane:
    label: str
    start_ms: float
    duration_ms: float
    status: str
    detail: str
    marks: Sequence[Mark] = field(default_factory=tuple)


def count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def usd(value: float) -> str:
    return f"${value:,.4f}" if abs(value) < 10 else f"${value:,.2f}"


def usd_tick(value: float) -> str:
    return f"${value:,.2f}" if value == 0 or abs(value) >= 0.1 else f"${value:,.3f}"


def compact(value: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def percent(value: float) -> str:
    return f"{value:.1f}%"


def nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(value))
    return next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= value)


def colors(names: Sequence[str]) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def _attr(value: object) -> Markup:
    return escape(str(value))


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    parts, offset = [], x
    for name, color in items:
        parts.append(
            f'<g class="legend-item"><rect x="{offset:.1f}" y="{y - 9:.1f}" width="10" '
            f'height="10" fill="{color}"/><text x="{offset + 14:.1f}" y="{y:.1f}">'
            f"{escape(name)}</text></g>"
        )
        offset += 24 + 7 * len(name)
    return parts


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    fmt: Format = count,
    tick_fmt: Format | None = None,
    line: Series | None = None,
    line_label: str = "",
    width: int = 760,
    height: int = 280,
) -> Markup:
    """Bars stacked per category; ``line`` (0-100, a rate) drawn over them on a right axis."""
    left, right, top, bottom = 64, 52 if line else 16, 40, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(categories))]
    ceiling = nice_ceiling(max(totals, default=0))
    step = plot_w / max(len(categories), 1)
    bar_w = max(2.0, step * 0.7)
    y_of = lambda v: top + plot_h - plot_h * v / ceiling  # noqa: E731
    out = [
        f'<svg class="chart" data-chart="{_attr(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_attr(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = ceiling * i / 4
        y = y_of(value)
        out.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape((tick_fmt or fmt)(value))}</text>"
        )
    out.append(
        f'<text class="axis-label" transform="translate(14 {top + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    label_every = max(1, math.ceil(len(categories) / 12))
    for i, category in enumerate(categories):
        x = left + step * i + (step - bar_w) / 2
        base = 0.0
        for s in series:
            value = s.values[i] or 0
            if value > 0:
                y_top = y_of(base + value)
                out.append(
                    f'<rect class="bar" x="{x:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                    f'height="{y_of(base) - y_top:.1f}" fill="{s.color}" '
                    f'data-series="{_attr(s.name)}" data-category="{_attr(category)}" '
                    f'data-value="{value!r}"><title>{escape(category)} · {escape(s.name)}: '
                    f"{escape(fmt(value))}</title></rect>"
                )
            base += value
        if totals[i] > 0 and len(categories) <= 31:
            shown = (tick_fmt or fmt)(totals[i]) if len(categories) <= 16 else ""
            out.append(
                f'<text class="total" x="{x + bar_w / 2:.1f}" y="{y_of(totals[i]) - 4:.1f}" '
                f'text-anchor="middle" data-category="{_attr(category)}" '
                f'data-value="{totals[i]!r}">{escape(shown)}</text>'
            )
        if i % label_every == 0:
            out.append(
                f'<text class="tick" x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle">{escape(category[5:] if len(category) == 10 else category)}'
                f"</text>"
            )
    if line is not None:
        out.extend(_rate_line(line, categories, left, top, plot_w, plot_h, step, line_label))
    legend = [(s.name, s.color) for s in series] + ([(line.name, LINE_COLOR)] if line else [])
    out.extend(_legend(legend, left, 18))
    out.append("</svg>")
    return Markup("".join(out))


def _rate_line(line, categories, left, top, plot_w, plot_h, step, label) -> list[str]:
    out, points = [], []
    for i, category in enumerate(categories):
        value = line.values[i]
        if value is None:
            continue
        x = left + step * i + step / 2
        y = top + plot_h - plot_h * value / 100
        points.append(f"{x:.1f},{y:.1f}")
        out.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE_COLOR}" '
            f'data-series="{_attr(line.name)}" data-category="{_attr(category)}" '
            f'data-value="{value!r}"><title>{escape(category)} · {escape(line.name)}: '
            f"{value:.2f}%</title></circle>"
        )
    if len(points) > 1:
        out.insert(
            0,
            f'<polyline class="line" fill="none" stroke="{LINE_COLOR}" stroke-width="1.5" '
            f'points="{" ".join(points)}"/>',
        )
    for pct in (0, 50, 100):
        y = top + plot_h - plot_h * pct / 100
        out.append(f'<text class="tick" x="{left + plot_w + 6}" y="{y + 4:.1f}">{pct}%</text>')
    out.append(
        f'<text class="axis-label" transform="translate({left + plot_w + 44} '
        f'{top + plot_h / 2:.0f}) rotate(90)" text-anchor="middle">{escape(label)}</text>'
    )
    return out


def hbar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float | None]],
    *,
    fmt: Format = count,
    color: str = PALETTE[0],
    width: int = 640,
    label_width: int = 220,
) -> Markup:
    """One horizontal bar per item, its value written at its end."""
    row_h, top = 24, 8
    height = top * 2 + row_h * max(len(items), 1)
    plot_w = width - label_width - 110
    ceiling = nice_ceiling(max((v or 0 for _, v in items), default=0))
    out = [
        f'<svg class="chart hbar" data-chart="{_attr(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_attr(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'style="max-width: {width}px">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = top + row_h * i
        shown = label if len(label) <= 34 else label[:33] + "…"
        out.append(
            f'<text class="tick" x="{label_width - 8}" y="{y + 16}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(shown)}</text>"
        )
        if value is None:
            out.append(
                f'<text class="value missing" x="{label_width}" y="{y + 16}" '
                f'data-category="{_attr(label)}">n/a</text>'
            )
            continue
        bar = plot_w * value / ceiling
        out.append(
            f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{max(bar, 1):.1f}" '
            f'height="{row_h - 8}" fill="{color}" data-category="{_attr(label)}" '
            f'data-value="{value!r}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            f'<text class="value" x="{label_width + bar + 6:.1f}" y="{y + 16}">'
            f"{escape(fmt(value))}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def waterfall(chart_id: str, title: str, lanes: Sequence[Lane], *, width: int = 960) -> Markup:
    """Lanes on a shared time axis (ms from the run's start): a bar per lane coloured by its
    status, its marks (generations) as darker bars inside it."""
    label_width, row_h, top = 200, 30, 30
    plot_w = width - label_width - 20
    span = max((lane.start_ms + lane.duration_ms for lane in lanes), default=0)
    ceiling = nice_ceiling(span)
    height = top + row_h * max(len(lanes), 1) + 10
    x_of = lambda ms: label_width + plot_w * ms / ceiling  # noqa: E731
    out = [
        f'<svg class="chart waterfall" data-chart="{_attr(chart_id)}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_attr(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i in range(5):
        ms = ceiling * i / 4
        x = x_of(ms)
        out.append(
            f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{height - 6}"/>'
            f'<text class="tick" x="{x:.1f}" y="{top - 12}" text-anchor="middle">'
            f"{ms / 1000:.3g} s</text>"
        )
    for i, lane in enumerate(lanes):
        y = top + row_h * i
        color = STATUS_COLORS.get(lane.status, PALETTE[0])
        x = x_of(lane.start_ms)
        bar = max(plot_w * lane.duration_ms / ceiling, 2)
        out.append(
            f'<text class="tick" x="{label_width - 8}" y="{y + 19}" text-anchor="end">'
            f"{escape(lane.label)}</text>"
            f'<rect class="lane {_attr(lane.status)}" x="{x:.1f}" y="{y + 5}" width="{bar:.1f}" '
            f'height="{row_h - 10}" fill="{color}" data-lane="{_attr(lane.label)}" '
            f'data-status="{_attr(lane.status)}" data-start-ms="{lane.start_ms!r}" '
            f'data-duration-ms="{lane.duration_ms!r}"><title>{escape(lane.detail)}</title></rect>'
        )
        for mark in lane.marks:
            # Drawn within its lane: a generation cannot start before its node did.
            begin = min(max(mark.start_ms, lane.start_ms), lane.start_ms + lane.duration_ms)
            end = min(mark.start_ms + mark.duration_ms, lane.start_ms + lane.duration_ms)
            mx = x_of(begin)
            mw = max(plot_w * max(end - begin, 0) / ceiling, 2)
            out.append(
                f'<rect class="mark" x="{mx:.1f}" y="{y + 10}" width="{mw:.1f}" '
                f'height="{row_h - 20}" fill="#222" fill-opacity="0.55" '
                f'data-duration-ms="{mark.duration_ms!r}"><title>{escape(mark.label)}</title></rect>'
            )
    out.append("</svg>")
    return Markup("".join(out))
