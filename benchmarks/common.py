"""What every benchmark shares: the server, scratch databases, timing and a progress bar."""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pydal_free_repo import embedded
from pydal_free_repo.schema import migrate

DEFAULT_DATA_DIR = ".pfr/bench-pgdata"


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server whose user may create databases."""

    uri: str

    @classmethod
    def resolve(cls, dsn: str | None, data_dir: str | None) -> Server:
        url = dsn or os.environ.get("PFR_BENCH_DATABASE_URL")
        if not url:
            chosen = data_dir or os.environ.get("PFR_BENCH_DATA_DIR") or DEFAULT_DATA_DIR
            url = embedded.start(chosen, database="postgres", archive=False).uri
        return cls(url)

    def dsn(self, dbname: str) -> str:
        return make_conninfo(self.uri, dbname=dbname)

    @property
    def maintenance(self) -> str:
        return self.dsn(conninfo_to_dict(self.uri).get("dbname") or "postgres")

    def exists(self, dbname: str) -> bool:
        with psycopg.connect(self.maintenance, autocommit=True) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            return row.fetchone() is not None

    def drop(self, dbname: str) -> None:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(dbname)
        )
        with psycopg.connect(self.maintenance, autocommit=True) as conn:
            conn.execute(statement)

    def fresh(self, dbname: str) -> str:
        """A new, fully migrated database (dropped first if it exists); its DSN."""
        self.drop(dbname)
        with psycopg.connect(self.maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        dsn = self.dsn(dbname)
        migrate(dsn)
        return dsn

    def version(self) -> str:
        with psycopg.connect(self.maintenance) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]


@dataclass
class Timings:
    """Wall-clock seconds of repeated runs of one operation."""

    seconds: list[float] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        ordered = sorted(self.seconds)
        if not ordered:
            return math.nan
        index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50(self) -> float:
        return self.quantile(0.5)

    @property
    def p95(self) -> float:
        return self.quantile(0.95)

    @property
    def p99(self) -> float:
        return self.quantile(0.99)

    @property
    def total(self) -> float:
        return sum(self.seconds)


def repeat(operation: Callable[[], Any], reps: int, *, warmup: int = 1) -> Timings:
    for _ in range(warmup):
        operation()
    timings = Timings()
    for _ in range(reps):
        started = time.perf_counter()
        operation()
        timings.seconds.append(time.perf_counter() - started)
    return timings


@contextlib.contextmanager
def stopwatch() -> Iterator[Timings]:
    timings = Timings()
    started = time.perf_counter()
    try:
        yield timings
    finally:
        timings.seconds.append(time.perf_counter() - started)


class Progress:
    """A one-line progress bar on stderr (only redrawn when stderr is a terminal or at the end)."""

    def __init__(self, label: str, total: int, *, quiet: bool = False, width: int = 30):
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.width = width
        self.quiet = quiet
        self.started = time.perf_counter()
        self._tty = sys.stderr.isatty()

    def advance(self, amount: int = 1) -> None:
        self.done = min(self.total, self.done + amount)
        if self._tty and not self.quiet:
            self._draw(end="")

    def finish(self) -> None:
        self.done = self.total
        if not self.quiet:
            self._draw(end="\n")

    def _draw(self, end: str) -> None:
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self.started
        percent = 100 * self.done / self.total
        sys.stderr.write(f"\r  {self.label:<18} [{bar}] {percent:5.1f}% {elapsed:6.1f}s{end}")
        sys.stderr.flush()


def log(message: str, *, quiet: bool = False) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)
