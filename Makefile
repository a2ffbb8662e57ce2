# Canopy — the two commands a newcomer needs: `make demo` and `make test`. `make bench` prints benchmark figures.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NAME ?=

.PHONY: demo serve test bench lint venv services browser serve-tools assets clean-demo messages

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -c "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	  print('\n'.join(d['dependencies'] + d['optional-dependencies']['dev']))" > $(VENV)/requirements.txt
	@echo "Installing dependencies into $(VENV)…"
	@$(PY) -m pip install -q -r $(VENV)/requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

# htmx, Chart.js, d3 (genealogy viewer) and axe-core (browser tests) come from the npm registry at install time
# (package-lock.json pins them).
assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is required for the web assets (apt-get install npm)."; exit 1; }
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch node_modules/.installed

services:
	@bash infra/ensure_services.sh

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)); } || echo "Chromium not installed: browser tests will be skipped."

# The serving stack's tools from Debian: Caddy (TLS, HTTP/2, static files) and PgBouncer (connection pooling); dnsmasq
# is the real DNS server the domain-verification tests look TXT records up in.
serve-tools:
	@{ command -v caddy >/dev/null && command -v pgbouncer >/dev/null && test -x /usr/sbin/dnsmasq; } || \
	  { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq caddy pgbouncer dnsmasq-base >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq caddy pgbouncer dnsmasq-base >/dev/null)); } || \
	  echo "Caddy/PgBouncer/dnsmasq not installed (apt-get install caddy pgbouncer dnsmasq-base): their tests will be skipped."

# The translation catalogues (locale/<lang>/LC_MESSAGES/django.po) compiled for Django; GNU gettext's msgfmt does it.
messages: venv
	@command -v msgfmt >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq gettext >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)); } || echo "gettext is required (apt-get install gettext)."
	@$(PY) -m infra.i18n compile

demo: venv services assets messages
	@$(PY) -m infra.demo

# The production stack on this machine (docs/deploy.md): https://acme.localhost:8150/ with Caddy's local CA.
serve: venv services assets serve-tools messages
	@$(PY) -m infra.serve

# Two workers (pytest-xdist), one per core; each has its own test database, Celery worker, queue and emulator
# (config/settings/test.py). A file's tests stay on one worker (its module fixtures are built once).
TEST_WORKERS ?= 2
test: venv services browser serve-tools assets messages
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

bench: venv services serve-tools assets messages
	@$(PY) -m bench $(NAME)

# The same checks run before each commit (.pre-commit-config.yaml). Configured in pyproject.toml.
lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/lint-imports --no-cache
	@$(VENV)/bin/mypy
	@DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	@$(PY) -m infra.i18n check

clean-demo:
	@$(PY) -m infra.demo --reset-only
