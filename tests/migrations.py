"""Running a data migration in a test: the database taken back to before it, then forward."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def migrated_back_to(target: tuple[str, str]) -> Iterator[MigrationExecutor]:
    """The database at ``target``; at the end, at the latest migrations again."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([target])
    try:
        yield executor
    finally:
        MigrationExecutor(connection).migrate(leaves)
