"""Only storage/ speaks to the database. Outside it, code calls storage's functions and
never a PyMongo method or a collection of the Database object; the layers contract cannot
see this, since a query is an attribute, not an import. Each finding is named by file and line."""

import ast
import tomllib
from pathlib import Path

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from storage.database import Database

ROOT = Path(__file__).resolve().parent.parent
# What mypy checks: the shipped packages and the benchmarks.
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"]

# What the Database object reaches: its collections, the PyMongo database and the client.
REACHED = {name for name, value in vars(Database).items() if isinstance(value, property)} | {"db", "client"}
DATABASE_NAMES = {"db", "_db", "database"}
# Words that other objects use too (bytes.find, websocket.close) are left out: a collection
# to call them on would have to be reached through the Database object, which is caught.
COMMON_WORDS = {"find", "close", "aclose", "next", "watch", "options", "rename", "drop"}
PYMONGO_METHODS = {
    name
    for driver in (AsyncCollection, AsyncDatabase, AsyncMongoClient)
    for name in dir(driver)
    if not name.startswith("_") and callable(getattr(driver, name))
} - COMMON_WORDS


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def database_access(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in REACHED and _last_name(node.value) in DATABASE_NAMES:
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PYMONGO_METHODS:
            found.append((node.lineno, ast.unparse(node.func)))
    return sorted(found)


def test_database_access_stays_in_storage():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {code}"
        for package in PACKAGES
        if package != "storage"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, code in database_access(path.read_text())
    ]
    assert found == []


def test_the_check_sees_collections_and_pymongo_methods():
    assert database_access("await services.db.sessions.find({})") == [(1, "services.db.sessions")]
    assert database_access("await self._db.db.command('ping')") == [(1, "self._db.db"), (1, "self._db.db.command")]
    assert database_access("await collection.update_one({}, {})") == [(1, "collection.update_one")]
    assert database_access("await customers.find(db, customer_id=key)") == []
