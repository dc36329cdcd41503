# AbuseDesk: `make run` to use it, `make test` to test it. Both create the virtualenv themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test lint check migrate clean compiled

$(VENV)/.installed: pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# plain Python here: the compiled parsers are built in place below, in parallel
	ABUSEDESK_PURE_PYTHON=1 $(PY) -m pip install --quiet -e .
	touch $@

# The parser modules compiled by Cython (setup.py), rebuilt when a parser changes; should
# the compile fail, they run as plain Python, with the same results.
PARSER_SOURCES := $(wildcard incidents/parsers/*.py incidents/parsers/formats/*.py incidents/parsers/*.c)
$(VENV)/.compiled: $(VENV)/.installed setup.py $(PARSER_SOURCES)
	($(PY) -m pip install --quiet "Cython>=3.1" && $(PY) setup.py --quiet build_ext --inplace) \
		|| echo "make: compiling the parsers failed; they run as plain Python"
	touch $@

compiled: $(VENV)/.compiled

$(VENV)/.installed-test: $(VENV)/.installed
	ABUSEDESK_PURE_PYTHON=1 $(PY) -m pip install --quiet -e ".[test]"
	touch $@

migrate: $(VENV)/.installed $(VENV)/.compiled
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py ensure_admin
	$(PY) scripts/run_local.py

test: $(VENV)/.installed-test $(VENV)/.compiled
	$(PY) scripts/testenv.py $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build incidents/parsers/*.so* incidents/parsers/formats/*.so*
