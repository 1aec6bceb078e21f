"""The answers the template supports, names for them, and the projects that get a
full run.

Everything here is read from cookiecutter.json (the questions and their choices) and
from the post-generation hook (what each answer brings, and which answers only matter
with another), so that a new question needs no edit here or in any test.

Every combination of answers is baked and checked cheaply (tests/test_bake.py). The
generated suite, its type check and a start without fork run for a chosen few, listed
by full_runs(): like cookiecutter-django's, a readable list instead of the cross
product, which doubles with every yes/no question.
"""

import json
from dataclasses import dataclass
from itertools import cycle, product

from harness.bake import TEMPLATE, load_hook

QUESTIONS = json.loads((TEMPLATE / "cookiecutter.json").read_text())
HOOK = load_hook("post_gen_project")
BRINGS = HOOK.BRINGS
ONLY_WITH = HOOK.ONLY_WITH
# The yes/no questions: one per handler, and the integrations.
SWITCHES = tuple(key for key, value in QUESTIONS.items() if isinstance(value, bool))
# The multiple-choice questions and their answers, the default first.
CHOICES = {
    key: tuple(value)
    for key, value in QUESTIONS.items()
    if isinstance(value, list) and not key.startswith("_")
}
# Choices that matter on their own, and those that only matter with a switch on.
FREE_CHOICES = tuple(key for key in CHOICES if key not in ONLY_WITH)
DEFAULTS = {
    **{key: QUESTIONS[key] for key in SWITCHES},
    **{key: values[0] for key, values in CHOICES.items()},
}
NOTHING = {**dict.fromkeys(SWITCHES, False), **{k: v[0] for k, v in CHOICES.items()}}


def brought(question):
    """The answer to question that brings what BRINGS lists for it."""
    return BRINGS.get(question, {}).get("answer", True)


# The project with the most code: every switch on, and every choice that brings files.
ALL_OPTIONS = {
    **dict.fromkeys(SWITCHES, True),
    **{key: brought(key) if key in BRINGS else v[0] for key, v in CHOICES.items()},
}


def short_name(question):
    """'use_smtp_handler' -> 'smtp', for test ids and messages."""
    return question.removeprefix("use_").removesuffix("_handler")


def combination_id(answers):
    """A test id saying what was baked, e.g. 'smtp+file(time)+syslog/json'.

    A choice that only matters with a switch follows that switch in brackets; the
    other choices follow the switches, each after a slash.
    """
    parts = []
    for key in SWITCHES:
        if answers[key]:
            within = [answers[c] for c, switch in ONLY_WITH.items() if switch == key]
            parts.append(short_name(key) + "".join(f"({v})" for v in within))
    name = "+".join(parts or ["console-only"])
    name += "".join(f"/{answers[key]}" for key in FREE_CHOICES)
    # Without its switch, such a choice changes nothing: named only when not default.
    unused = [
        answers[choice]
        for choice, switch in ONLY_WITH.items()
        if not answers[switch] and answers[choice] != CHOICES[choice][0]
    ]
    return name + "".join(f"/{value}-unused" for value in unused)


def every_combination():
    """Every answer of every question, crossed."""
    keys = [*SWITCHES, *CHOICES]
    values = [(True, False)] * len(SWITCHES) + list(CHOICES.values())
    return [dict(zip(keys, combo, strict=True)) for combo in product(*values)]


def distinct(combinations):
    """The combinations that bake distinct projects: a choice that only matters with
    a switch is left at its default while that switch is off."""
    seen, kept = set(), []
    for answers in combinations:
        answers = {
            **answers,
            **{c: CHOICES[c][0] for c, s in ONLY_WITH.items() if not answers[s]},
        }
        key = tuple(sorted(answers.items()))
        if key not in seen:
            seen.add(key)
            kept.append(answers)
    return kept


def each_choice_with_everything_on():
    """Every switch on, with each answer of each choice in turn; and nothing on. Between
    them, these bake every setting, file and word the template has."""
    sets = [{**ALL_OPTIONS, c: value} for c in CHOICES for value in CHOICES[c]]
    return distinct([*sets, NOTHING])


@dataclass(frozen=True)
class FullRun:
    """A project that gets its own suite, type check and lint run, and where."""

    answers: dict
    # "here": in the template's environment, then started without fork;
    # "no fork": its suite in a Python without fork, as on Windows;
    # "pip": installed with pip into a fresh venv, as its README says;
    # "lowest": every dependency at the lowest version it allows;
    # "uv": the README's uv route.
    how: str = "here"

    @property
    def id(self):
        where = "" if self.how == "here" else f" ({self.how})"
        return combination_id(self.answers) + where


def answer_sets():
    """The chosen answers: nothing on; everything on, once per answer of each free
    choice; each switch alone; each answer of a choice that needs a switch, with
    that switch alone and each answer of the free choices; and the defaults."""
    sets = [NOTHING]
    bound = {choice: cycle(CHOICES[choice]) for choice in ONLY_WITH}
    for choice in FREE_CHOICES:
        for value in CHOICES[choice]:
            everything = {**ALL_OPTIONS, choice: value}
            sets.append({**everything, **{c: next(v) for c, v in bound.items()}})
    for switch in SWITCHES:
        sets.append({**NOTHING, switch: True})
    for choice, switch in ONLY_WITH.items():
        free = [CHOICES[c] for c in FREE_CHOICES]
        for value, *others in product(CHOICES[choice], *free):
            pair = {choice: value, **dict(zip(FREE_CHOICES, others, strict=True))}
            if not any(a[switch] and pair.items() <= a.items() for a in sets):
                sets.append({**NOTHING, switch: True, **pair})
    sets.append(DEFAULTS)
    return distinct(sets)


def full_runs():
    """Every chosen project once; everything on is installed fresh by pip (the first
    of them) and run without fork (the last) instead of here, and the last is also
    run at the lowest versions allowed; the defaults take the uv route too. The slow
    runs come first, so that parallel workers start them early."""
    runs = [FullRun(answers) for answers in answer_sets()]
    on = [i for i, run in enumerate(runs) if all(run.answers[s] for s in SWITCHES)]
    everything = runs[on[-1]].answers
    runs[on[-1]] = FullRun(everything, "no fork")
    extra = [FullRun(everything, "lowest"), FullRun(DEFAULTS, "uv")]
    if len(on) > 1:
        runs[on[0]] = FullRun(runs[on[0]].answers, "pip")
    else:
        extra.append(FullRun(everything, "pip"))
    return sorted(extra + runs, key=lambda run: run.how == "here")
