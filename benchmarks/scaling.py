"""Single node against the 3-node Citus cluster, on the same machine and binaries.

``python -m benchmarks --only scaling [--scale S]`` starts (as root) a Citus cluster with
``../shared/citus/cluster.sh`` in /tmp/pfr-scale (ports 56120-56122, override with
PFR_SCALING_PORT), or uses ``PFR_SCALING_DSN`` (a coordinator you started). In it, two
databases: ``single`` (the package migrated, nothing distributed: plain PostgreSQL 15 on the
coordinator's server) and ``dist`` (migrated, then sql/admin/citus.sql). Each write path and
each dashboard read runs on both; figures are rows per second and seconds, and the ratio
cluster / single is the number that means something on a shared machine.

Measured: rows/s through ``record_llm_call`` (one statement per call), the buffered writer
(COPY through the coordinator), and claims; bytes per LLM call in ``llm_call_history`` (no
contents) and in ``generations`` with a 2 kB prompt and a 500 B output (contents); the
dashboard (stats, daily stats, LLM cost, cost by model) against the number of LLM calls.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from benchmarks.common import log
from pydal_free_repo import BufferedWriter, Database, IssueHistory, migrate

ROOT = Path(__file__).resolve().parents[1]
CLUSTER_SH = ROOT.parent / "shared" / "citus" / "cluster.sh"
CITUS_SQL = ROOT / "sql" / "admin" / "citus.sql"
PSQL = "/usr/lib/postgresql/15/bin/psql"
SQL = Path(__file__).resolve().parent / "sql"
DASHBOARD = ("stats", "daily_stats", "llm_cost", "llm_cost_by_model")
PROMPT = "p" * 2000
OUTPUT = "o" * 500


@dataclass
class Scaling:
    writes: dict[str, dict[str, float]] = field(default_factory=dict)  # path -> mode -> rows/s
    bytes_per_call: dict[str, dict[str, float]] = field(default_factory=dict)
    dashboard: list[dict[str, Any]] = field(default_factory=list)  # rows, mode, read, seconds
    columnar: dict[str, int] = field(default_factory=dict)  # heap / columnar bytes, rows


def _psql(dsn: str, *args: str) -> None:
    subprocess.run(
        [PSQL, dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", *args],
        check=True,
        capture_output=True,
        text=True,
    )


def _cluster() -> tuple[str, Callable[[], None]]:
    existing = os.environ.get("PFR_SCALING_DSN")
    if existing:
        return existing, lambda: None
    port = os.environ.get("PFR_SCALING_PORT", "56120")
    directory = f"/tmp/pfr-scale-{port}"
    out = subprocess.run(
        ["bash", str(CLUSTER_SH), "start", directory, port, "single"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    subprocess.run(
        ["bash", str(CLUSTER_SH), "start", directory, port, "dist"],
        check=True,
        capture_output=True,
        text=True,
    )
    dsn = out.strip().splitlines()[-1]

    def stop() -> None:
        subprocess.run(["bash", str(CLUSTER_SH), "stop", directory], capture_output=True)

    return dsn, stop


def _sql(name: str) -> str:
    return (SQL / f"{name}.sql").read_text()


def _rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def _writes(dsn: str, calls: int, copied: int, claims: int) -> dict[str, float]:
    db = Database.connect(dsn, max_size=4)
    try:
        repo = IssueHistory(db)
        began = time.perf_counter()
        made = [repo.claim({"key": f"S-{os.getpid()}-{time.time_ns()}-{i}"}) for i in range(claims)]
        claim_rate = _rate(claims, time.perf_counter() - began)
        ids = [c.history_id for c in made]
        began = time.perf_counter()
        for i in range(calls):
            repo.record_llm_call(
                ids[i % len(ids)],
                call_type="code_diff",
                model="gpt-4o",
                prompt_tokens=1200,
                completion_tokens=300,
            )
        record_rate = _rate(calls, time.perf_counter() - began)
        writer = BufferedWriter(db, batch_size=5000, max_queue=copied + 1)
        began = time.perf_counter()
        with writer:
            for i in range(copied):
                writer.llm_call(
                    ids[i % len(ids)],
                    "code_diff",
                    "gpt-4o",
                    prompt_tokens=1200,
                    completion_tokens=300,
                )
            writer.flush(timeout=3600)
        copy_rate = _rate(copied, time.perf_counter() - began)
        return {"claim": claim_rate, "record_llm_call": record_rate, "writer_copy": copy_rate}
    finally:
        db.close()


def _bytes_per_call(dsn: str, rows: int, citus: bool) -> dict[str, float]:
    size = "citus_total_relation_size" if citus else "pg_total_relation_size"
    db = Database.connect(dsn, max_size=2)
    try:
        repo = IssueHistory(db)
        run = repo.claim({"key": f"BYTES-{time.time_ns()}"}).history_id
        with psycopg.connect(dsn, autocommit=True) as conn:
            workflow = conn.execute(
                "INSERT INTO users (username) VALUES (%s) RETURNING id", (f"b{time.time_ns()}",)
            ).fetchone()[0]
            workflow = conn.execute(
                "INSERT INTO workflows (user_id) VALUES (%s) RETURNING id", (workflow,)
            ).fetchone()[0]

        def measure(table: str) -> int:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
                parts = conn.execute(
                    "SELECT inhrelid::REGCLASS::TEXT FROM pg_inherits"
                    " WHERE inhparent = %s::REGCLASS",
                    (table,),
                ).fetchall()
                query = sql.SQL("SELECT {}(%s)").format(sql.Identifier(size))
                return sum(conn.execute(query, (p,)).fetchone()[0] for (p,) in parts)

        before = {t: measure(t) for t in ("llm_call_history", "generations")}
        with BufferedWriter(db, batch_size=5000, max_queue=2 * rows + 1) as writer:
            for _ in range(rows):
                writer.llm_call(
                    run,
                    "code_diff",
                    "gpt-4o",
                    prompt_tokens=1200,
                    completion_tokens=300,
                    cache_key="k" * 40,
                    duration_seconds=1.5,
                )
                writer.generation(
                    workflow,
                    "gpt-4o",
                    prompt_tokens=1200,
                    completion_tokens=300,
                    system_prompt=PROMPT[:200],
                    user_prompt=PROMPT,
                    output=OUTPUT,
                    latency_ms=1500,
                )
            writer.flush(timeout=3600)
        return {
            "llm_call_history (no contents)": (
                measure("llm_call_history") - before["llm_call_history"]
            )
            / rows,
            "generations (2 kB prompt, 500 B output)": (
                measure("generations") - before["generations"]
            )
            / rows,
        }
    finally:
        db.close()


def _load_calls(dsn: str, total: int, citus: bool) -> None:
    """Bring llm_call_history (and runs, 20 calls per run) up to ``total`` rows, priced in the
    statement (the pricing trigger disabled for the bulk load, on both modes alike)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        have = conn.execute("SELECT COUNT(*) FROM llm_call_history").fetchone()[0]
        missing = total - have
        if missing <= 0:
            return
        runs = max(1, missing // 20)
        conn.execute("ALTER TABLE llm_call_history DISABLE TRIGGER trg_llm_call_history_price")
        try:
            conn.execute(_sql("scaling_load_runs"), {"base": have, "runs": runs})
            conn.execute(_sql("scaling_load_llm_calls"), {"base": have})
        finally:
            conn.execute("ALTER TABLE llm_call_history ENABLE TRIGGER trg_llm_call_history_price")
        if not citus:
            conn.execute("SELECT COUNT(*) FROM pfr_rollup_refresh()")
        conn.execute("VACUUM ANALYZE")


def columnar_sizes(dsn: str, rows: int) -> dict[str, int]:
    """Bytes of the same LLM calls (the oldest ``rows``) as a heap and as a columnar table:
    what moving an old month to columnar would save (the partitions themselves cannot move
    while they carry foreign keys, see docs/SCALING.md)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS citus_columnar")
        sizes = {"rows": rows}
        for method in ("heap", "columnar"):
            scratch = sql.Identifier(f"pfr_scaling_{method}")
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(scratch))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {} USING {} AS"
                    " SELECT * FROM llm_call_history ORDER BY created_at LIMIT %s"
                ).format(scratch, sql.Identifier(method)),
                (rows,),
            )
            sizes[method] = conn.execute(
                "SELECT pg_total_relation_size(%s::REGCLASS)", (f"pfr_scaling_{method}",)
            ).fetchone()[0]
            conn.execute(sql.SQL("DROP TABLE {}").format(scratch))
        return sizes


def _dashboard(dsn: str, reps: int) -> dict[str, float]:
    db = Database.connect(dsn, max_size=2)
    try:
        repo = IssueHistory(db)
        reads: dict[str, Callable[[], Any]] = {
            "stats": repo.stats,
            "daily_stats": lambda: repo.daily_stats(7),
            "llm_cost": lambda: repo.llm_cost(7),
            "llm_cost_by_model": lambda: repo.llm_cost_by_model(30),
        }
        timings = {}
        for name, read in reads.items():
            read()
            samples = []
            for _ in range(reps):
                began = time.perf_counter()
                read()
                samples.append(time.perf_counter() - began)
            timings[name] = statistics.median(samples)
        return timings
    finally:
        db.close()


def run(scale: float, *, quiet: bool = False) -> Scaling:
    coordinator, stop = _cluster()
    single = make_conninfo(coordinator, dbname="single")
    dist = make_conninfo(coordinator, dbname="dist")
    result = Scaling()
    try:
        for dsn in (single, dist):
            migrate(dsn)
        _psql(dist, "-f", str(CITUS_SQL))
        calls = max(50, round(2_000 * scale))
        copied = max(500, round(50_000 * scale))
        claims = max(20, round(500 * scale))
        for mode, dsn in (("single", single), ("citus", dist)):
            log(f"scaling: write paths, {mode}", quiet=quiet)
            for path, rate in _writes(dsn, calls, copied, claims).items():
                result.writes.setdefault(path, {})[mode] = rate
                log(f"  {path}: {rate:,.0f} rows/s", quiet=quiet)
            log(f"scaling: bytes per call, {mode}", quiet=quiet)
            result.bytes_per_call[mode] = _bytes_per_call(
                dsn, max(500, round(20_000 * scale)), mode == "citus"
            )
        steps = [max(10_000, round(n * scale)) for n in (1_000_000, 3_000_000, 10_000_000)]
        if os.environ.get("PFR_SCALING_STEPS"):  # e.g. 1000000,3000000: dashboard sizes as given
            steps = [int(n) for n in os.environ["PFR_SCALING_STEPS"].split(",")]
        for total in steps:
            for mode, dsn in (("single", single), ("citus", dist)):
                log(f"scaling: dashboard at {total:,} LLM calls, {mode}", quiet=quiet)
                began = time.perf_counter()
                _load_calls(dsn, total, mode == "citus")
                load = time.perf_counter() - began
                for read, seconds in _dashboard(dsn, 3 if scale < 0.1 else 5).items():
                    result.dashboard.append(
                        {
                            "rows": total,
                            "mode": mode,
                            "read": read,
                            "seconds": seconds,
                            "load": load,
                        }
                    )
                    log(f"  {read}: {seconds:.3f} s (load {load:.0f} s)", quiet=quiet)
        result.columnar = columnar_sizes(single, steps[0])
    finally:
        stop()
    if not quiet:
        print(markdown(result))
    return result


def markdown(result: Scaling) -> str:
    lines = [
        "| write path | single node rows/s | 3-node Citus rows/s | Citus / single |",
        "|---|---:|---:|---:|",
    ]
    for path, modes in result.writes.items():
        s, c = modes.get("single", 0.0), modes.get("citus", 0.0)
        lines.append(f"| {path} | {s:,.0f} | {c:,.0f} | {c / s if s else 0:.2f} |")
    lines += ["", "| table | single node bytes/call | Citus bytes/call |", "|---|---:|---:|"]
    for table in result.bytes_per_call.get("single", {}):
        s = result.bytes_per_call["single"][table]
        c = result.bytes_per_call.get("citus", {}).get(table, 0.0)
        lines.append(f"| {table} | {s:,.0f} | {c:,.0f} |")
    lines += [
        "",
        "| LLM calls | read | single node s | Citus s | Citus / single |",
        "|---:|---|---:|---:|---:|",
    ]
    by_key = {(d["rows"], d["mode"], d["read"]): d["seconds"] for d in result.dashboard}
    for rows in sorted({d["rows"] for d in result.dashboard}):
        for read in DASHBOARD:
            s, c = by_key.get((rows, "single", read)), by_key.get((rows, "citus", read))
            if s is None or c is None:
                continue
            lines.append(f"| {rows:,} | {read} | {s:.3f} | {c:.3f} | {c / s:.2f} |")
    if result.columnar:
        c = result.columnar
        lines += [
            "",
            f"Columnar: {c['rows']:,} LLM calls take {c['heap']:,} bytes as a heap table and"
            f" {c['columnar']:,} bytes as a columnar one"
            f" ({c['heap'] / c['columnar']:.1f}x smaller).",
        ]
    return "\n".join(lines)
