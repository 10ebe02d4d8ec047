# Two entry points do all the set-up on a fresh machine: `make demo` and `make test`.
# Each step leaves a stamp, so the second run only does what changed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint docs system clean

demo: $(STAMP) system
	$(VENV)/bin/wangjian demo

test: $(STAMP) system
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP) system
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Chromium and CJK fonts from Debian when missing (root); otherwise say how to get them.
system:
	@sh scripts/system-deps.sh

clean:
	rm -rf $(VENV) wangjian-data

docs: $(STAMP)
	$(PY) scripts/cli_docs.py
