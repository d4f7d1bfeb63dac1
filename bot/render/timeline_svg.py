"""The timeline as one inline SVG picture: printable, no script, no external resource, every text escaped.

The picture is 1000 units wide (``width="100%"``: it fills an A4 landscape page or a screen) and
as tall as its lanes. A legend at the top says what each shape stands for; the axis, at the top
and the bottom, shows Danish local clock times. Each mark is a ``<g>`` whose ``<title>`` is its
tooltip and whose ``data-lane``, ``data-kind``, ``data-person`` and ``data-at`` (ISO 8601, local time)
say what it marks, for anyone who reads the file with a program.
"""

import html
import math
from datetime import datetime, timedelta

from ..clock import LOCAL_TIME
from .timeline import KIND_NAMES, Kind, Timeline

WIDTH = 1000
PLOT_LEFT, PLOT_RIGHT = 250, 980
LEGEND = 30
AXIS = 22
HEADER = 18
ROW = 16
FONT = "system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
"""Minutes between ticks: the smallest that keeps the axis at ``TICKS`` ticks or fewer."""
TICKS = 10

SHAPES = {  # each mark drawn around (0, 0); print keeps them apart by shape as well as colour
    Kind.ALARM: '<path d="M-6,-5 L6,-5 L0,6 Z" fill="#c62828"/>',
    Kind.DECISION: '<path d="M0,-6 L6,0 L0,6 L-6,0 Z" fill="#1565c0"/>',
    Kind.LEVEL: '<path d="M0,-6 L6,0 L0,6 L-6,0 Z" fill="#fff" stroke="#6a1b9a" stroke-width="2"/>',
    Kind.CLOSE: '<rect x="-5" y="-5" width="10" height="10" fill="#212121"/>',
    Kind.PAGE: '<circle r="4" fill="#fff" stroke="#616161" stroke-width="1.5"/>',
    Kind.ACK: '<circle r="4" fill="#2e7d32"/>',
    Kind.COMING: '<rect x="-4" y="-4" width="8" height="8" fill="#0277bd"/>',
    Kind.NOT_COMING: '<path d="M-4,-4 L4,4 M-4,4 L4,-4" stroke="#ef6c00" stroke-width="2.5"/>',
    Kind.ETA: '<path d="M-5,4 L5,4 L0,-5 Z" fill="#fff" stroke="#2e7d32" stroke-width="1.5"/>',
    Kind.ARRIVAL: '<path d="M-5,4 L5,4 L0,-5 Z" fill="#2e7d32"/>',
}


def timeline_svg(tl: Timeline, title: str) -> str:
    """``tl`` as an ``<svg>`` element titled ``title``."""
    body: list[str] = [_legend()]
    y = LEGEND + AXIS
    for lane in tl.lanes:
        body.append(f'<rect x="0" y="{y}" width="{WIDTH}" height="{HEADER}" fill="#eceff1"/>')
        body.append(_text(8, y + 13, lane.name, weight="bold"))
        y += HEADER
        for row in lane.rows:
            middle = y + ROW / 2
            body.append(_text(16, middle + 4, row.name, fill="#757575" if not row.marks else "#111"))
            if len(row.marks) > 1:
                first, last = _x(tl, row.marks[0].at), _x(tl, row.marks[-1].at)
                body.append(f'<line x1="{first}" y1="{middle}" x2="{last}" y2="{middle}" stroke="#b0bec5" stroke-width="1.5"/>')
            for mark in row.marks:
                at = mark.at.astimezone(LOCAL_TIME).isoformat(timespec="seconds")
                body.append(
                    f'<g data-lane="{_h(lane.key)}" data-kind="{mark.kind}" data-person="{_h(row.person)}" data-at="{at}" '
                    f'transform="translate({_x(tl, mark.at)},{middle})"><title>{_h(_tooltip(mark.at, mark.text))}</title>'
                    f"{SHAPES[mark.kind]}</g>"
                )
            y += ROW
    height = y + AXIS
    grid = _axis(tl, LEGEND + AXIS, y)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'font-family="{FONT}" font-size="11">',
        f"<title>{_h(title)}</title>",
        *grid, *body,
        "</svg>",
    ])


def _x(tl: Timeline, moment: datetime) -> str:
    share = (moment - tl.start) / (tl.end - tl.start)
    return f"{PLOT_LEFT + share * (PLOT_RIGHT - PLOT_LEFT):.1f}"


def _axis(tl: Timeline, top: int, bottom: int) -> list[str]:
    """Grid lines at round local clock times, labelled above ``top`` and below ``bottom``: the day the axis starts
    on in the label column, and a tick's day where it changes."""
    day = tl.start.astimezone(LOCAL_TIME).date()
    dated = f"Klokken, {day.day}.{day.month}.{day.year}"
    drawn = [_text(8, top - 6, dated, size=10), _text(8, bottom + 14, dated, size=10)]
    for tick in _ticks(tl.start, tl.end):
        x, local = _x(tl, tick), tick.astimezone(LOCAL_TIME)
        label = f"{local:%H:%M}" if local.date() == day else f"{local.day}.{local.month}. {local:%H:%M}"
        day = local.date()
        drawn += [
            f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="#cfd8dc" stroke-width="1"/>',
            _text(float(x), top - 6, label, anchor="middle", size=10),
            _text(float(x), bottom + 14, label, anchor="middle", size=10),
        ]
    return drawn


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    """Round local times from ``start`` to ``end``, ``STEPS`` apart, at most ``TICKS`` of them."""
    span = (end - start).total_seconds() / 60
    step = next((s for s in STEPS if span / s <= TICKS), STEPS[-1])
    offset = start.astimezone(LOCAL_TIME).utcoffset() or timedelta()
    local_minutes = (start + offset).timestamp() / 60
    first = math.ceil(local_minutes / step) * step
    count = int((span - (first - local_minutes)) // step) + 1
    return [datetime.fromtimestamp((first + n * step) * 60, start.tzinfo) - offset for n in range(max(count, 0))]


def _legend() -> str:
    items, x = [], 8
    for kind, name in KIND_NAMES.items():
        items.append(f'<g transform="translate({x + 6},14)">{SHAPES[kind]}</g>')
        items.append(_text(x + 16, 18, name, size=10))
        x += 28 + 6 * len(name)
    return "\n".join(items)


def _tooltip(moment: datetime, text: str) -> str:
    return f"{moment.astimezone(LOCAL_TIME):%H:%M:%S} · {text}"


def _text(x: float, y: float, text: str, *, anchor: str = "start", weight: str = "normal", size: int = 11, fill: str = "#111") -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}" font-weight="{weight}" font-size="{size}" fill="{fill}">'
        f"{_h(text)}</text>"
    )


def _h(text: str) -> str:
    return html.escape(text, quote=True)
