# The two commands of the README: `make run` and `make test`.
# Both create .venv, install what they need (Python packages, the editor
# bundle, Debian's graphviz/chromium when missing) and are safe to re-run.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install system-deps editor lint unit serve-prod clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,notebook]'
	touch $(STAMP)

install: $(STAMP) system-deps editor

# Debian packages the suite and the app need; installed only when missing.
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The browser editor bundle (static/dist), rebuilt when its sources change.
editor:
	@if [ -f static/package.json ]; then $(MAKE) --no-print-directory static/dist/.built; fi

static/dist/.built: static/package.json static/package-lock.json static/build.mjs $(shell find static/src -type f 2>/dev/null)
	cd static && npm ci --no-audit --no-fund --loglevel=error && npm run build
	touch $@

run: install
	$(VENV)/bin/designer db upgrade
	$(VENV)/bin/designer examples load
	$(VENV)/bin/designer run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check designer tests benchmarks migrations
	$(VENV)/bin/ruff format --check designer tests benchmarks migrations

test: install
	$(VENV)/bin/ruff check designer tests benchmarks migrations
	@if [ -f static/package.json ]; then cd static && npm test --silent; fi
	$(VENV)/bin/pytest

# gunicorn with designer/web/gunicorn_conf.py (docs/deployment.md); login is required:
# create the first admin with `designer user create NAME --role admin`.
serve-prod: $(STAMP) editor
	$(VENV)/bin/designer db upgrade
	DESIGNER_BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn -c python:designer.web.gunicorn_conf \
	  'designer.web:create_app()'

clean:
	rm -rf $(VENV) static/node_modules static/dist instance .pytest_cache .ruff_cache
