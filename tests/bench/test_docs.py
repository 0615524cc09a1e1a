"""`schedulebot bench` writes docs only with --docs, and without matplotlib still prints its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from schedulebot.bench import cli, plots, report
from tests.bench.test_report import RESULTS


def _block_matplotlib(folder: Path) -> dict[str, str]:
    """An environment in which `import matplotlib` fails, as it does without the `bench` extra."""
    (folder / "matplotlib.py").write_text("raise ImportError(\"No module named 'matplotlib'\")\n")
    return {**os.environ, "PYTHONPATH": str(folder)}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_a_run_without_the_bench_extra_prints_json_and_one_line_and_leaves_the_tree(tmp_path: Path) -> None:
    written = [report.DOCS_PAGE.parent, report.RESULTS_DIR]
    before = {str(folder): _tree(folder) for folder in written}
    done = subprocess.run(
        [sys.executable, "-m", "schedulebot.cli", "bench", "--only", "parse", "--json"],
        env=_block_matplotlib(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["parse_p99_ms"] > 0
    assert [line for line in done.stderr.splitlines() if "pip install 'schedulebot[bench]'" in line] == [
        f"bench: {plots.HOW_TO_GET}"
    ]
    assert {str(folder): _tree(folder) for folder in written} == before, "a run without --docs wrote files"


def test_docs_without_matplotlib_have_the_figures_and_no_plots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails, as without the extra
    page = tmp_path / "docs" / "benchmarks.md"
    page.parent.mkdir()
    cli.write_docs(dict(RESULTS), page=page, folder=tmp_path / "results")
    assert [path.name for path in (tmp_path / "results").iterdir()] == ["20260306T100000Z.json"]
    assert report.render(RESULTS) in page.read_text() and "![" not in page.read_text()
    assert not (page.parent / "benchmarks").exists()


def test_no_docs_stays_accepted_and_cannot_be_given_with_docs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli._parser().parse_args(["--no-docs"]).docs is False
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["--docs", "--no-docs"])
    assert "not allowed with argument" in capsys.readouterr().err
