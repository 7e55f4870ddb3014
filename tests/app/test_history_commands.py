"""`journey import` and `journey outcomes train`, run as an admin runs them, against the
database a running service uses."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.outcomes import create_outcome, ended_shop_history
from tests.support.service import Service

pytestmark = pytest.mark.slow  # runs the command line in processes

PROJECT = Path(__file__).resolve().parents[2]
MODEL = "{ outcomes { model { source } } }"


async def journey(service: Service, *args: str) -> tuple[int, str, str]:
    """Run the `journey` command on the service's database; (exit code, stdout, stderr)."""
    env = {**os.environ, "JOURNEY_MONGODB_URI": service.settings.mongodb_uri,
           "JOURNEY_DATABASE": service.settings.database}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=PROJECT,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_import_shows_progress_and_a_summary_and_is_idempotent(service: Service, tmp_path: Path):
    at = (service.clock.now() - timedelta(days=2)).isoformat()
    file = tmp_path / "history.jsonl"
    file.write_text("".join(json.dumps(line) + "\n" for line in [
        {"cookieId": "h", "id": "1", "type": "pageview", "occurredAt": at, "page": {"url": "https://s.example/"}},
        {"cookieId": "h", "id": "2", "type": "search", "occurredAt": at, "query": "boots"},
        {"cookieId": "h", "id": "3", "type": "search", "occurredAt": at},
    ]))
    code, out, err = await journey(service, "import", str(file))
    assert code == 0, err
    assert out.splitlines() == ["accepted 2, duplicate 0, rejected 1; 1 sessions", "  line 3: query: is required"]
    assert "importing: 100%" in err  # the progress bar
    code, out, _ = await journey(service, "import", str(file))
    assert out.splitlines()[0] == "accepted 0, duplicate 2, rejected 1; 0 sessions"


async def test_import_names_a_file_it_cannot_read(service: Service, tmp_path: Path):
    code, _, err = await journey(service, "import", str(tmp_path / "missing.csv"))
    assert (code, err.strip()) == (2, "error: FILE: No such file or directory")


async def test_outcomes_train_stores_models_the_service_then_serves(service: Service):
    await create_outcome(service)
    await ended_shop_history(service)
    code, out, err = await journey(service, "outcomes", "train")
    assert code == 0, err
    assert out.strip() == "Purchase: trained on 300 session prefixes (100 of sessions that achieved it)"
    service.clock.advance(seconds=service.settings.outcome_refresh_seconds)
    [outcome] = (await service.data(MODEL))["outcomes"]
    assert outcome["model"]["source"] in ("logistic-v1", "trees-v1")


async def test_outcomes_evaluate_prints_the_held_out_figures(service: Service):
    await create_outcome(service)
    code, out, _ = await journey(service, "outcomes", "evaluate")
    assert out.strip() == "Purchase: no model for its current conditions; the fallback scores it"
    await ended_shop_history(service)
    await journey(service, "outcomes", "train")
    code, out, err = await journey(service, "outcomes", "evaluate")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Purchase: ") and lines[0].endswith("on 60 sessions; used")
    assert lines[1] == "  latest 12 sessions held out: 60 prefixes, positive rate 0.500"
    assert lines[2].startswith("  auc=") and "pr_auc=" in lines[2] and "brier=" in lines[2]
    assert "reliability: predicted → observed (prefixes)" in out
