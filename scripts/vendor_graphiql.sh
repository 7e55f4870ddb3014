#!/usr/bin/env bash
# Copies GraphiQL and what it needs from the npm registry into app/static/graphiql/vendor,
# at pinned versions, so /graphql's IDE works without the internet. Run again after
# changing a version below; commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHIQL=3.8.3
EXPLORER=1.0.2
REACT=18.2.0

target=app/static/graphiql/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unpack() {  # package@version → directory holding its files
    local tarball
    tarball=$(cd "$work" && npm pack --silent "$1")
    mkdir -p "$work/$1" && tar xzf "$work/$tarball" -C "$work/$1" --strip-components=1
    echo "$work/$1"
}

rm -rf "$target" && mkdir -p "$target"
graphiql=$(unpack "graphiql@$GRAPHIQL")
explorer=$(unpack "@graphiql/plugin-explorer@$EXPLORER")
react=$(unpack "react@$REACT")
react_dom=$(unpack "react-dom@$REACT")

cp "$graphiql/graphiql.min.js" "$graphiql/graphiql.min.css" "$target/"
cp "$explorer/dist/index.umd.js" "$target/plugin-explorer.umd.js"
cp "$explorer/dist/style.css" "$target/plugin-explorer.css"
cp "$react/umd/react.production.min.js" "$react_dom/umd/react-dom.production.min.js" "$target/"
# Source maps are not shipped: the bundles reference them, browsers simply skip them.
{
    echo "Vendored by scripts/vendor_graphiql.sh from the npm registry:"
    echo "graphiql@$GRAPHIQL, @graphiql/plugin-explorer@$EXPLORER, react@$REACT, react-dom@$REACT"
    echo
    for dir in "$graphiql" "$react"; do
        echo "== $(basename "$dir")"; cat "$dir/LICENSE"; echo
    done
} > "$target/LICENSES.txt"
du -sh "$target"
