# `make demo` and `make test` each set up everything on a fresh Debian machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Journeys mostly wait for pages to settle, so three workers keep two cores busy.
PYTEST_ARGS ?= -n 3 --dist loadscope

.PHONY: demo test setup browser fonts lint bench clean

demo: setup
	$(BIN)/crawler demo scenarios/ --db demo.db --out reports/

# Lint first: ruff and mypy take seconds, and a red lint should not wait for the browser tests.
test: setup lint
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure"; fi; exit $$rc

setup: $(STAMP) browser fonts

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# A browser: the one already found, else Playwright's download, else (as root) Debian's package.
browser: $(STAMP)
	@if $(BIN)/crawler doctor --browser >/dev/null 2>&1; then \
		$(BIN)/crawler doctor --browser; \
	elif timeout 180 $(BIN)/python -m playwright install chromium >/dev/null 2>&1 \
		&& $(BIN)/crawler doctor --browser >/dev/null 2>&1; then \
		$(BIN)/crawler doctor --browser; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium package"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
		&& $(BIN)/crawler doctor --browser; \
	else \
		$(BIN)/crawler doctor --browser; \
	fi

# Screenshots of Chinese pages need CJK glyphs.
fonts:
	@if fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing CJK fonts (fonts-noto-cjk)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null; \
	else \
		echo "warning: no CJK fonts; Chinese text in screenshots will show as boxes (apt-get install fonts-noto-cjk)"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check --quiet crawler tests bench
	$(BIN)/ruff format --check --quiet crawler tests bench
	$(BIN)/mypy

# throughput.py in its short form (about 4 minutes); the full one (200 scenarios, four concurrencies and
# worker processes) takes about an hour: see bench/README.md.
bench: setup
	$(BIN)/python bench/observe_1000.py
	$(BIN)/python bench/consent_1000.py
	$(BIN)/python bench/step_cost.py
	$(BIN)/python bench/throughput.py --scenarios 32 --serial-scenarios 12 --concurrency 1,4 --workers ""

clean:
	rm -rf $(VENV) reports/*.html reports/runs reports/assets reports/screenshots demo.db* demo-screenshots .pytest_cache
