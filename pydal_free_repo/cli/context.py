"""What a CLI command needs: the DSN in use and a database opened on first use."""

from __future__ import annotations

from pydal_free_repo.database import Database
from pydal_free_repo.dsn import resolve_dsn


class Context:
    def __init__(self, dsn: str | None = None):
        self._given = dsn
        self._resolved: str | None = None
        self._db: Database | None = None

    @property
    def dsn(self) -> str:
        if self._resolved is None:
            self._resolved = resolve_dsn(self._given)
        return self._resolved

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database.connect(self.dsn, min_size=1, max_size=4)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
