"""What ``pfr serve`` binds to and how it reaches the database, checked before it starts."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

from pydal_free_repo.errors import ConfigurationError

TOKEN_ENV = "PFR_SERVE_TOKEN"
STATEMENT_TIMEOUT_ENV = "PFR_SERVE_STATEMENT_TIMEOUT"
DEFAULT_STATEMENT_TIMEOUT = "5s"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class ServeSettings:
    dsn: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    # Bounds every statement of the dashboard's sessions: a slow query gives a 503 page,
    # never a hung one.
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT
    # Bounds the wait for a pooled connection: an unreachable database answers 503 in
    # this many seconds.
    connect_timeout: float = 5.0

    @classmethod
    def from_environment(
        cls, dsn: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
    ) -> ServeSettings:
        settings = cls(
            dsn=dsn,
            host=host,
            port=port,
            token=os.environ.get(TOKEN_ENV) or None,
            statement_timeout=os.environ.get(STATEMENT_TIMEOUT_ENV) or DEFAULT_STATEMENT_TIMEOUT,
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse to listen beyond this machine without a token."""
        if not 0 <= self.port <= 65535:
            raise ConfigurationError(f"port must be 0-65535, got {self.port}")
        if not is_loopback(self.host) and not self.token:
            raise ConfigurationError(
                f"binding to {self.host} exposes the history beyond this machine: set "
                f"{TOKEN_ENV} (every request must then carry it) or bind to 127.0.0.1"
            )
        if self.token is not None and len(self.token) < 16:
            raise ConfigurationError(f"{TOKEN_ENV} must be at least 16 characters")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
