"""Writes schema.graphql from the code: `python -m resolvers.export`."""

from pathlib import Path

from resolvers.build import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def sdl() -> str:
    return str(build_schema()).rstrip() + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(sdl())
    print(f"wrote {SCHEMA_FILE}")
