"""OpenTelemetry integration (the ``otel`` extra): ``PostgresSpanExporter``."""

from pydal_free_repo.otel.exporter import PostgresSpanExporter

__all__ = ["PostgresSpanExporter"]
