"""Named SQL queries loaded from the ``sql/`` folder.

A query's name is its path under ``sql/`` without the suffix, for example
``issues/run_claim``. File names are entity first: ``<entity>_<action or aspect>``
(``run_claim``, ``node_create``, ``stats_daily``), so one entity's queries sit together.

Two kinds of file, told apart by their suffix:

- ``name.sql`` is plain SQL and is sent verbatim. Jinja2 never sees it, so a ``{#``,
  ``{{`` or ``{%`` inside a string literal, a comment or a JSON path cannot break it.
- ``name.sql.j2`` declares itself a template: Jinja2 renders it, with ``StrictUndefined``
  so a missing ``structure`` argument is an error. Use one only where the statement's
  *structure* really changes with an argument (a clause added or dropped).

Why not render everything: almost every query has a fixed structure, and passing it
through a template engine only adds a way to break it (Jinja2 comment and expression
delimiters are legal SQL text) and hides from the DBA reading the file whether it is
the statement the server sees. Why keep Jinja2: the design keeps it for the few queries
whose clauses vary, and one declared mechanism beats string concatenation in Python.

Values are always bound parameters (``%(name)s``); identifiers are passed as
``identifiers`` and composed with ``psycopg.sql.Identifier``. Every statement sent
starts with ``/* name */`` so it can be recognised in ``pg_stat_activity`` and the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jinja2
from psycopg import sql

from pydal_free_repo.errors import ConfigurationError

PLAIN_SUFFIX = ".sql"
TEMPLATE_SUFFIX = ".sql.j2"
# Scripts a DBA runs by hand with psql (roles and grants), not queries the package sends.
ADMIN_FOLDER = "admin"


def sql_root() -> Path:
    return Path(str(files("pydal_free_repo.sql")))


@dataclass(frozen=True)
class Query:
    name: str
    text: str

    def composed(
        self, identifiers: Mapping[str, str | tuple[str, ...]] | None = None
    ) -> sql.SQL | sql.Composed:
        """The statement, with ``{key}`` placeholders replaced by quoted identifiers (a
        tuple is a qualified name: ``("public", "t")`` is ``"public"."t"``)."""
        statement = sql.SQL(self.text)
        if identifiers:
            return statement.format(
                **{
                    key: sql.Identifier(*value)
                    if isinstance(value, tuple)
                    else sql.Identifier(value)
                    for key, value in identifiers.items()
                }
            )
        return statement


class QueryFolder:
    """The queries under one folder: plain files verbatim, ``.sql.j2`` files rendered."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(root)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.render = lru_cache(maxsize=512)(self._render)

    def path(self, name: str) -> Path:
        """The file of query ``name`` (plain or template); ConfigurationError if neither."""
        for suffix in (PLAIN_SUFFIX, TEMPLATE_SUFFIX):
            candidate = self.root / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
        raise ConfigurationError(f"no SQL file named {name!r} under sql/")

    def _render(self, name: str, structure: tuple[tuple[str, object], ...]) -> Query:
        path = self.path(name)
        if path.name.endswith(TEMPLATE_SUFFIX):
            template = self._jinja.get_template(f"{name}{TEMPLATE_SUFFIX}")
            try:
                body = template.render(**dict(structure))
            except jinja2.UndefinedError as exc:
                raise ConfigurationError(f"template {name}{TEMPLATE_SUFFIX}: {exc}") from None
        elif structure:
            keys = ", ".join(key for key, _ in structure)
            raise ConfigurationError(
                f"{name}.sql is plain SQL and takes no structure arguments ({keys}); "
                f"name it {name}{TEMPLATE_SUFFIX} to make it a template"
            )
        else:
            body = path.read_text(encoding="utf-8")
        return Query(name=name, text=f"/* {name} */\n{body.strip().rstrip(';')}")

    def names(self) -> list[str]:
        found = []
        for path in self.root.rglob("*"):
            relative = path.relative_to(self.root).as_posix()
            if relative.split("/")[0] == ADMIN_FOLDER or path.name.startswith("_"):
                continue
            for suffix in (TEMPLATE_SUFFIX, PLAIN_SUFFIX):
                if relative.endswith(suffix):
                    found.append(relative[: -len(suffix)])
                    break
        return sorted(found)


@lru_cache(maxsize=1)
def _package_folder() -> QueryFolder:
    return QueryFolder(sql_root())


def load(name: str, **structure: object) -> Query:
    """The named query (``structure`` only for ``.sql.j2`` templates; hashable values)."""
    return _package_folder().render(name, tuple(sorted(structure.items())))


def path(name: str) -> Path:
    return _package_folder().path(name)


def names() -> list[str]:
    """Every query name under ``sql/``, sorted (``sql/admin/`` holds DBA scripts, not queries)."""
    return _package_folder().names()
