.PHONY: run test setup schema

setup:
	bash scripts/bootstrap.sh

run: setup
	.venv/bin/python -m app.cli serve

test: setup
	.venv/bin/python -m pytest -q

schema: setup
	.venv/bin/python -m schema.export
