"""Private servers of other PostgreSQL versions (the helper lives in benchmarks/servers.py,
which `make bench` uses too)."""

from benchmarks.servers import PG15_BIN, missing_reason, pg14_bin, private_server

__all__ = ["PG15_BIN", "missing_reason", "pg14_bin", "private_server"]
