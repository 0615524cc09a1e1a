"""DESIGN.md's import rules, read from the source: scheduling/ is pure; bot/ and tasks/ never meet."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

FORBIDDEN = {
    "scheduling": {"slack_bolt", "slack_sdk", "celery", "kombu", "sqlalchemy", "redis", "storage", "bot", "tasks"},
    "storage": {"slack_bolt", "celery", "kombu", "bot", "tasks"},
    "bot": {"tasks"},
    "tasks": {"bot"},
}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_what_the_design_allows(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(_imported_roots(path) & FORBIDDEN[package])
        for path in (REPO_ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
