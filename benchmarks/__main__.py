"""Run the benchmarks, print the results and write them to benchmarks/RESULTS.md.

``python -m benchmarks [--scale S] [--only NAME ...]``, or ``make bench BENCH_ARGS=...``.

Sizes scale with ``--scale`` (1 = 10M LLM calls and 1M runs for the dashboards, 100k
rows for ingestion, 1M rows for retention, 1,000 + 1,000 keys for claims, 60,000
OpenTelemetry spans); ``--small``
is the correctness-only size the test suite runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
from pathlib import Path

from benchmarks import (
    claims,
    dashboard,
    generate,
    ingest,
    jit,
    maintenance,
    migrations,
    recovery,
    report,
    retention,
    scaling,
    spans,
    web,
)
from benchmarks.common import Server, log

BENCHMARKS = (
    "ingest",
    "dashboard",
    "jit",
    "retention",
    "claims",
    "web",
    "recovery",
    "maintenance",
    "migrations",
    "spans",
)
# Run only when named (--only scaling): it starts a 3-node Citus cluster, which needs root.
EXTRA = ("scaling",)
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SMALL_SCALE = 0.0005


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0, help="size factor (default 1)")
    p.add_argument(
        "--small", action="store_true", help=f"tiny sizes (scale {SMALL_SCALE:g}), few repetitions"
    )
    p.add_argument(
        "--only", nargs="+", choices=BENCHMARKS + EXTRA, help="run only these benchmarks"
    )
    p.add_argument("--reps", type=int, default=30, help="repetitions of each dashboard read")
    p.add_argument("--dsn", help="server to use (its user must create databases)")
    p.add_argument("--data-dir", help="embedded server data directory (default .pfr/bench-pgdata)")
    p.add_argument("--regenerate", action="store_true", help="generate the dashboard data again")
    p.add_argument("--output", type=Path, default=RESULTS, help="where to write the results")
    p.add_argument("--no-write", action="store_true", help="print only, write no file")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def sizes(scale: float) -> dict[str, int]:
    return {
        "ingest_rows": max(100, round(100_000 * scale)),
        "retention_rows": max(1_000, round(1_000_000 * scale)),
        "claim_keys": max(32, round(1_000 * scale)),
        "stranded_rows": max(1_000, round(100_000 * scale)),
        "migration_llm_calls": max(10_000, round(1_000_000 * scale)),
        "spans": max(300, round(60_000 * scale)),
    }


def run(argv: list[str] | None = None) -> report.Results:
    args = parser().parse_args(argv)
    scale = SMALL_SCALE if args.small else args.scale
    reps = min(args.reps, 5) if args.small else args.reps
    chosen = args.only or list(BENCHMARKS)
    quiet = args.quiet
    n = sizes(scale)
    server = Server.resolve(args.dsn, args.data_dir)
    command = "python -m benchmarks" + ("" if argv is None else " " + shlex.join(argv))
    if argv is None:
        command = "python -m benchmarks " + shlex.join(sys.argv[1:])
    results = report.Results(
        command=command.strip(),
        scale=scale,
        server_version=server.version(),
        started=dt.datetime.now(dt.timezone.utc),
    )
    began = time.perf_counter()
    if "ingest" in chosen:
        log(f"1. ingestion, {n['ingest_rows']:,} rows per path", quiet=quiet)
        results.ingest = ingest.run(server, n["ingest_rows"], quiet=quiet)
    if "dashboard" in chosen:
        log("2. dashboard reads", quiet=quiet)
        results.dataset = generate.ensure(server, scale, regenerate=args.regenerate, quiet=quiet)
        results.dashboard = dashboard.run(results.dataset.dsn, reps=reps, quiet=quiet)
    if "jit" in chosen:
        log("2b. dashboard reads on PostgreSQL 15 with JIT", quiet=quiet)
        results.jit = jit.run(scale, reps=reps, quiet=quiet)
    if "retention" in chosen:
        log(f"3. retention, {n['retention_rows']:,} rows per month", quiet=quiet)
        results.retention = retention.run(server, n["retention_rows"], quiet=quiet)
    if "claims" in chosen:
        log(f"4. claims, {n['claim_keys']:,} distinct + {n['claim_keys']:,} colliding", quiet=quiet)
        results.claims = claims.run(server, n["claim_keys"], n["claim_keys"], quiet=quiet)
    if "web" in chosen:
        log("5. dashboard overview page (pfr serve), server-side", quiet=quiet)
        if results.dataset is None:
            results.dataset = generate.ensure(
                server, scale, regenerate=args.regenerate, quiet=quiet
            )
        results.web = web.run(results.dataset.dsn, reps=reps, quiet=quiet)
    if "recovery" in chosen:
        log("6. backups, point-in-time recovery and replica lag (own server)", quiet=quiet)
        results.recovery = recovery.run(scale, n["ingest_rows"], quiet=quiet)
    if "spans" in chosen:
        log(f"7. OpenTelemetry spans, {n['spans']:,} spans", quiet=quiet)
        results.spans = spans.run(server, n["spans"], quiet=quiet)
    if "scaling" in chosen:
        log("8. single node against a 3-node Citus cluster (docs/SCALING.md)", quiet=quiet)
        scaling.run(scale, quiet=quiet)
    if "maintenance" in chosen:
        log(f"9. maintenance jobs under writes, {n['stranded_rows']:,} stranded rows", quiet=quiet)
        results.maintenance = maintenance.run(
            server, n["stranded_rows"], with_main=not args.small, quiet=quiet
        )
    if "migrations" in chosen:
        calls = n["migration_llm_calls"]
        log(f"10. migrations onto {calls:,} LLM calls while writers insert", quiet=quiet)
        results.migrations = migrations.run(server, calls, quiet=quiet)
    results.seconds = time.perf_counter() - began
    text = report.markdown(results)
    if not quiet:
        print(text)
    if not args.no_write:
        report.write(results, args.output)
        log(f"written to {args.output}", quiet=quiet)
    return results


def main() -> None:
    run()


if __name__ == "__main__":
    main()
