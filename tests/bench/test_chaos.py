"""The chaos run's verdict and plan, without running it: what makes it fail, and which faults it injects."""

from schedulebot.bench.chaos import Options, failures, timeline

CLEAN = {"lost": 0, "duplicates": 0, "unidentified": 0, "unexpected": 0, "web_healthy_after": True}
FAULT = {"what": "kill -9 worker1", "at_s": 20.0, "took_effect": True}


def test_a_clean_run_with_every_fault_taken_has_no_failures() -> None:
    assert failures({**CLEAN, "faults": [FAULT]}) == []


def test_anything_lost_doubled_unidentified_or_a_fault_that_did_not_happen_fails_the_run() -> None:
    report = {
        **CLEAN,
        "lost": 2,
        "duplicates": 1,
        "faults": [FAULT, {**FAULT, "what": "start beat2", "took_effect": False}],
    }
    assert failures(report) == ["2 lost", "1 duplicates", "fault did not take effect: start beat2"]
    assert failures({**CLEAN, "web_healthy_after": False, "faults": []}) != []


def test_the_default_timeline_has_each_fault_in_order_and_beat_down_past_the_misfire_grace() -> None:
    steps = timeline(Options())
    assert [at for at, _ in steps] == sorted(at for at, _ in steps)
    names = dict((what, at) for at, what in steps)
    assert {"Slack unreachable", "restart redis-server empty", "kill PostgreSQL connections", "start beat2"} <= set(
        names
    )
    assert names["Slack back"] - names["Slack unreachable"] == 30
    assert names["restart beat and worker2"] - names["stop beats, kill -9 worker2"] > 120
