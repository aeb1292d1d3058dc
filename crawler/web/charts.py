"""Charts as geometry for server-side SVG: bars, lines and a timeline, laid out here, drawn by one template macro.

The functions return numbers and label strings only; `templates/_svg.html` turns them into SVG elements, with
Jinja2 escaping every label, so an archived value can never become markup. No script, no library, works offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

WIDTH = 600
HEIGHT = 170
#: room for the y-axis labels on the left and the x-axis labels below
LEFT, BOTTOM, TOP = 44, 22, 10
#: height of one bar in a horizontal bar chart, and the room for its label
ROW, LABEL_W = 20, 150
#: CSS classes series-0 … series-(SERIES-1) colour lines and their legend
SERIES = 6


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    #: the hover text (SVG <title>)
    title: str
    series: int = 0


@dataclass
class Label:
    x: float
    y: float
    text: str
    #: SVG text-anchor: start, middle, end
    anchor: str = "start"


@dataclass
class Line:
    name: str
    points: list[tuple[float, float]]
    series: int
    #: hover text per point
    titles: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass
class Chart:
    width: int
    height: int
    #: what the chart shows, for screen readers (aria-label)
    title: str
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    #: y positions of horizontal grid lines, from LEFT to the right edge
    grid: list[float] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.bars and not self.lines


def _y_axis(chart: Chart, text: str, zero: str = "0") -> float:
    """Draw the axis labels and grid of a plot area; returns its height."""
    plot_h = chart.height - TOP - BOTTOM
    chart.labels += [Label(LEFT - 6, TOP + 4, text, "end"), Label(LEFT - 6, TOP + plot_h + 4, zero, "end")]
    chart.grid += [TOP, TOP + plot_h]
    return plot_h


def columns(points: list[tuple[str, int]], title: str, *, width: int = WIDTH, height: int = HEIGHT) -> Chart:
    """Vertical bars, one per (label, value), labels of the first and last under the axis."""
    chart = Chart(width, height, title)
    top = max((v for _, v in points), default=0) or 1
    plot_h = _y_axis(chart, str(top))
    step = (width - LEFT) / max(len(points), 1)
    for i, (label, value) in enumerate(points):
        h = value / top * plot_h
        chart.bars.append(Bar(LEFT + i * step, TOP + plot_h - h, max(step - 1.5, 1.0), h, f"{label}: {value}"))
    if points:
        chart.labels.append(Label(LEFT, height - 6, points[0][0]))
        chart.labels.append(Label(width, height - 6, points[-1][0], "end"))
    return chart


def hbars(counts: dict[str, int], title: str, *, width: int = WIDTH) -> Chart:
    """Horizontal bars, one row per (label, count), largest first as given, the count after each bar."""
    chart = Chart(width, ROW * len(counts) + 8, title)
    top = max(counts.values(), default=0) or 1
    room = width - LABEL_W - 60
    for i, (label, value) in enumerate(counts.items()):
        y = 4 + i * ROW
        chart.labels.append(Label(LABEL_W - 8, y + ROW * 0.65, label, "end"))
        w = max(value / top * room, 1.0)
        chart.bars.append(Bar(LABEL_W, y + 3, w, ROW - 6, f"{label}: {value}"))
        chart.labels.append(Label(LABEL_W + w + 6, y + ROW * 0.65, str(value)))
    return chart


def lines(x_labels: list[str], series: dict[str, list[float]], title: str, *, width: int = WIDTH,
          height: int = HEIGHT) -> Chart:
    """Shares (0..1) over time, one line per series; a single point shows as a dot."""
    chart = Chart(width, height, title)
    plot_h = _y_axis(chart, "100%", "0%")
    chart.grid.append(TOP + plot_h / 2)
    step = (width - LEFT - 12) / max(len(x_labels) - 1, 1)
    for n, (name, values) in enumerate(series.items()):
        points = [(LEFT + 6 + i * step, TOP + plot_h - v * plot_h) for i, v in enumerate(values)]
        titles = [f"{name} {x}: {v:.0%}" for x, v in zip(x_labels, values, strict=False)]
        chart.lines.append(Line(name, points, n % SERIES, titles))
    if x_labels:
        chart.labels.append(Label(LEFT, height - 6, x_labels[0]))
        chart.labels.append(Label(width, height - 6, x_labels[-1], "end"))
    return chart


def timeline(events: list[tuple[datetime, str, bool]], title: str, *, width: int = WIDTH) -> Chart:
    """Events (time, label, is_first) as dots on one time axis, labels staggered so neighbours do not collide."""
    chart = Chart(width, 40 + 18 * min(len(events), 8), title)
    if not events:
        return chart
    start = min(t for t, _, _ in events)
    span = max((max(t for t, _, _ in events) - start).total_seconds(), 1.0)
    axis = 24
    chart.grid.append(axis)
    room = width - 2 * LEFT
    for i, (when, label, first) in enumerate(events):
        x = LEFT + (when - start).total_seconds() / span * room
        chart.bars.append(Bar(x - 4, axis - 4, 8, 8, f"{when:%Y-%m-%d %H:%M} {label}", 0 if first else 1))
        y = axis + 18 + 18 * (i % 8)
        # anchored at the side the dot is near, so a label at either end stays inside the chart
        anchor = "start" if x < width / 3 else "end" if x > width * 2 / 3 else "middle"
        chart.labels.append(Label(x, y, label, anchor))
    return chart
