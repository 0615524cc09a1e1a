"""In CI a test that needs a missing PostgreSQL or Redis fails the run, whichever way it skipped; elsewhere it skips,
and the summary counts those skips before anything else. Run as pytest runs in CI: a subprocess, with xdist workers."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT

pytest_plugins = ["pytester"]

# The repository's own hooks and fixture, in a throwaway test directory.
CONFTEST = """
from tests.conftest import (  # noqa: F401
    pytest_addoption, pytest_collectreport, pytest_configure, pytest_report_header, pytest_runtest_logreport,
    pytest_sessionfinish, pytest_terminal_summary, redis_url,
)
"""
NEEDS_REDIS = "def test_needs_redis(redis_url):\n    pass\n"
# A skip at collection that does not come through tests.services: CI must still refuse it.
SKIPS_AT_COLLECTION = "import pytest\npytest.skip('PostgreSQL is not running', allow_module_level=True)\n"


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_fixture=NEEDS_REDIS, test_collection=SKIPS_AT_COLLECTION)
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.setenv("TEST_REDIS_URL", "redis://127.0.0.1:1")  # nothing listens on port 1
    monkeypatch.delenv("CI", raising=False)
    return pytester


def test_outside_ci_service_tests_skip_and_the_summary_counts_them_first(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-ra")
    result.assert_outcomes(skipped=2)
    assert result.ret == pytest.ExitCode.OK
    lines = result.outlines
    count = next(i for i, line in enumerate(lines) if "2 service test(s) skipped (not CI)" in line)
    assert count < next(i for i, line in enumerate(lines) if "short test summary info" in line)
    result.stdout.fnmatch_lines(["*service not reachable: Redis*", "*PostgreSQL is not running*"])


@pytest.mark.parametrize(("how", "workers"), [("CI=true", "2"), ("--ci", "0")])
def test_in_ci_every_service_skip_fails_the_run(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str, workers: str
) -> None:
    if how == "CI=true":
        monkeypatch.setenv("CI", "true")
    options = ["-p", "no:cacheprovider", "-n", workers, *([how] if how == "--ci" else [])]
    result = suite.runpytest_subprocess(*options)
    result.assert_outcomes(errors=1, skipped=1)  # the fixture's skip became an error, in the worker
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 service test(s) skipped (in CI: the run fails)*", "*CI must provide it*"])


def test_in_ci_a_collection_skip_in_a_worker_alone_fails_the_run(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    (suite.path / "test_fixture.py").unlink()
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
