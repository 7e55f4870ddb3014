"""The `journey` command: serve, export the schema."""

from __future__ import annotations

import argparse
import logging
import secrets
import sys

from app.settings import Settings


def serve(settings: Settings) -> None:
    import uvicorn

    from app.main import create_app

    if not settings.admin_token:
        settings = Settings.from_env(admin_token=secrets.token_urlsafe(24))
        origin = "generated for this run (set JOURNEY_ADMIN_TOKEN to choose one)"
    else:
        origin = "from JOURNEY_ADMIN_TOKEN"
    url = f"http://{settings.host}:{settings.port}"
    print(
        f"\nJourney Graph on {url}\n"
        f"  GraphiQL:  {url}/graphql\n"
        f"  Admin token ({origin}):\n    {settings.admin_token}\n"
        f"  In GraphiQL, open Headers and paste:\n"
        f'    {{"Authorization": "Bearer {settings.admin_token}"}}\n'
        f"  Subscriptions send the same value as connection_init payload 'authorization'.\n",
        flush=True,
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        ws="websockets-sansio",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="journey", description="Journey Graph service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the service (embedded store unless JOURNEY_MONGODB_URI)")
    commands.add_parser("export-schema", help="write schema.graphql from the code")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        serve(Settings.from_env())
    elif args.command == "export-schema":
        from schema.export import SCHEMA_FILE, sdl

        SCHEMA_FILE.write_text(sdl())
        print(f"wrote {SCHEMA_FILE}")
    else:  # pragma: no cover - argparse refuses unknown commands
        sys.exit(2)


if __name__ == "__main__":
    main()
