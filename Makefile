# Everything installs itself into .venv on first use; only Python 3.11 or newer is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= build

.PHONY: test test-quick test-container bake lint bench screenshots clean

# The generated projects and the template's tests need Python 3.11 or newer.
NEW_ENOUGH := $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	|| { echo "$(PYTHON) is older than Python 3.11: make PYTHON=python3.11"; exit 1; }

$(BIN)/.installed: requirements-dev.txt
	@$(NEW_ENOUGH)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## test: lint the template's own code, then run every template test but the container's
test: lint
	$(BIN)/python -m pytest -m "not container"

## test-quick: the edit loop: lint, the hooks, one bake, the default project's suite
test-quick: lint
	$(BIN)/python -m pytest -m quick

## test-container: build the generated Dockerfile with buildah and run the image (as
## root on Debian, with buildah and debootstrap; skipped elsewhere, saying why)
test-container: $(BIN)/.installed
	$(BIN)/python -m pytest -m container -n 0 -rs

## lint: ruff over hooks, tests, benchmarks, docs and the harness they share
lint: $(BIN)/.installed
	$(BIN)/ruff check hooks tests bench docs harness
	$(BIN)/ruff format --check hooks tests bench docs harness

# Baking needs cookiecutter alone, at the version the tests use.
$(BIN)/cookiecutter:
	@$(NEW_ENOUGH)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$$(grep '^cookiecutter' requirements-dev.txt)"

## bake: generate a project with the default answers into ./build
bake: $(BIN)/cookiecutter
	$(BIN)/cookiecutter --no-input --overwrite-if-exists --output-dir $(OUT) .

## bench: run the benchmarks in bench/ and print their tables
bench: $(BIN)/.installed
	$(BIN)/python -m bench

## screenshots: pages, a mail and log lines from a generated project, into docs/ and README
screenshots: $(BIN)/.installed
	$(BIN)/python -m docs.capture

clean:
	rm -rf $(VENV) $(OUT)
