"""Generate the sync twin of each async module: the async code is the one source.

Each pair in ``PAIRS`` names an async source and the sync module generated from it. The
rewrite is textual, in the manner of httpcore's ``unasync`` script: ``async def``,
``async with`` and ``async for`` lose ``async``, ``await`` disappears, and the names in
``NAMES`` (``AsyncDatabase``, ``asynccontextmanager``, ``asyncio.Lock``...) become their
sync counterparts, in code, docstrings and comments alike. The result is then sorted and
formatted with ruff, so it passes ``make lint`` like hand-written code.

    python tools/async_to_sync.py           # regenerate every sync twin (make generate)
    python tools/async_to_sync.py --check   # exit 1 if a twin differs (make lint)
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# async source -> generated sync module (paths from the repository root)
PAIRS = {
    "pydal_free_repo/async_database.py": "pydal_free_repo/database.py",
    "pydal_free_repo/workflows/async_logger.py": "pydal_free_repo/workflows/logger.py",
    "pydal_free_repo/issues/async_repository.py": "pydal_free_repo/issues/repository.py",
}

# Whole words replaced everywhere (longest first, so AsyncConnectionPool is not cut short).
NAMES = {
    "AbstractAsyncContextManager": "AbstractContextManager",
    "AsyncConnectionPool": "ConnectionPool",
    "AsyncConnection": "Connection",
    "AsyncCursor": "Cursor",
    "AsyncRowFactory": "RowFactory",
    "AsyncIterator": "Iterator",
    "AsyncGenerator": "Generator",
    "AsyncDatabase": "Database",
    "AsyncWorkflowLogger": "WorkflowLogger",
    "AsyncIssueHistory": "IssueHistory",
    "asynccontextmanager": "contextmanager",
    "async_database": "database",
    "async_logger": "logger",
    "async_repository": "repository",
    "asyncio.Lock": "threading.Lock",
    "import asyncio": "import threading",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
}
_NAME = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in sorted(NAMES, key=len, reverse=True)) + r")\b"
)
_KEYWORD = re.compile(r"\basync (def|with|for)\b")
_AWAIT = re.compile(r"\bawait ")
# A code line ending with this marker exists only in the async source; so does a
# docstring paragraph starting with ASYNC_NOTE (it says which sync module is generated).
ASYNC_ONLY = "# async-only"
ASYNC_NOTE = "Async source:"


def header(source: str) -> str:
    return (
        f"# Generated from {source} by tools/async_to_sync.py; do not edit.\n"
        "# Edit the async source and run `make generate`.\n"
    )


def _drop_async_only(text: str) -> str:
    kept: list[str] = []
    in_note = False
    for line in text.splitlines(keepends=True):
        in_note = in_note or line.lstrip().startswith(ASYNC_NOTE)
        if in_note and not line.strip():
            in_note = False
            if kept and not kept[-1].strip():
                continue  # the note's paragraph break
        elif in_note and line.rstrip().endswith('"""'):
            in_note = False
            while kept and not kept[-1].strip():
                kept.pop()
            kept.append(line[: len(line) - len(line.lstrip())] + '"""\n')
            continue
        if not in_note and not line.rstrip().endswith(ASYNC_ONLY):
            kept.append(line)
    return "".join(kept)


def unasync(text: str) -> str:
    text = _drop_async_only(text)
    text = _KEYWORD.sub(r"\1", text)
    text = _AWAIT.sub("", text)
    return _NAME.sub(lambda m: NAMES[m.group(1)], text)


def _ruff() -> list[str]:
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.exists() else shutil.which("ruff")
    if found is None:
        raise SystemExit("ruff is needed to format the generated code (pip install ruff)")
    return [found]


def _pipe(args: list[str], text: str) -> str:
    done = subprocess.run(args, input=text, capture_output=True, text=True, cwd=ROOT)
    if done.returncode not in (0, 1) or not done.stdout:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def generate(source: str, target: str) -> str:
    code = header(source) + unasync((ROOT / source).read_text())
    ruff = _ruff()
    code = _pipe(
        [*ruff, "check", "--select", "I,F401", "--fix", "--quiet", "--stdin-filename", target, "-"],
        code,
    )
    return _pipe([*ruff, "format", "--quiet", "--stdin-filename", target, "-"], code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a sync twin is stale")
    args = parser.parse_args(argv)
    stale = []
    for source, target in PAIRS.items():
        code = generate(source, target)
        path = ROOT / target
        if path.exists() and path.read_text() == code:
            continue
        if args.check:
            stale.append(target)
        else:
            path.write_text(code)
            print(f"generated {target} from {source}")
    if stale:
        print("stale generated files (run `make generate`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
