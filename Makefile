# Bootstraps the virtualenv, then delegates to invoke (tasks.py).
# Quick start: `make run` (site + form handler on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cksum requirements.lock | cut -d' ' -f1)
INVOKE := $(VENV)/bin/invoke

.PHONY: run build check review publish test lint format new-mission reliability benchmark clean

$(STAMP): requirements.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

# make run [PORT=8080]
run: $(STAMP)
	$(INVOKE) run --port "$(or $(PORT),8000)"

build: $(STAMP)
	$(INVOKE) build

# make check [CONTENT=path/to/content] [FORMAT=github|gitlab] [OUTPUT=gl-code-quality.json]
check: $(STAMP)
	$(INVOKE) check --content "$(or $(CONTENT),content)" --format "$(or $(FORMAT),text)" $(if $(OUTPUT),--output "$(OUTPUT)")

# make review BASE=<ref> [OUTPUT=file.md]: what the content changes since BASE do to the site (Markdown)
review: $(STAMP)
	@$(INVOKE) review --base "$(or $(BASE),main)" --content "$(or $(CONTENT),content)" $(if $(OUTPUT),--output "$(OUTPUT)")

# In a forge's pipeline: make publish TO=user@host:/srv/reserve-civique COMMIT=<sha> (SITEURL set; docs/production.md)
publish: $(STAMP)
	$(INVOKE) publish --to "$(TO)" --commit "$(COMMIT)"

test: $(STAMP)
	$(INVOKE) test

lint: $(STAMP)
	$(INVOKE) lint

format: $(STAMP)
	$(INVOKE) format

# Full-size fault tests and the 60 s load test (docs/reliability.md)
reliability: $(STAMP)
	$(INVOKE) reliability

# Build and handler benchmarks (docs/benchmarks.md)
benchmark: $(STAMP)
	$(INVOKE) benchmark

# make new-mission ID=je-distribue-des-colis
new-mission: $(STAMP)
	$(INVOKE) new-mission --id "$(ID)"

clean:
	rm -rf output cache var/cache .pytest_cache .ruff_cache
