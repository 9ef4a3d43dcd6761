"""What a CLI command needs: the DSN in use and a database opened on first use."""

from __future__ import annotations

import os

from pydal_free_repo import routing
from pydal_free_repo.database import Database
from pydal_free_repo.dsn import resolve_dsn

# Every statement a command sends is bounded (lock waits included), so a slow or locked
# database gives a clear "timed out" error instead of a hang. Jobs set their own.
READ_TIMEOUT_ENV = "PFR_READ_TIMEOUT"
DEFAULT_READ_TIMEOUT = "30s"


class Context:
    def __init__(self, dsn: str | None = None):
        # A command fails at once with the server's reason (wrong password, server down)
        # rather than after the pool's retries; the daemon clears it to outlive outages.
        self.check_connection = True
        self._given = dsn
        self._resolved: str | None = None
        self._db: Database | None = None

    @property
    def given_dsn(self) -> str | None:
        """The --dsn given on the command line, if any."""
        return self._given

    @property
    def dsn(self) -> str:
        if self._resolved is None:
            self._resolved = resolve_dsn(self._given)
        return self._resolved

    @property
    def db(self) -> Database:
        if self._db is None:
            # With DATABASE_READ_URL, read-only queries go to that standby (routing.py).
            self._db = routing.connect(
                self.dsn,
                min_size=1,
                max_size=4,
                statement_timeout=os.environ.get(READ_TIMEOUT_ENV) or DEFAULT_READ_TIMEOUT,
                check=self.check_connection,
            )
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
