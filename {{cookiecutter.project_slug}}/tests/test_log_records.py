"""What every record carries to the handlers, and the text of its traceback."""

import json
import logging
import re
import sys
import threading
import time
import traceback
import tracemalloc

import pytest
from flask import g

from {{ cookiecutter.package_name }}.log import records
from {{ cookiecutter.package_name }}.log.escape import escape_controls
from {{ cookiecutter.package_name }}.log.formatters import TextFormatter
from {{ cookiecutter.package_name }}.log.records import CONTEXT_FIELDS, MAX_FIELD, prepare
from {{ cookiecutter.package_name }}.log.tracebacks import (
    MAX_CHAIN,
    MAX_GROUP,
    MAX_MESSAGE,
    MAX_TEXT,
    format_exception,
)

from .conftest import logged, readable


def make_record(msg="hello", args=None, exc_info=None, func=None):
    return logging.LogRecord(
        "test", logging.ERROR, __file__, 10, msg, args, exc_info, func
    )


def caught(function):
    try:
        function()
    except BaseException as exc:  # each case raises its own
        return exc
    pytest.fail("it did not raise")


def test_outside_a_request_the_fields_read_dashes(app):
    with app.app_context():
        prepared = prepare(make_record(func="caller"))
    assert [getattr(prepared, field) for field in CONTEXT_FIELDS] == ["-"] * 5
    assert (prepared.source_file, prepared.source_line) == (__file__, 10)
    assert prepared.source_function == "caller"


def test_an_unprepared_record_reads_dashes_in_a_text_line():
    """gunicorn's own lines are never prepared: a text line shows dashes."""
    line = TextFormatter().format(make_record("from the server"))
    assert "[- - - -]" in line
    assert line.endswith(" from the server [in -:0]")


def test_an_unprepared_records_traceback_is_made_by_the_text_format():
    """A real one, escaped; none for logger.exception() outside an except."""
    exc = caught(lambda: deep_raise("bad\x1b[2J"))
    formatter = TextFormatter()
    record = make_record(exc_info=(ValueError, exc, exc.__traceback__))
    lines = formatter.format(record).splitlines()
    assert lines[1:] == format_exception(exc).splitlines()
    assert lines[-1] == "ValueError: bad\\x1b[2J"
    assert "\n" not in formatter.format(make_record(exc_info=(None, None, None)))


def test_inside_a_request_the_fields_are_its_own_and_escaped(app):
    environ = {"REMOTE_ADDR": "203.0.113.9"}
    with app.test_request_context(
        "/orders/7%0d%0aINFO forged%1b", method="POST",
        headers={"X-Request-ID": "req-42"}, environ_base=environ,
    ):  # fmt: skip
        g.user = "alice\u202e"
        prepared = prepare(make_record())
    assert prepared.request_id == "req-42"
    assert prepared.method == "POST"
    assert prepared.path == "/orders/7\\r\\nINFO forged\\x1b"
    assert prepared.remote_addr == "203.0.113.9"
    assert prepared.user == "alice\\u202e"
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": ""}):
        assert prepare(make_record()).remote_addr == "-"  # a Unix socket's peer


def test_a_huge_user_or_path_is_cut_as_a_message_is(app):
    """A user name is the app's to bound, and a path the server's: a line is bounded
    all the same."""
    with app.test_request_context("/" + "p" * 5000):
        g.user = "u" * 1_000_000
        prepared = prepare(make_record())
    assert prepared.user == "u" * MAX_FIELD + "[... cut: 1,000,000 characters in all]"
    cut = "[... cut: 5,001 characters in all]"
    assert prepared.path == "/" + "p" * (MAX_FIELD - 1) + cut


def test_a_value_given_in_extra_is_kept(app):
    record = make_record()
    record.request_id = "from-extra"
    with app.test_request_context("/orders/7"):
        prepared = prepare(record)
    assert (prepared.request_id, prepared.path) == ("from-extra", "/orders/7")


def test_a_stack_keeps_its_lines_and_is_escaped():
    stack = 'Stack (most recent call last):\n  File "<in\x1b[2J>", line 1, in f\n'
    record = make_record()
    record.stack_info = stack
    assert prepare(record).stack_info == stack.replace("\x1b", "\\x1b")


