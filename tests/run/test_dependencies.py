"""The declared dependencies keep out releases with published advisories, and the venv has what they ask for."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

import pytest
from packaging.requirements import Requirement

from tests.conftest import REPO_ROOT

# A release with a published advisory, per package (the newest we know of); the floor must be above it.
ADVISED = {
    "gunicorn": "22.0.0",  # request smuggling (CVE-2024-6827)
    "requests": "2.32.3",  # .netrc credentials leak (CVE-2024-47081)
    "werkzeug": "3.1.5",  # CVE-2026-27199, fixed in 3.1.6 (3.0.5 had CVE-2024-49766 and -49767)
    "tornado": "6.5.8",  # request parsing advisories fixed in 6.5.9 (6.4.2 had CVE-2025-47287)
    "urllib3": "2.6.3",  # streaming decompression bypasses (CVE-2026-44432), fixed in 2.7.0
}


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    return {requirement.name.lower(): requirement for requirement in requirements}


@pytest.mark.parametrize(("name", "advised"), sorted(ADVISED.items()))
def test_each_floor_is_above_the_last_advisory_and_installed(name: str, advised: str) -> None:
    requirement = _declared()[name]
    assert advised not in requirement.specifier, f"{name}: {requirement.specifier} still admits {advised}"
    assert version(name) in requirement.specifier, f"{name}: the venv has {version(name)}; run make install"
