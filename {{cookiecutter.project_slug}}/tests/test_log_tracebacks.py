"""Tracebacks in the log: Python's own text, without the ^^^^ markers."""

import re
import sys
import traceback

import pytest

from {{ cookiecutter.package_name }}.log import context
from {{ cookiecutter.package_name }}.log.tracebacks import format_traceback

MARKERS = re.compile(r"^ *[~^]+ *$")


def python_without_markers(exc):
    """traceback.format_exception(exc), with the marker lines under frames taken
    out (a SyntaxError's own line keeps its caret: it is part of the error)."""
    text = "".join(traceback.format_exception(exc))
    last = "".join(traceback.format_exception_only(exc))
    assert text.endswith(last)
    frames = text.removesuffix(last).splitlines(keepends=True)
    kept = [line for line in frames if not MARKERS.match(line.rstrip("\n"))]
    return ("".join(kept) + last).rstrip("\n")


def deep(depth):
    if depth == 0:
        raise KeyError("at the bottom")
    deep(depth - 1)


def recurse(n):
    return recurse(n + 1) + 1


def caught(function):
    try:
        function()
    except BaseException as exc:  # noqa: BLE001 (each case raises its own)
        return exc
    pytest.fail("it did not raise")


def raise_from():
    try:
        deep(3)
    except KeyError as exc:
        raise RuntimeError("could not load") from exc


def raise_while_handling():
    try:
        {}["missing"]
    except KeyError:
        int("not a number")


def raise_suppressed():
    try:
        {}["missing"]
    except KeyError:
        raise LookupError("nothing to see") from None


def raise_with_note():
    exc = TypeError("bad type")
    exc.add_note("a note from the caller")
    raise exc


def raise_syntax_error():
    compile("x = (1,", "<generated>", "exec")


CASES = {
    "plain": lambda: deep(5),
    "raised from": raise_from,
    "raised while handling": raise_while_handling,
    "context suppressed": raise_suppressed,
    "with a note": raise_with_note,
    "syntax error": raise_syntax_error,
    "recursion": lambda: recurse(0),
}


@pytest.mark.parametrize("case", CASES)
def test_the_text_is_pythons_without_the_markers(case):
    exc = caught(CASES[case])
    assert format_traceback(exc) == python_without_markers(exc)


def test_an_exception_never_raised_has_no_frames():
    exc = ValueError("made, not raised")
    assert format_traceback(exc) == "ValueError: made, not raised"


def test_an_exception_group_keeps_its_members():
    def raise_group():
        raise ExceptionGroup("several", [KeyError("one"), ValueError("two")])

    text = format_traceback(caught(raise_group))
    assert "ExceptionGroup: several (2 sub-exceptions)" in text
    assert "KeyError: 'one'" in text
    assert "ValueError: two" in text


def test_a_message_with_line_breaks_is_escaped():
    def forge():
        raise ValueError("bad\n2026-01-01 00:00:00 ERROR forged\x1b[2J")

    text = format_traceback(caught(forge))
    assert text.splitlines()[-1] == (
        "ValueError: bad\\n2026-01-01 00:00:00 ERROR forged\\x1b[2J"
    )


def test_a_record_is_formatted_once_for_every_handler(app, capsys, monkeypatch):
    calls = []
    original = context.format_traceback

    def counting(exc):
        calls.append(exc)
        return original(exc)

    monkeypatch.setattr(context, "format_traceback", counting)
    with app.app_context():
        try:
            deep(2)
        except KeyError:
            app.logger.exception("failed")
    assert len(calls) == 1
    assert "KeyError: 'at the bottom'" in capsys.readouterr().err
    assert sys.exc_info() == (None, None, None)