def test_an_exception_never_raised_names_the_logging_call():
    made = ValueError("made, not raised")
    prepared = prepare(make_record(exc_info=(ValueError, made, None)))
    assert prepared.exc_text == "ValueError: made, not raised"
    assert prepared.error_place == f"ValueError at {__file__}:10"


@pytest.mark.parametrize(
    ("message", "summary"),
    [
        ("", "ValueError"),
        ("x" * 148, "ValueError: " + "x" * 148),  # 160 characters: kept whole
        ("x" * 149, "ValueError: " + "x" * 145 + "..."),  # 161: cut to 160
    ],
)
def test_the_error_summary_is_one_short_line(message, summary):
    exc = ValueError(message)
    prepared = prepare(make_record(exc_info=(ValueError, exc, None)))
    assert prepared.error_summary == summary


def raise_here():
    raise KeyError("missing")


def test_the_copy_names_the_raise_and_the_record_stays_as_it_was():
    """caplog, and every other library's handler, see the logging call's fields."""
    try:
        raise_here()
    except KeyError:
        record = make_record("failed", exc_info=sys.exc_info())
    before = dict(record.__dict__)
    prepared = prepare(record)
    assert record.__dict__ == before
    raise_line = raise_here.__code__.co_firstlineno + 1
    assert (prepared.source_file, prepared.source_line) == (__file__, raise_line)
    assert prepared.source_function == "raise_here"
    assert (prepared.pathname, prepared.lineno, prepared.funcName) == (
        __file__, 10, None
    )  # fmt: skip
    assert prepared.exc_info is None
    assert prepared.error_type == "KeyError"
    assert prepared.error_summary == "KeyError: 'missing'"
    line = TextFormatter().format(prepared).splitlines()[0]
    assert line.endswith(f"failed [in {__file__}:{raise_line}]")


def test_the_error_place_is_the_innermost_line_of_the_project(monkeypatch):
    """The throttle's key: a library line shared by many errors, such as the
    json module's, must not make them one error."""
    import json

    def parse(text):
        return json.loads(text)

    monkeypatch.setattr(records, "PROJECT", __file__)
    exc = caught(lambda: parse("{not json"))
    record = make_record(exc_info=(type(exc), exc, exc.__traceback__))
    prepared = prepare(record)
    parse_line = parse.__code__.co_firstlineno + 1
    assert prepared.error_place == f"JSONDecodeError at {__file__}:{parse_line}"
    assert prepared.source_file == json.decoder.__file__  # where it was raised


def test_a_line_logged_in_a_request_carries_the_id_of_its_response(app, capsys):
    @app.route("/_test/hello")
    def hello():
        app.logger.warning("inside the view")
        return "ok"

    response = app.test_client().get("/_test/hello?x=1")
    logged(app)
    (line,) = [
        line for line in readable(capsys.readouterr().err).splitlines()
        if "inside the view" in line
    ]  # fmt: skip
    request_id = response.headers["X-Request-ID"]
    assert f"WARNING {app.name} [{request_id} 127.0.0.1 GET /_test/hello]" in line


def test_a_text_line_is_one_line_whatever_the_message():
    record = make_record("user said %s", ("hi\n2026-01-01 ERROR forged\u202e\ud800",))
    line = TextFormatter().format(prepare(record))
    assert len(line.splitlines()) == 1
    assert "hi\\n2026-01-01 ERROR forged\\u202e\\ud800" in line


def test_secrets_in_a_message_or_an_error_are_filtered():
    """scrub.py's rule, in what every handler gets."""

    def connect():
        url = "postgresql://app:hunter2@db/orders"
        raise ConnectionError(f"cannot reach {url}; api_key=hunter3")

    exc = caught(connect)
    exc_info = (type(exc), exc, exc.__traceback__)
    prepared = prepare(make_record("retrying with token=hunter4", exc_info=exc_info))
    assert prepared.msg == "retrying with token=[Filtered]"
    assert prepared.error_summary == (
        "ConnectionError: cannot reach postgresql://app:[Filtered]@db/orders; "
        "api_key=[Filtered]"
    )
    assert "hunter" not in prepared.exc_text
    assert "api_key=[Filtered]" in prepared.exc_text  # the line that raised


