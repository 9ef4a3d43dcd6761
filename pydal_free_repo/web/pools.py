"""Read-only connection pools, one per time zone asked for.

Days ("runs per day", "the last 7 days") are taken in the session ``TimeZone`` by every
read of the package, and timestamps come back in it. Rather than thread a connection
through every repository call, each zone a browser asks for gets its own small pool whose
sessions start with ``TimeZone`` set, read-only transactions and the statement timeout;
any repository read run on it answers in that zone. Few zones are ever used at once; the
least recently used pool is closed beyond ``MAX_ZONES``.
"""

from __future__ import annotations

import threading
import zoneinfo
from collections import OrderedDict
from functools import lru_cache

from psycopg.conninfo import make_conninfo

from pydal_free_repo.database import Database
from pydal_free_repo.dsn import conninfo_params
from pydal_free_repo.errors import InvalidValue
from pydal_free_repo.web.settings import ServeSettings

MAX_ZONES = 8
DEFAULT_ZONE = "UTC"


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {DEFAULT_ZONE}


def check_zone(name: str) -> str:
    """An IANA zone name both Python and PostgreSQL know, else ``InvalidValue``."""
    if name not in known_zones():
        raise InvalidValue(f"tz must be an IANA time zone such as Europe/Paris, got {name!r}")
    return name


class ZonePools:
    def __init__(self, settings: ServeSettings):
        self.settings = settings
        self._pools: OrderedDict[str, Database] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, zone: str = DEFAULT_ZONE) -> Database:
        check_zone(zone)
        with self._lock:
            db = self._pools.get(zone)
            if db is not None:
                self._pools.move_to_end(zone)
                return db
            db = Database.connect(
                self._dsn_for(zone),
                min_size=1,
                max_size=4,
                timeout=self.settings.connect_timeout,
                application_name="pydal_free_repo.web",
                statement_timeout=self.settings.statement_timeout,
            )
            self._pools[zone] = db
            if len(self._pools) > MAX_ZONES:
                _, oldest = self._pools.popitem(last=False)
                oldest.close()
            return db

    def close(self) -> None:
        with self._lock:
            while self._pools:
                _, db = self._pools.popitem()
                db.close()

    def _dsn_for(self, zone: str) -> str:
        given = conninfo_params(self.settings.dsn).get("options")
        # Zone names hold letters, digits, _, +, - and / only: nothing to escape.
        own = f"-c TimeZone={zone} -c default_transaction_read_only=on"
        return make_conninfo(self.settings.dsn, options=f"{given} {own}" if given else own)
