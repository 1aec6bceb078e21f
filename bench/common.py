"""What the benchmarks share: timing statistics and the result table."""

import statistics


def summary(samples):
    """Median and 99th percentile, in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    p99 = statistics.quantiles(ms, n=100)[98] if len(ms) >= 2 else ms[0]
    return statistics.median(ms), p99


class Table:
    """A Markdown table, for the terminal and for docs/benchmarks.md alike."""

    def __init__(self, title, columns):
        self.title, self.columns, self.rows = title, columns, []

    def add(self, *cells):
        self.rows.append([str(c) for c in cells])

    def render(self):
        widths = [
            max(len(x) for x in [column, *(row[i] for row in self.rows)])
            for i, column in enumerate(self.columns)
        ]

        def line(cells):
            padded = (c.ljust(w) for c, w in zip(cells, widths, strict=True))
            return "| " + " | ".join(padded) + " |"

        out = [f"\n### {self.title}\n", line(self.columns)]
        out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        out.extend(line(row) for row in self.rows)
        return "\n".join(out)
