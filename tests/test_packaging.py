"""The wheel and sdist a user gets: built, checked by twine, installed (not editable) into a fresh venv with
the pinned dependencies, and run there; the wheel puts only our namespace and the four parts on sys.path."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

TOP_LEVEL = {"schedulebot", "bot", "tasks", "storage", "scheduling"}
CONSTRAINTS = REPO_ROOT / "requirements" / "constraints.txt"


def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it (so a file the sdist forgets breaks the wheel too)."""
    folder = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", folder, REPO_ROOT])
    return folder


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv (no system site-packages) with the wheel and its pinned dependencies, from pip's cache."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    [wheel] = dist.glob("*.whl")
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python"]
    _run([*pip, "install", "--quiet", "--no-compile", "-c", CONSTRAINTS, wheel])
    _run([*pip, "check"])
    yield venv


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """No PYTHONPATH and none of our settings: the installed package must stand on its own."""
    return {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8", **extra}


@pytest.mark.slow
def test_the_wheel_and_sdist_pass_twine_check(dist: Path) -> None:
    assert sorted(path.suffix for path in dist.iterdir()) == [".gz", ".whl"]
    done = _run([sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir())])
    assert done.stdout.count("PASSED") == 2


@pytest.mark.slow
def test_the_wheel_installs_only_our_namespace_and_the_four_parts(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == TOP_LEVEL
    assert "schedulebot/bench/public-phrases.jsonl" in names and "storage/migrations/env.py" in names
    assert not [name for name in names if "/results/" in name], "benchmark results are not part of the package"


@pytest.mark.slow
def test_the_installed_commands_run_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    where = _run(
        [installed / "bin" / "python", "-c", "import bot, schedulebot, scheduling, storage, tasks as t; "
         "print('\\n'.join(m.__file__ for m in (bot, schedulebot, scheduling, storage, t)))"],
        cwd=tmp_path, env=_clean_env(tmp_path),
    )  # fmt: skip
    assert all(line.startswith(str(installed)) for line in where.stdout.split()), where.stdout
    schedulebot = installed / "bin" / "schedulebot"
    assert "migrate" in _run([schedulebot, "--help"], cwd=tmp_path, env=_clean_env(tmp_path)).stdout
    parsed = _run([schedulebot, "parse", "every weekday at 9am", "--json"], cwd=tmp_path, env=_clean_env(tmp_path))
    assert '"kind": "recurring"' in parsed.stdout and "every weekday at 9:00 AM" in parsed.stdout
    database = tmp_path / "installed.db"
    env = _clean_env(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    assert "database at" in _run([schedulebot, "migrate"], cwd=tmp_path, env=env).stdout
    with sqlite3.connect(database) as connection:
        [(version,)] = connection.execute("select version_num from alembic_version").fetchall()
    newest = max(path.stem for path in (REPO_ROOT / "storage" / "migrations" / "versions").glob("0*.py"))
    assert version == newest


def test_the_readme_layout_names_every_part_of_the_tree() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("\n## Layout\n", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    named = {line.split()[0] for line in block.splitlines() if line.strip()}
    tracked = _run(["git", "ls-files"], cwd=REPO_ROOT).stdout.split()
    folders = {path.split("/")[0] + "/" for path in tracked if "/" in path and not path.startswith(".")}
    shell = {"/".join(path.split("/")[1:2]) + ("/" if path.count("/") > 1 else "") for path in tracked
             if path.startswith("schedulebot/") and not path.startswith("schedulebot/__")}  # fmt: skip
    assert folders - named == set() and shell - named == set()
    assert named >= {".ci/run", "scheduling/", "storage/", "bot/", "tasks/", "schedulebot/"}