def test_the_error_message_is_one_line_of_400_characters_at_most():
    exc = caught(lambda: deep_raise("x" * 1000))
    prepared = prepare(make_record(exc_info=(type(exc), exc, exc.__traceback__)))
    assert prepared.error_message == "x" * 400


def test_a_huge_message_is_cut_and_says_so():
    assert prepare(make_record("x" * MAX_MESSAGE)).msg == "x" * MAX_MESSAGE
    record = prepare(make_record("x" * (MAX_MESSAGE + 5000)))
    assert (
        record.msg
        == "x" * MAX_MESSAGE + f"[... cut: {MAX_MESSAGE + 5000:,} characters in all]"
    )


def test_a_ten_megabyte_exception_costs_little_memory():
    message = "y" * 10_000_000
    exc = caught(lambda: (_ for _ in ()).throw(ValueError(message)))
    record = make_record("failed", exc_info=(ValueError, exc, exc.__traceback__))
    tracemalloc.start()
    prepared = prepare(record)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000, f"{peak:,} bytes to prepare the record"
    assert len(prepared.exc_text) < MAX_TEXT
    assert "[... cut: 10,000,000 characters in all]" in prepared.exc_text
    assert len(prepared.error_summary) == 160


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a\nb\rc\x0bd\x0ce\x1cf\x85g\u2028h\u2029i\x00j", None),
        ("\x1b[31mred", "\\x1b[31mred"),  # a terminal escape sequence
        ("\x9b31mred", "\\x9b31mred"),  # the same, as a C1 control
        ("\x7f\x80\x9f", "\\x7f\\x80\\x9f"),
        ("txt.exe\u202egnp", "txt.exe\\u202egnp"),  # shows as "txt.exepng"
        ("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", None),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("plain text, café, 東京, ‰", "plain text, café, 東京, ‰"),
    ],
    ids=["line-breaks", "terminal-escape", "c1-escape", "del-and-c1",
         "right-to-left-override", "bidi-embeddings", "lone-surrogate", "printable"],
)  # fmt: skip
def test_escape_controls(raw, escaped):
    result = escape_controls(raw)
    if escaped is not None:
        assert result == escaped
    assert result.isprintable()
    result.encode("utf-8")  # no lone surrogate left


# The traceback's text: Python's own, without the ^^^^ markers, and bounded.
MARKERS = re.compile(r"^ *[~^]+ *$")


def python_without_markers(exc):
    """traceback.format_exception(exc), without the marker lines under frames."""
    text = "".join(traceback.format_exception(exc))
    kept = [line for line in text.splitlines() if not MARKERS.match(line)]
    return "\n".join(kept)


def deep(depth):
    if depth == 0:
        raise KeyError("at the bottom")
    deep(depth - 1)


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


class MainError(Exception):
    """Python names a class of a script's own without its module."""


MainError.__module__ = "__main__"


class UnprintableError(Exception):
    def __str__(self):
        raise RuntimeError("no text")


def raise_syntax_error(filename, lineno):
    raise SyntaxError("bad", (filename, lineno, None, None))


CASES = {
    "plain": lambda: deep(5),
    "raised from": raise_from,
    "raised while handling": raise_while_handling,
    "context suppressed": raise_suppressed,
    "with a note": raise_with_note,
    "empty message": lambda: (_ for _ in ()).throw(ValueError()),
    "message ending in spaces": lambda: deep_raise("padded  "),
    "message ending in X": lambda: deep_raise("no such column X"),
    "a library's exception": lambda: json.loads("{"),
    "a script's exception": lambda: (_ for _ in ()).throw(MainError("in main")),
    "unprintable message": lambda: (_ for _ in ()).throw(UnprintableError()),
    "recursion": lambda: deep(5000),
    "a syntax error with no file": lambda: raise_syntax_error(None, 3),
    "a syntax error with no detail": lambda: (_ for _ in ()).throw(SyntaxError()),
    "a syntax error with no line": lambda: raise_syntax_error("f.py", None),
}


