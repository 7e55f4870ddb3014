"""`journey import`, `journey outcomes train` and `journey outcomes evaluate`: the commands
that work on history."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import database
from core.clock import SystemClock
from core.errors import InvalidInput
from core.settings import Settings
from journey.assembly import build_pipeline
from journey.history import read_rows
from journey.importing import SilentHub, import_rows
from prediction import model_from_document
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
        names = {doc["_id"]: doc["name"] for doc in await stored_outcomes.OUTCOMES.listing(db)}
    if not reports:
        print("no active outcomes")
    for report in reports:
        name = names.get(report.outcome_id, report.outcome_id)
        if report.trained:
            print(f"{name}: trained on {report.rows} session prefixes ({report.positives} of sessions "
                  f"that achieved it)" + ("" if report.used else f"; not used: {report.reason}"))
        else:
            print(f"{name}: kept its fallback; {report.reason}")


async def evaluate_outcomes(settings: Settings, args: argparse.Namespace) -> None:
    async with database(settings) as db:
        definitions = await stored_outcomes.OUTCOMES.listing(db)
        models = {doc["_id"]: doc for doc in await stored_outcomes.models(db)}
    if not definitions:
        print("no outcomes")
    for definition in definitions:
        print(evaluation_report(definition, models.get(definition["_id"])))


def evaluation_report(definition: dict, stored: dict | None) -> str:
    """What an editor reads about an outcome's latest model: the figures of its held-out sessions."""
    name = definition["name"]
    if stored is None or stored.get("revision") != definition.get("revision", 1):
        return f"{name}: no model for its current conditions; the fallback scores it"
    try:
        model = model_from_document(stored["model"])
    except (KeyError, TypeError, ValueError):
        return f"{name}: its stored model cannot be read; the fallback scores it"
    evaluation = model.evaluation
    if not evaluation:
        return f"{name}: {model.kind} trained {model.trained_at:%Y-%m-%d %H:%M} UTC, without a held-out evaluation"
    lines = [
        f"{name}: {model.kind} trained {model.trained_at:%Y-%m-%d %H:%M} UTC on {evaluation['sessions']} sessions; "
        + ("used" if evaluation["used"] else f"not used: {evaluation['reason']}"),
        f"  latest {evaluation['holdoutSessions']} sessions held out: {evaluation['prefixes']} prefixes, "
        f"positive rate {evaluation['positiveRate']:.3f}",
        f"  auc={evaluation['auc']:.3f} pr_auc={evaluation['prAuc']:.3f} brier={evaluation['brier']:.4f} "
        f"fallback_auc={evaluation['fallbackAuc']:.3f}",
    ]
    for candidate in evaluation["candidates"]:
        lines.append(f"  {candidate['kind']:<12} auc={candidate['auc']:.3f} pr_auc={candidate['prAuc']:.3f} "
                     f"brier={candidate['brier']:.4f}")
    lines.append("  reliability: predicted → observed (prefixes)")
    for band in evaluation["reliability"]:
        lines.append(f"    {band['low']:.1f}–{band['high']:.1f}: {band['predicted']:.3f} → {band['observed']:.3f} "
                     f"({band['count']})")
    return "\n".join(lines)
