"""Spans per second through ``PostgresSpanExporter`` against a raw COPY of the same rows.

The spans are real OpenTelemetry SDK spans of agent traces (invoke_agent > 2 x
execute_tool > chat, plus one chat at the top: 6 spans a trace), made before timing.

a. The exporter: ``export`` in batches of 512 (the BatchSpanProcessor's default), then
   ``force_flush``: span mapping, COPY into the staging table, the idempotency check
   against ``workflow_spans``, workflows, nodes, generations (priced at write time) and
   the span ledger, all included.
b. The same spans exported again: every one is a duplicate (the idempotency path alone).
c. The baseline: the workflows, nodes and generations rows the exporter produced, read
   back, the tables emptied, and the rows written again with one raw COPY per table in
   one transaction (same triggers; no mapping, no staging, no idempotency, no ledger).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from psycopg import sql
from psycopg.types.string import TextLoader

from benchmarks.common import Server, log
from benchmarks.ingest import Rate
from pydal_free_repo import Database
from pydal_free_repo.otel import PostgresSpanExporter

DBNAME = "pfr_bench_spans"
SPANS_PER_TRACE = 6
BATCH = 512
TABLES = ("workflows", "nodes", "generations")


@dataclass(frozen=True)
class SpansReport:
    spans: int
    exporter: Rate
    duplicates: Rate
    copy: Rate
    stored: dict[str, int]
    expected: dict[str, int]

    @property
    def exporter_ratio(self) -> float:
        return self.exporter.per_second / self.copy.per_second

    @property
    def duplicates_ratio(self) -> float:
        return self.duplicates.per_second / self.copy.per_second


def make_spans(traces: int) -> list:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("bench")
    for i in range(traces):
        with tracer.start_as_current_span(
            "invoke_agent planner", attributes={"gen_ai.operation.name": "invoke_agent"}
        ):
            for tool in ("search", "weather"):
                with (
                    tracer.start_as_current_span(
                        f"execute_tool {tool}",
                        attributes={
                            "gen_ai.operation.name": "execute_tool",
                            "gen_ai.tool.call.arguments": f'{{"q": "{i}"}}',
                        },
                    ),
                    tracer.start_as_current_span("chat gpt-4o", attributes=_chat(i)),
                ):
                    pass
            with tracer.start_as_current_span("chat gpt-4o", attributes=_chat(i)):
                pass
    spans = list(memory.get_finished_spans())
    provider.shutdown()
    return spans


def _chat(i: int) -> dict:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 500 + i % 4000,
        "gen_ai.usage.output_tokens": 100 + i % 1500,
        "gen_ai.usage.cache_read.input_tokens": i % 300,
    }


def run(server: Server, n: int, *, quiet: bool = False) -> SpansReport:
    traces = max(1, n // SPANS_PER_TRACE)
    spans = make_spans(traces)
    dsn = server.fresh(DBNAME)
    with Database.connect(dsn, min_size=1, max_size=2) as db:
        exporter = _export(db, spans, "exporter, new spans")
        duplicates = _export(db, spans, "exporter, every span a duplicate")
    log(f"  exporter: {exporter.per_second:,.0f} spans/s", quiet=quiet)
    with psycopg.connect(dsn) as conn:
        stored = {t: _count(conn, t) for t in TABLES}
        copy = _copy_again(conn, len(spans))
    log(f"  raw COPY: {copy.per_second:,.0f} spans/s (rows of the same spans)", quiet=quiet)
    expected = {"workflows": traces, "nodes": 2 * traces, "generations": 3 * traces}
    return SpansReport(len(spans), exporter, duplicates, copy, stored, expected)


def _export(db: Database, spans: list, label: str) -> Rate:
    exporter = PostgresSpanExporter(db, username="bench", batch_size=2_000)
    started = time.perf_counter()
    for i in range(0, len(spans), BATCH):
        exporter.export(spans[i : i + BATCH])
    if not exporter.force_flush(timeout_millis=600_000):
        raise RuntimeError("the exporter did not finish within 10 minutes")
    seconds = time.perf_counter() - started
    exporter.shutdown()
    return Rate(label, len(spans), seconds)


def _count(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
    ).fetchone()[0]


def _copy_again(conn: psycopg.Connection, spans: int) -> Rate:
    """Read the three tables' rows back, empty them, COPY the rows in again (timed)."""
    # JSON read back as its text, so COPY writes it as it was read.
    conn.adapters.register_loader("jsonb", TextLoader)
    data = {}
    for table in TABLES:
        columns = [
            r[0]
            for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                (table,),
            )
        ]
        names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        rows = conn.execute(
            sql.SQL("SELECT {} FROM {}").format(names, sql.Identifier(table))
        ).fetchall()
        data[table] = (names, rows)
    conn.execute("TRUNCATE workflow_spans, workflow_traces, generations, nodes, workflows")
    conn.commit()
    started = time.perf_counter()
    with conn.cursor() as cur:
        for table in TABLES:
            names, rows = data[table]
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
            with cur.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
    conn.commit()
    return Rate("raw COPY of the same rows (baseline)", spans, time.perf_counter() - started)
