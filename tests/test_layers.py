"""DESIGN.md's import rules, read from the source: scheduling/ is pure; bot/ and tasks/ never meet; the
stand-in Slack imports nothing of the product."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PRODUCT = {"schedulebot", "bot", "tasks", "storage", "scheduling"}
INFRASTRUCTURE = {"slack_bolt", "slack_sdk", "celery", "kombu", "sqlalchemy", "alembic", "psycopg", "redis", "flask",
                  "requests"}  # fmt: skip
# folder -> (module prefixes it must not import, prefixes allowed even so)
RULES: dict[str, tuple[set[str], set[str]]] = {
    "scheduling": (INFRASTRUCTURE | PRODUCT - {"scheduling"}, set()),
    "storage": ({"slack_bolt", "celery", "kombu", "bot", "tasks"}, set()),
    "bot": ({"tasks"}, set()),
    "tasks": ({"bot"}, set()),
    "schedulebot/standin": (PRODUCT, {"schedulebot.standin"}),
}


def _module_of(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved; `from a import b` counts as `a.b`."""
    package = _module_of(path, root)[: -1 if path.name != "__init__.py" else None]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {f"{module}.{alias.name}" if module else alias.name for alias in node.names}
    return found


def _matches(module: str, prefixes: set[str]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def violations(root: Path, folder: str) -> dict[str, list[str]]:
    """{file: [forbidden modules it imports]} for one folder of `root`, under RULES."""
    forbidden, allowed = RULES[folder]
    found = {}
    for path in sorted((root / folder).rglob("*.py")):
        bad = [m for m in imported_modules(path, root) if _matches(m, forbidden) and not _matches(m, allowed)]
        if bad:
            found[str(path.relative_to(root))] = sorted(bad)
    return found


@pytest.mark.parametrize("folder", sorted(RULES))
def test_packages_import_only_what_the_design_allows(folder: str) -> None:
    assert (REPO_ROOT / folder).is_dir()
    assert violations(REPO_ROOT, folder) == {}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_the_checker_finds_each_kind_of_forbidden_import(tmp_path: Path) -> None:
    _write(tmp_path, {
        "scheduling/pure.py": "import datetime\nfrom dateutil import rrule\n",
        "scheduling/bad.py": "import sqlalchemy.orm\nfrom schedulebot.config import Settings\n",
        "bot/bad.py": "from tasks.app import celery\n",
        "tasks/bad.py": "import bot.blocks\n",
        "schedulebot/config.py": "",
        "schedulebot/standin/__init__.py": "from schedulebot.standin.api import Api\nfrom . import chat\n",
        "schedulebot/standin/api.py": "import json\nimport requests\nfrom .chat import post\n",
        "schedulebot/standin/bad.py": "from .. import config\nfrom schedulebot import telemetry\n",
        "schedulebot/standin/deep/bad.py": "from ...config import Settings\nfrom storage.models import Run\n",
    })  # fmt: skip
    assert {folder: violations(tmp_path, folder) for folder in RULES} == {
        "scheduling": {"scheduling/bad.py": ["schedulebot.config.Settings", "sqlalchemy.orm"]},
        "storage": {},
        "bot": {"bot/bad.py": ["tasks.app.celery"]},
        "tasks": {"tasks/bad.py": ["bot.blocks"]},
        "schedulebot/standin": {
            "schedulebot/standin/bad.py": ["schedulebot.config", "schedulebot.telemetry"],
            "schedulebot/standin/deep/bad.py": ["schedulebot.config.Settings", "storage.models.Run"],
        },
    }
