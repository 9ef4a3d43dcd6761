"""Named SQL queries loaded from the ``sql/`` folder.

A query's name is its path under ``sql/`` without the ``.sql`` suffix, for example
``issues/claim``. Jinja2 renders a template only to add or drop clauses (``structure``
keyword arguments, with ``StrictUndefined`` so a missing one is an error); values are
always bound parameters (``%(name)s``) and identifiers are passed as ``identifiers`` and
composed with ``psycopg.sql.Identifier``. Every statement sent starts with
``/* name */`` so it can be recognised in ``pg_stat_activity`` and the server log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jinja2
from psycopg import sql

from pydal_free_repo.errors import ConfigurationError


def sql_root() -> Path:
    return Path(str(files("pydal_free_repo.sql")))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(sql_root())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Query:
    name: str
    text: str

    def composed(self, identifiers: dict[str, str] | None = None) -> sql.SQL | sql.Composed:
        statement = sql.SQL(self.text)
        if identifiers:
            return statement.format(
                **{key: sql.Identifier(value) for key, value in identifiers.items()}
            )
        return statement


@lru_cache(maxsize=512)
def _render(name: str, structure: tuple[tuple[str, object], ...]) -> Query:
    try:
        template = _environment().get_template(f"{name}.sql")
    except jinja2.TemplateNotFound:
        raise ConfigurationError(f"no SQL template named {name!r} under sql/") from None
    body = template.render(**dict(structure)).strip().rstrip(";")
    return Query(name=name, text=f"/* {name} */\n{body}")


def load(name: str, **structure: object) -> Query:
    """The named query rendered with ``structure`` (hashable values only: they key the cache)."""
    return _render(name, tuple(sorted(structure.items())))


# Scripts a DBA runs by hand with psql (roles and grants), not queries the package sends.
ADMIN_FOLDER = "admin"


def names() -> list[str]:
    """Every query name under ``sql/``, sorted (``sql/admin/`` holds DBA scripts, not queries)."""
    root = sql_root()
    return sorted(
        path.relative_to(root).with_suffix("").as_posix()
        for path in root.rglob("*.sql")
        if (path.parent != root or not path.name.startswith("_"))
        and path.relative_to(root).parts[0] != ADMIN_FOLDER
    )