@pytest.mark.parametrize("case", CASES)
def test_the_text_is_pythons_without_the_markers(case):
    exc = caught(CASES[case])
    text = format_exception(exc)
    if case == "recursion":  # the innermost frames, and how many were left out
        assert re.search(r"\[\.\.\. \d+ frames left out \.\.\.\]", text)
        assert re.search(r"\[Previous line repeated \d+ more times\]", text)
        assert "RecursionError: maximum recursion depth exceeded" in text
        return
    assert text == python_without_markers(exc)


def test_an_exception_never_raised_has_no_frames():
    assert format_exception(ValueError("made, not raised")) == (
        "ValueError: made, not raised"
    )


def test_the_frames_are_bounded_and_the_cut_counted():
    # caught(), the lambda and deep(n) ... deep(0): n + 3 frames.
    lines = format_exception(caught(lambda: deep(97))).splitlines()
    assert lines[1].startswith("  File ")  # all 100, nothing cut
    lines = format_exception(caught(lambda: deep(98))).splitlines()
    assert lines[1] == "  [... 1 frames left out ...]"


def with_notes(length):
    """A ValueError whose text is length characters long, with three notes."""
    exc = ValueError("a")
    for size in (8000, 8000, length - 16016):
        exc.add_note("n" * size)
    return exc


def test_a_text_at_the_limit_is_whole_and_one_over_is_cut_in_the_middle():
    text = format_exception(with_notes(MAX_TEXT))
    assert len(text) == MAX_TEXT
    assert "characters cut" not in text
    whole = "ValueError: a\n" + "\n".join(with_notes(MAX_TEXT + 1).__notes__)
    half = MAX_TEXT // 2
    cut = whole[:half] + "\n[... 1 characters cut ...]\n" + whole[-half:]
    assert format_exception(with_notes(MAX_TEXT + 1)) == cut


def test_a_cycle_of_causes_is_shown_once():
    first, second = ValueError("first"), KeyError("second")
    first.__cause__, second.__cause__ = second, first
    texts = []
    # On a thread: a walk that never ends fails the test, and pytest then exits.
    walk = threading.Thread(target=lambda: texts.append(format_exception(first)))
    walk.daemon = True
    walk.start()
    walk.join(10)
    (text,) = texts
    assert text.count("ValueError: first") == text.count("KeyError: 'second'") == 1


def test_a_cycle_of_causes_reads_as_pythons():
    first, second = ValueError("first"), KeyError("second")
    first.__cause__, second.__cause__ = second, first
    assert format_exception(first) == python_without_markers(first)


def test_a_syntax_error_without_a_place_reads_as_pythons():
    exc = SyntaxError("bad input")
    assert format_exception(exc) == python_without_markers(exc)


def test_a_message_with_line_breaks_and_controls_stays_on_its_line():
    exc = caught(lambda: deep_raise("bad\n2026-01-01 00:00:00 ERROR forged\x1b[2J"))
    assert format_exception(exc).splitlines()[-1] == (
        "ValueError: bad\\n2026-01-01 00:00:00 ERROR forged\\x1b[2J"
    )


def deep_raise(message):
    raise ValueError(message)


def test_exception_group_members_are_shown_and_escaped():
    def raise_group():
        raise ExceptionGroup(
            "several\nforged", [KeyError("one\x1b[2J"), ValueError("two\u202e")]
        )

    text = format_exception(caught(raise_group))
    assert "ExceptionGroup: several\\nforged (2 sub-exceptions)" in text
    assert "| KeyError: 'one\\x1b[2J'" in text
    assert "| ValueError: two\\u202e" in text
    assert "+---- 2 of 2 ----" in text
    assert all(line.isprintable() for line in text.splitlines())


