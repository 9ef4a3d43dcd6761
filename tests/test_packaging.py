"""A non-editable install carries sql/ and migrations/ and works from any directory."""

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_copy(destination: Path) -> Path:
    """The tracked sources only: an in-tree build reuses build/, which can hold stale files."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def test_wheel_carries_sql_and_migrations_and_migrates_from_elsewhere(tmp_path, empty_dsn):
    source = clean_copy(tmp_path / "src")
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    # Every sql/ folder is declared (pyproject.toml), so setuptools warns about none of them.
    build_log = build.stdout + build.stderr
    assert "absent from the `packages` configuration" not in build_log
    assert "BuildBackendWarning" not in build_log
    (wheel,) = wheels.glob("pydal_free_repo-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("pydal_free_repo/migrations/0001_") for n in names)
    assert any(n.startswith("pydal_free_repo/jobs/") for n in names)
    assert not any(n.startswith(("jobs/", "sql/", "migrations/")) for n in names)
    shipped_sql = {n for n in names if n.startswith("pydal_free_repo/sql/") and ".sql" in n}
    in_checkout = {
        "pydal_free_repo/sql/" + p.relative_to(source / "sql").as_posix()
        for p in (source / "sql").rglob("*.sql*")
    }
    assert shipped_sql == in_checkout

    # A fresh environment with the wheel pip-installed; dependencies borrowed from this one
    # through a .pth file (which does not run this environment's editable-install hook).
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    env_python = env_dir / "bin" / "python"
    env_site = subprocess.run(
        [env_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(env_site) / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [env_python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [env_dir / "bin" / "pfr", "--dsn", empty_dsn, "migrate"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "applied 0001_" in result.stdout
    where = subprocess.run(
        [env_python, "-c", "import pydal_free_repo; print(pydal_free_repo.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(env_site)
