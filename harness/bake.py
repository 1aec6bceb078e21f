"""Baking the template from Python, and importing what was baked (or its hooks)."""

import contextlib
import importlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def bake(directory, **answers):
    """Generate a project into directory; return its path."""
    with silenced_stdout():  # the post-gen hook prints next steps
        path = cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(directory),
            extra_context=answers,
        )
    return Path(path)


def load_hook(name):
    """A hook of the template, imported as a module (its main() is not run)."""
    spec = importlib.util.spec_from_file_location(
        name, TEMPLATE / "hooks" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def silenced_stdout():
    """Silence file descriptor 1, which hook subprocesses inherit."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


@contextlib.contextmanager
def baked_package(**answers):
    """Bake a project and make its package importable; yield (module, project dir)."""
    with tempfile.TemporaryDirectory() as directory:
        project = bake(directory, **answers)
        sys.path.insert(0, str(project))
        try:
            for name in [m for m in sys.modules if m.split(".")[0] == "my_flask_app"]:
                del sys.modules[name]
            yield importlib.import_module("my_flask_app"), project
        finally:
            sys.path.remove(str(project))


@contextlib.contextmanager
def quiet_stderr():
    """Send stderr to /dev/null: the console handler must not time the terminal."""
    saved = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            yield
        finally:
            sys.stderr = saved


def generated_tests_module(name):
    """A module of the generated project's tests folder that holds no placeholder
    (peers.py, mail_server.py), imported from the template as it is."""
    package = "generated_tests"
    if package not in sys.modules:
        folder = TEMPLATE / "{{cookiecutter.project_slug}}" / "tests"
        spec = importlib.util.spec_from_file_location(
            package, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        sys.modules[package] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[package])
    # No __pycache__ in the template: cookiecutter would try to render it.
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        return importlib.import_module(f"{package}.{name}")
    finally:
        sys.dont_write_bytecode = writes
