"""What the benchmarks share: alternating rounds, statistics, the result table."""

import statistics

SECRET_KEY = "benchmark-secret-key-0123456789abcdef"


class SideFailed(Exception):
    """A side of a comparison could not give its sample this round (it hung, say).

    alternate() keeps the reason, drops the side from later rounds and carries on.
    """


def alternate(sides, rounds, between=None):
    """Run every side once per round, in a rotating order; return (samples, failed).

    sides maps a name to a function of no argument returning that side's sample for
    one round. Round r starts with side r (mod the number of sides): A B C, B C A,
    C A B, ... so that a busy moment of the machine, or a slow drift, hits every side
    alike. between(), if given, runs before each side's turn (to let background work
    of the previous turn settle). samples maps each name to its samples, round by
    round; failed maps the name of a side that raised SideFailed to its reason.
    """
    names = list(sides)
    samples = {name: [] for name in names}
    failed = {}
    for number in range(rounds):
        start = number % len(names)
        for name in names[start:] + names[:start]:
            if name in failed:
                continue
            if between is not None:
                between()
            try:
                samples[name].append(sides[name]())
            except SideFailed as reason:
                failed[name] = str(reason)
    return samples, failed


def ratios(numerators, denominators):
    """Round-by-round ratios of two sides' samples (rounds both completed)."""
    return [a / b for a, b in zip(numerators, denominators, strict=False) if b]


def spread(values, digits=2, unit=""):
    """'median (min-max)' of several rounds' values, or '-' without any."""
    if not values:
        return "-"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.{digits}f}{unit}"
    low, high = min(values), max(values)
    return f"{median:,.{digits}f}{unit} ({low:,.{digits}f}-{high:,.{digits}f})"


def times(values, digits=2):
    """spread() of ratios, written as '1.23x (1.10-1.40)'."""
    return spread(values, digits, "x")


class Table:
    """A Markdown table, for the terminal and for docs/benchmarks.md alike.

    notes are printed under it; series (name -> request durations in seconds) feed
    the chart that `python -m bench` draws of the error path.
    """

    def __init__(self, title, columns):
        self.title, self.columns, self.rows = title, columns, []
        self.notes = []
        self.series = {}

    def add(self, *cells):
        self.rows.append([str(c) for c in cells])

    def note(self, text):
        self.notes.append(text)

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
        if self.notes:
            out.append("")
            out.extend(self.notes)
        return "\n".join(out)
