"""`journey import` and `journey outcomes train`: the commands that work on history."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import database
from app.clock import SystemClock
from app.settings import Settings
from journey import event_types
from journey.errors import InvalidInput
from journey.history import read_rows
from journey.importing import SilentHub, import_rows
from journey.pipeline import build_pipeline
from storage import deployments
from storage import outcomes as stored_outcomes

FORMAT_OF_SUFFIX = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _format(args: argparse.Namespace) -> str:
    chosen = args.format or FORMAT_OF_SUFFIX.get(Path(args.file).suffix.lower())
    if chosen is None:
        raise InvalidInput("--format", "give csv or jsonl: the file name does not say which")
    return chosen


def _text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput("FILE", error.strerror or "cannot be read") from None
    except UnicodeDecodeError:
        raise InvalidInput("FILE", "must be UTF-8 text") from None


async def import_file(settings: Settings, args: argparse.Namespace) -> None:
    from tqdm import tqdm

    rows = list(read_rows(_text(args.file), _format(args)))
    event_types.register(phone_default_region=settings.phone_default_region)
    clock = SystemClock()
    async with database(settings) as db:
        await deployments.ensure_default(db, now=clock.now())
        pipeline = build_pipeline(db=db, hub=SilentHub(), clock=clock, settings=settings)
        with tqdm(total=len(rows), unit="row", desc="importing") as bar:
            summary = await import_rows(
                pipeline.importer, rows, deployment_id=args.deployment,
                batch_size=settings.max_batch_events, progress=bar.update,
            )
    print(f"accepted {summary.accepted}, duplicate {summary.duplicate}, rejected {summary.rejected}; "
          f"{len(summary.session_ids)} sessions")
    for line, reason in sorted(summary.rejections):
        print(f"  line {line}: {reason}")
    if summary.rejected > len(summary.rejections):
        print(f"  … and {summary.rejected - len(summary.rejections)} more rejected rows")


async def train_outcomes(settings: Settings, args: argparse.Namespace) -> None:
    async with database(settings) as db:
        pipeline = build_pipeline(db=db, hub=SilentHub(), clock=SystemClock(), settings=settings)
        reports = await pipeline.trainer.train()
        names = {doc["_id"]: doc["name"] for doc in await stored_outcomes.listing(db)}
    if not reports:
        print("no active outcomes")
    for report in reports:
        name = names.get(report.outcome_id, report.outcome_id)
        if report.trained:
            print(f"{name}: trained on {report.rows} session prefixes ({report.positives} of sessions "
                  f"that achieved it)")
        else:
            print(f"{name}: kept its fallback; {report.reason}")