def test_each_member_of_a_group_is_indented_under_its_number():
    second = ValueError("two ")
    second.__cause__ = KeyError("inner")
    group = ExceptionGroup("several", [ValueError("one X"), second])
    assert format_exception(group) == (
        "ExceptionGroup: several (2 sub-exceptions)\n"
        "+---- 1 of 2 ----\n"
        "| ValueError: one X\n"
        "+---- 2 of 2 ----\n"
        "| KeyError: 'inner'\n"
        "| \n"
        "| The above exception was the direct cause of the following exception:\n"
        "| \n"
        "| ValueError: two "
    )


def test_a_group_shows_at_most_max_group_members():
    group = ExceptionGroup("many", [ValueError(n) for n in range(MAX_GROUP)])
    assert "left out" not in format_exception(group)
    group = ExceptionGroup("many", [ValueError(n) for n in range(MAX_GROUP + 1)])
    text = format_exception(group)
    assert f"+---- {MAX_GROUP} of {MAX_GROUP + 1} ----" in text
    assert f"of {MAX_GROUP + 1} ----\n| ValueError: {MAX_GROUP}" not in text
    assert text.endswith("\n[... 1 more left out ...]")


def test_groups_nested_deeper_than_max_group_are_left_out():
    group = ValueError("the innermost")
    for level in range(MAX_GROUP + 5):
        group = ExceptionGroup(f"level {level}", [group])
    text = format_exception(group)
    assert text.count("ExceptionGroup: level") == MAX_GROUP + 1
    assert text.endswith("| [...]")
    assert "the innermost" not in text


def test_a_syntax_errors_source_line_is_escaped():
    def compile_hostile():
        compile("x = '\x1b[2J\u202e\n", "<request>", "exec")

    exc = caught(compile_hostile)
    text = format_exception(exc)
    assert all(line.isprintable() for line in text.splitlines())
    assert text.splitlines()[-3:] == [
        '  File "<request>", line 1',
        "    x = '\\x1b[2J\\u202e",  # the source line, not only the frame's
        f"SyntaxError: {exc.msg}",
    ]


# A file name is data too: compile(source, name) takes any name, a request's too.
HOSTILE_NAME = "<req\nFORGED\x1b[2J\u202e>"
ESCAPED_NAME = "<req\\nFORGED\\x1b[2J\\u202e>"


def test_a_file_name_in_a_frame_is_escaped():
    hostile = compile("raise ValueError('boom')", HOSTILE_NAME, "exec")
    exc = caught(lambda: exec(hostile))  # noqa: S102 (our own)
    text = format_exception(exc)
    assert f'File "{ESCAPED_NAME}", line 1' in text
    assert all(line.isprintable() for line in text.splitlines())
    exc_info = (type(exc), exc, exc.__traceback__)
    assert prepare(make_record(exc_info=exc_info)).source_file == ESCAPED_NAME


def test_a_syntax_errors_file_name_is_escaped():
    text = format_exception(caught(lambda: compile("x = (", HOSTILE_NAME, "exec")))
    assert f'  File "{ESCAPED_NAME}", line 1' in text.splitlines()
    assert all(line.isprintable() for line in text.splitlines())


def test_a_long_chain_is_formatted_in_linear_time_and_bounded():
    """900 links took 12 s when each link was put in front of the text so far."""
    exc = None
    for number in range(900):
        try:
            raise ValueError(f"link {number}") from exc
        except ValueError as caught_exc:
            exc = caught_exc
    started = time.perf_counter()
    text = format_exception(exc)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0  # 0.01 s here; a quadratic walk took seconds
    assert text.count("The above exception was the direct cause") == MAX_CHAIN
    assert text.startswith("[... the earlier exceptions of the chain are left out")
    assert text.endswith("ValueError: link 899")


def test_a_whole_traceback_is_cut_in_the_middle():
    exc = caught(lambda: deep_raise("z" * MAX_MESSAGE))
    text = format_exception(
        caught(lambda: raise_group_of(exc, 15))
    )  # 15 members of 16 KiB each
    assert len(text) < MAX_TEXT + 100
    assert re.search(r"\n\[\.\.\. [\d,]+ characters cut \.\.\.\]\n", text)


def raise_group_of(exc, count):
    raise ExceptionGroup("many", [exc] * count)
