"""``PostgresSpanExporter``: OpenTelemetry GenAI spans into the workflow tables.

Install it once and the application's instrumented LLM calls, tools and agents show up
in ``pfr workflows`` with tokens and cost, without any call to this package::

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(PostgresSpanExporter()))

``export`` maps the spans (see ``otel.mapping``) and hands them to a ``SpanWriter``, whose
thread writes them; it returns at once, so neither the application thread nor the
processor's worker waits for the database. ``force_flush`` waits for the writes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from pydal_free_repo.database import Database
from pydal_free_repo.otel.mapping import span_fields
from pydal_free_repo.span_writer import SpanWriter, SpanWriterStats
from pydal_free_repo.spans import span_row

log = logging.getLogger(__name__)

DEFAULT_USERNAME = "opentelemetry"


class PostgresSpanExporter(SpanExporter):
    """Write GenAI spans as workflows, nodes and generations (a trace is a workflow).

    ``db`` is a ``Database`` (else one is opened on ``dsn``, ``DATABASE_URL`` or the
    embedded server and closed by ``shutdown``). Workflows belong to the user
    ``username``, by default the resource's ``service.name`` (else ``opentelemetry``).
    Other keyword arguments tune the ``SpanWriter`` (batch_size, max_queue, ...)."""

    def __init__(
        self,
        db: Database | None = None,
        *,
        dsn: str | None = None,
        username: str | None = None,
        **writer_options: object,
    ):
        self._owns_db = db is None
        self.db = db if db is not None else Database.connect(dsn)
        self.username = username
        self.writer = SpanWriter(self.db, name="pfr-otel-exporter", **writer_options)  # type: ignore[arg-type]
        self._shut = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shut:
            return SpanExportResult.FAILURE
        rows = []
        problems = 0
        for span in spans:
            try:
                row, fixed = span_row(span_fields(span, self._username(span)))
            except Exception:  # one unreadable span must not lose the batch
                log.exception("span %r could not be read; skipped", getattr(span, "name", "?"))
                problems += 1
                continue
            problems += bool(fixed)
            rows.append(row)
        self.writer.put(rows, problems)
        return SpanExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.writer.flush(timeout_millis / 1000)

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        self.writer.close()
        if self._owns_db:
            self.db.close()

    @property
    def stats(self) -> SpanWriterStats:
        """Spans accepted, written, duplicates skipped, rejected, dropped, with problems."""
        return self.writer.stats

    def _username(self, span: ReadableSpan) -> str:
        if self.username:
            return self.username
        service = span.resource.attributes.get("service.name") if span.resource else None
        if isinstance(service, str) and service and not service.startswith("unknown_service"):
            return service
        return DEFAULT_USERNAME
