"""tools/async_to_sync.py: the sync twins are generated from their async sources, and the
check (``make lint``) fails as soon as a generated file differs from what it would write."""

from __future__ import annotations

import textwrap

from tools import async_to_sync as tool

SOURCE = textwrap.dedent(
    '''\
    """A source.

    Async source: the sync module is generated from this file.
    """

    import asyncio
    import contextlib
    from collections.abc import AsyncIterator

    from pydal_free_repo.async_database import AsyncDatabase


    class AsyncWorkflowLogger:
        def __init__(self, db: AsyncDatabase):
            self.db = db
            self.lock = asyncio.Lock()

        async def __aenter__(self) -> "AsyncWorkflowLogger":
            return self

        @contextlib.asynccontextmanager
        async def rows(self) -> AsyncIterator[int]:
            async with self.db.connection() as conn:
                async for row in conn:
                    yield await row.value()

        async def close(self) -> None:
            await self.db.close()  # async-only
            self.closed = True
    '''
)


def test_the_sync_twin_drops_async_and_maps_names(tmp_path, monkeypatch):
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "PAIRS", {"thing_async.py": "thing.py"})
    (tmp_path / "thing_async.py").write_text(SOURCE)
    assert tool.main([]) == 0
    first, second, code = (tmp_path / "thing.py").read_text().split("\n", 2)
    assert first.startswith("# Generated from thing_async.py by tools/async_to_sync.py")
    assert second == "# Edit the async source and run `make generate`."
    for gone in ("async ", "await ", "Async", "asyncio", "__aenter__", "Async source:"):
        assert gone not in code, gone
    for present in (
        "import threading",
        "from pydal_free_repo.database import Database",
        "class WorkflowLogger:",
        "self.lock = threading.Lock()",
        "def __enter__(self)",
        "@contextlib.contextmanager",
        "def rows(self) -> Iterator[int]:",
        "with self.db.connection() as conn:",
        "for row in conn:",
        "yield row.value()",
    ):
        assert present in code, present
    assert "self.db.close()" not in code  # the async-only line
    compile(code, "thing.py", "exec")


def test_check_fails_when_a_generated_file_was_edited_by_hand(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "PAIRS", {"thing_async.py": "thing.py"})
    (tmp_path / "thing_async.py").write_text(SOURCE)
    assert tool.main(["--check"]) == 1  # not generated yet
    tool.main([])
    assert tool.main(["--check"]) == 0
    edited = tmp_path / "thing.py"
    edited.write_text(edited.read_text() + "\nHAND_EDIT = 1\n")
    assert tool.main(["--check"]) == 1
    assert "stale generated files (run `make generate`): thing.py" in capsys.readouterr().err


def test_the_checked_in_twins_are_current():
    assert tool.main(["--check"]) == 0
