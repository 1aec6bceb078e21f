"""The generated README's table of JSON field names (LOG_SCHEMA) is the code's: each
cell names where that schema's formatter puts the field."""

import json
import re
import sys

from .conftest import run, suite_env

# The README's row labels, and the record attribute each row is about.
ROWS = {
    "time (ISO 8601, UTC)": "asctime",
    "level": "levelname",
    "message": "message",
    "logger": "name",
    "source file": "source_file",
    "source line": "source_line",
    "source function": "source_function",
    "exception type": "error_type",
    "exception message": "error_message",
    "traceback": "exc_text",
    "trace id": "trace_id",
    "span id": "span_id",
    "request id": "request_id",
    "request method": "method",
    "request path": "path",
    "client address": "remote_addr",
    "user": "user",
    "status (access lines)": "status",
}
WHERE_FIELDS_GO = """
import json, logging, sys
from my_flask_app.log.json_format import SCHEMAS

fields = json.loads(sys.argv[1])
where = {}
for schema, formatter in SCHEMAS.items():
    record = logging.makeLogRecord({"name": "v-name", "msg": "v-message",
                                    "levelno": 30, "levelname": "WARNING"})
    record.created = 1764064800.123
    for field in fields:
        if field not in ("asctime", "levelname", "message", "name"):
            setattr(record, field, f"v-{field}")
    line = json.loads(formatter().format(record))
    paths = {}
    for key, value in line.items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for inner, item in items:
            paths[f"`{key}`: `{inner}`" if inner else f"`{key}`"] = item
    found = {}
    for field in fields:
        wanted = {"asctime": "2025-11-25T10:00:00.123+00:00", "message": "v-message",
                  "name": "v-name", "exc_text": "v-exc_text"}.get(field, f"v-{field}")
        found[field] = [p for p, value in paths.items() if value == wanted]
    level = formatter.names["levelname"]
    found["levelname"] = [f"`{k}`" for k in (level, "severity_number") if k in line]
    where[schema] = found
print(json.dumps(where))
"""


def table_cells(readme):
    """{row label: [native, ecs, otel, gcp cells]} of the README's field table."""
    block = readme.split("| field | `native` |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in block.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_readmes_field_table_is_where_the_formatters_put_each_field(bake):
    project = bake(log_format="json")
    result = run(
        [sys.executable, "-c", WHERE_FIELDS_GO, json.dumps(list(ROWS.values()))],
        project,
        env=suite_env(),
    )
    assert result.returncode == 0, result.stderr
    where = json.loads(result.stdout)
    cells = table_cells((project / "README.md").read_text())
    assert set(cells) == set(ROWS)
    for label, field in ROWS.items():
        for schema, cell in zip(("native", "ecs", "otel", "gcp"), cells[label],
                                strict=True):  # fmt: skip
            documented = re.findall(r"`[^`]+`(?:: `[^`]+`)?", cell)
            assert sorted(documented) == sorted(where[schema][field]), (label, schema)
