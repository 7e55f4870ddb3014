.PHONY: run test lint setup schema browser

setup:
	bash scripts/bootstrap.sh

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

run: setup
	.venv/bin/python -m app.cli serve $(ARGS)

# Lint first: a finding fails the build before the suite's minutes are spent.
test: setup browser lint
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy

schema: setup
	.venv/bin/python -m resolvers.export
