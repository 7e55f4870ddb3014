from resolvers.export import SCHEMA_FILE, sdl


def test_schema_graphql_matches_the_code():
    assert SCHEMA_FILE.read_text() == sdl(), "schema.graphql is stale: run `make schema`"
