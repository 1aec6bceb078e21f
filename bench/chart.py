"""The error-path chart: latency percentiles per app, as a small hand-made SVG.

One row per app: a bar from the median (p50) to p99, ticks at p50 and p90, a diamond
at p99 and a ring at the slowest request, on a logarithmic axis in milliseconds.
Rows come in groups, one per benchmark table.
"""

import math
from html import escape

from harness.servers import percentile

WIDTH = 1000
LABEL_END = 300  # labels end here; the plot starts after a gap
PLOT = (310, 690)
ROW = 26
GROUP_GAP = 34
TOP = 56


def draw(groups, title):
    """SVG text for groups: [(heading, {label: durations in s, or a note})]."""
    values = [
        v * 1000
        for _, rows in groups
        for samples in rows.values()
        if not isinstance(samples, str)
        for v in samples
    ]
    low = 10 ** math.floor(math.log10(max(min(values, default=0.1), 1e-3)))
    high = 10 ** math.ceil(math.log10(max(values, default=1.0)))
    high = max(high, low * 10)

    def x(ms):
        share = (math.log10(ms) - math.log10(low)) / (math.log10(high / low))
        return PLOT[0] + share * (PLOT[1] - PLOT[0])

    height = TOP + sum(GROUP_GAP + ROW * len(rows) for _, rows in groups) + 46
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    out += legend(PLOT[0], 42)
    plot_top, y = TOP, TOP
    for heading, rows in groups:
        y += GROUP_GAP
        out.append(
            f'<text x="10" y="{y - 10}" font-weight="bold">{escape(heading)}</text>'
        )
        for label, samples in rows.items():
            out += row(label, samples, y, x)
            y += ROW
    decade = low
    while decade <= high * 1.001:
        gx = x(decade)
        out.append(
            f'<line x1="{gx:.1f}" y1="{plot_top}" x2="{gx:.1f}" y2="{y}" '
            'stroke="#ccc" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{gx:.1f}" y="{y + 16}" text-anchor="middle" fill="#444">'
            f"{decade:g} ms</text>"
        )
        decade *= 10
    out.append(
        f'<text x="{(PLOT[0] + PLOT[1]) / 2:.0f}" y="{y + 34}" text-anchor="middle" '
        'fill="#444">response time, logarithmic scale</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def row(label, samples, y, x):
    mid = y + ROW / 2
    out = [
        f'<text x="{LABEL_END}" y="{mid + 4:.1f}" text-anchor="end">'
        f"{escape(label)}</text>"
    ]
    if isinstance(samples, str) or not samples:
        note = samples if isinstance(samples, str) else "no samples"
        out.append(
            f'<text x="{PLOT[0]}" y="{mid + 4:.1f}" fill="#b00">{escape(note)}</text>'
        )
        return out
    ms = [s * 1000 for s in samples]
    p50, p90, p99 = (percentile(ms, q) for q in (0.5, 0.9, 0.99))
    top = max(ms)
    out += [
        f'<line x1="{x(p50):.1f}" y1="{mid}" x2="{x(top):.1f}" y2="{mid}" '
        'stroke="#888" stroke-width="1"/>',
        f'<rect x="{x(p50):.1f}" y="{mid - 6}" width="{max(x(p99) - x(p50), 1):.1f}" '
        'height="12" fill="#9ecae1"/>',
        tick(x(p50), mid, 8, 3, "#08306b"),
        tick(x(p90), mid, 6, 2, "#2171b5"),
        diamond(x(p99), mid),
        f'<circle cx="{x(top):.1f}" cy="{mid}" r="4" fill="none" stroke="#d94801" '
        'stroke-width="1.5"/>',
        f'<text x="{PLOT[1] + 14}" y="{mid + 4:.1f}" fill="#333">'
        f"p50 {short(p50)} · p99 {short(p99)} · max {short(top)} ms (n={len(ms):,})"
        "</text>",
    ]
    return out


def short(ms):
    """Three significant digits or so: 0.734, 2.36, 20.8, 2,006."""
    if ms >= 100:
        return f"{ms:,.0f}"
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def tick(cx, mid, half, width, color):
    return (
        f'<line x1="{cx:.1f}" y1="{mid - half}" x2="{cx:.1f}" y2="{mid + half}" '
        f'stroke="{color}" stroke-width="{width}"/>'
    )


def diamond(cx, mid, r=5):
    points = (
        f"{cx:.1f},{mid - r} {cx + r:.1f},{mid} {cx:.1f},{mid + r} {cx - r:.1f},{mid}"
    )
    return f'<polygon points="{points}" fill="#6a51a3"/>'


def legend(left, y):
    items = [
        (tick(left + 4, y, 7, 3, "#08306b"), "p50"),
        (tick(left + 74, y, 6, 2, "#2171b5"), "p90"),
        (diamond(left + 144, y), "p99"),
        (
            f'<circle cx="{left + 214}" cy="{y}" r="4" fill="none" stroke="#d94801" '
            'stroke-width="1.5"/>',
            "slowest",
        ),
    ]
    out = []
    for index, (mark, text) in enumerate(items):
        out.append(mark)
        out.append(f'<text x="{left + 70 * index + 14}" y="{y + 4}">{text}</text>')
    out.append(
        f'<rect x="{left + 300}" y="{y - 6}" width="24" height="12" fill="#9ecae1"/>'
    )
    out.append(f'<text x="{left + 330}" y="{y + 4}">p50 to p99</text>')
    return out
