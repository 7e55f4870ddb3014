"""The `journey` command: serve, manage API keys and deployments, import history, train
outcome models, define the demo shop's example segments and outcome, export the schema."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import secrets
import socket
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from app import logs
from core.clock import SystemClock
from core.errors import InvalidInput
from core.settings import Settings
from journey.identify import verification
from storage.database import Database, close, connect, ensure_indexes
from storage.embedded import EmbeddedStore
from storage.store_lock import SERVICE_LOCK_FILE, DirectoryLock

_held_locks: list[DirectoryLock] = []


def _refuse_if_taken(settings: Settings) -> None:
    """Fail before anything starts when the port or the data directory is in use."""
    with socket.socket() as probe:
        # As the server will bind: a connection in TIME_WAIT does not make the port busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as error:
            sys.exit(
                f"error: cannot listen on {settings.host}:{settings.port} ({error.strerror}); "
                f"is Journey Graph already running? Set JOURNEY_PORT to use another port."
            )
    if settings.mongodb_uri:
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = DirectoryLock(settings.data_dir / SERVICE_LOCK_FILE)
    if not lock.acquire():
        sys.exit(
            f"error: another Journey Graph service (pid {lock.holder() or 'unknown'}) uses the data "
            f"directory {settings.data_dir.resolve()}; stop it, or set JOURNEY_DATA_DIR. Several "
            f"instances share one store through JOURNEY_MONGODB_URI (see README)."
        )
    _held_locks.append(lock)  # released by the kernel when this process ends, however it ends


def serve(settings: Settings) -> None:
    _refuse_if_taken(settings)
    import uvicorn

    from app.http_limits import server_config
    from app.main import create_app

    if not settings.admin_token:
        settings = dataclasses.replace(settings, admin_token=secrets.token_urlsafe(24))
        admin = (f"  Admin token (generated for this run; set JOURNEY_ADMIN_TOKEN to choose one):\n"
                 f"    {settings.admin_token}\n")
    else:
        # A chosen token lives in the environment already; a log of the output is no place for it.
        admin = "  Admin token: the value of JOURNEY_ADMIN_TOKEN (not shown)\n"
    url = f"http://{settings.host}:{settings.port}"
    print(
        f"\nJourney Graph on {url}\n"
        f"  GraphiQL:  {url}/graphql\n"
        f"  Console:   {url}/console/\n"
        f"  Demo shop: {url}/demo/  (browse it, and watch yourself in the console)\n"
        f"{_demo_line(settings)}"
        f"{admin}"
        f"  GraphiQL and the console ask for it first (or append #token=<token> to their address).\n"
        f"  Subscriptions send the same value as connection_init payload 'authorization'.\n",
        flush=True,
    )
    server = uvicorn.Server(server_config(
        create_app(settings), settings, host=settings.host, port=settings.port,
        log_config=None,  # app.logs configured logging for every logger
        access_log=False,  # app.logs writes its own, without query strings
        timeout_graceful_shutdown=max(1, round(settings.shutdown_timeout_seconds)),
    ))
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn raises Ctrl+C again once it has shut down cleanly: not an error
    if not server.started:
        sys.exit(3)  # start-up failed; the log says why


def _demo_line(settings: Settings) -> str:
    if settings.installs_demo:
        return "  Example segments and a Purchase outcome are defined for it (--no-demo: none).\n"
    return "  No example segments or outcomes (`journey demo` adds them).\n"


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The configured MongoDB, or the embedded store: the running service's, if one is
    up, else a store started just for this command."""
    store = None
    uri = settings.mongodb_uri
    if not uri:
        store = EmbeddedStore(engine=settings.embedded_engine, path=settings.data_dir / "journey.sqlite")
        uri = await store.start()  # the running service's store when there is one
    db = connect(uri, settings.database, timeout_seconds=settings.store_timeout_seconds)
    try:
        await ensure_indexes(db, retention_seconds=settings.retention_days * 86400)
        yield db
    finally:
        await close(db)
        if store is not None:
            await store.stop()


async def create_key(settings: Settings, args: argparse.Namespace) -> None:
    from access.keys import create_api_key

    async with database(settings) as db:
        record, token = await create_api_key(
            db, name=args.name, grants=args.permission, divisions=args.division or [],
            now=SystemClock().now(),
        )
    print(f"API key '{record['name']}' ({record['prefix']}): {', '.join(record['permissions'])}")
    print(f"divisions: {', '.join(record['divisions']) or '(none)'}")
    print("token (shown once, store it now):")
    print(token)


async def list_keys(settings: Settings, args: argparse.Namespace) -> None:
    from storage import api_keys

    async with database(settings) as db:
        for record in await api_keys.listing(db):
            state = "revoked" if record.get("revokedAt") else "active"
            print(f"{record['prefix']}  {state:8} {record['name']}  {','.join(record['permissions'])}")


