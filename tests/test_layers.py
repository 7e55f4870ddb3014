"""Imports run one way, as the layers contract in pyproject.toml lists them: a package
importing one above it fails here, naming the import."""

import logging
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_imports_run_one_way():
    # lint_imports configures logging with dictConfig, which disables every logger that
    # exists already: the service's, whose records later tests in this process read.
    enabled = [
        logger for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.disabled
    ]
    try:
        assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == EXIT_STATUS_SUCCESS
    finally:
        for logger in enabled:
            logger.disabled = False