async def revoke_key(settings: Settings, args: argparse.Namespace) -> None:
    from storage import api_keys

    async with database(settings) as db:
        revoked = await api_keys.revoke(db, prefix=args.prefix, now=SystemClock().now())
    print("revoked" if revoked else "no active key with that prefix")
    if not revoked:
        sys.exit(1)


async def save_deployment(settings: Settings, args: argparse.Namespace) -> None:
    from journey.deployments import save_deployment as save

    async with database(settings) as db:
        doc = await save(
            db, deployment_id=args.id, name=args.name, allowed_origins=args.origin,
            form_fields=args.form_field or [], identity_verification=args.identity_verification,
            now=SystemClock().now(),
        )
    print(json.dumps({"id": doc["_id"], "name": doc["name"], "allowedOrigins": doc["allowedOrigins"],
                      "formFields": doc["formFields"],
                      "identityVerification": doc.get("identityVerification") or verification.DEFAULT_MODE}))


async def rotate_identity_secret(settings: Settings, args: argparse.Namespace) -> None:
    from storage import deployments

    secret = verification.new_secret()
    async with database(settings) as db:
        if not await deployments.set_identity_secret(db, deployment_id=args.id, secret=secret,
                                                     now=SystemClock().now()):
            raise InvalidInput("id", "no such deployment")
    print(secret)


async def install_demo(settings: Settings, args: argparse.Namespace) -> None:
    from journey import demo

    async with database(settings) as db:
        installed = await demo.install(db, now=SystemClock().now())
    for name in installed.added:
        print(f"added   {name}")
    for name in installed.kept:
        print(f"kept    {name} (already defined)")
    print("Browse /demo/ and watch the console: segment chips and the Purchase bar appear as you shop.")


def _run(command: Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]], args) -> None:
    try:
        asyncio.run(command(Settings.from_env(), args))
    except InvalidInput as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="journey", description="Journey Graph service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_command = commands.add_parser("serve", help="run the service (embedded store unless JOURNEY_MONGODB_URI)")
    serve_command.add_argument(
        "--no-demo", action="store_true",
        help="define no example segments or outcome (JOURNEY_DEMO=false does the same)",
    )
    commands.add_parser(
        "demo", help="define example segments and a Purchase outcome for the demo shop (idempotent)"
    )
    commands.add_parser("export-schema", help="write schema.graphql from the code")

    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="create a key; its token is printed once")
    create.add_argument("--name", required=True)
    create.add_argument("--permission", action="append", required=True, help="repeatable")
    create.add_argument("--division", action="append", help="repeatable; '*' for every division")
    keys.add_parser("list", help="list keys (never their secrets)")
    revoke = keys.add_parser("revoke", help="revoke a key by its prefix")
    revoke.add_argument("prefix")

    deployments = commands.add_parser("deployments", help="sites allowed to send events")
    actions = deployments.add_subparsers(dest="action", required=True)
    save = actions.add_parser("save", help="create or update a deployment")
    save.add_argument("id")
    save.add_argument("--name")
    save.add_argument("--origin", action="append", required=True, help='repeatable; "*" for any')
    save.add_argument("--form-field", action="append", help="a form field whose value is kept; repeatable")
    save.add_argument(
        "--identity-verification", choices=verification.MODES,
        help="whether browser identities must be signed by the site (default: kept; OFF when new)",
    )
    rotate = actions.add_parser(
        "rotate-identity-secret", help="make a new identity secret and print it once (the old one stops working)")
    rotate.add_argument("id")

    imports = commands.add_parser("import", help="import historical events (admin); pushes nothing live")
    imports.add_argument("file", help="a CSV or JSON Lines file of events")
    imports.add_argument("--deployment", default="default", help="the deployment they were tracked on")
    imports.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file name")

    outcomes = commands.add_parser("outcomes", help="outcome predictions")
    outcome_actions = outcomes.add_subparsers(dest="action", required=True)
    outcome_actions.add_parser("train", help="retrain every active outcome's model now")
    outcome_actions.add_parser(
        "evaluate", help="how each outcome's latest model did on the latest sessions, held out from its training")

    args = parser.parse_args(argv)
    logs.configure(Settings.from_env())
    if args.command == "serve":
        serve(Settings.from_env(demo="false") if args.no_demo else Settings.from_env())
    elif args.command == "export-schema":
        from resolvers.export import SCHEMA_FILE, sdl

        SCHEMA_FILE.write_text(sdl())
        print(f"wrote {SCHEMA_FILE}")
    elif args.command == "keys":
        _run({"create": create_key, "list": list_keys, "revoke": revoke_key}[args.action], args)
    elif args.command == "deployments":
        _run({"save": save_deployment, "rotate-identity-secret": rotate_identity_secret}[args.action], args)
    elif args.command == "demo":
        _run(install_demo, args)
    elif args.command == "import":
        from app.history_commands import import_file

        _run(import_file, args)
    elif args.command == "outcomes":
        from app.history_commands import evaluate_outcomes, train_outcomes

        _run({"train": train_outcomes, "evaluate": evaluate_outcomes}[args.action], args)


if __name__ == "__main__":
    main()
