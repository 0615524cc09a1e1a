"""The pacer's arithmetic and learning, one table for both backends: the Lua scripts in real Redis, and LocalPacer.

Time is passed in, so every expectation is exact.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tasks.pacing import (
    CHANNEL,
    LEARNED,
    SEND_TOLERANCE,
    WORKSPACE,
    Limits,
    LocalPacer,
    Pacer,
    Post,
    RedisPacer,
)

T0 = 1_800_000_000.0
# 60 posts a minute, 3 at once: a token every second.
LIMITS = Limits(channel_interval=1.0, per_minute=60, burst=3)


def exactly(expected: object) -> object:
    """Equal to the millisecond: pytest.approx's relative tolerance would allow half an hour at T0."""
    return pytest.approx(expected, rel=0, abs=1e-3)


@pytest.fixture(params=["redis", "local"])
def pacer(request: pytest.FixtureRequest) -> Iterator[Pacer]:
    if request.param == "local":
        yield LocalPacer(LIMITS)
        return
    redis_url: str = request.getfixturevalue("redis_url")
    client = redis.Redis.from_url(redis_url)
    yield RedisPacer(client, LIMITS)
    client.close()


def test_a_herd_in_one_workspace_goes_out_burst_then_one_per_token(pacer: Pacer) -> None:
    slots = [pacer.reserve("T1", f"C{i}", now=T0) for i in range(6)]
    assert slots == exactly([T0, T0, T0, T0 + 1, T0 + 2, T0 + 3])
    # Another workspace has a bucket of its own.
    assert pacer.reserve("T2", "C0", now=T0) == exactly(T0)


def test_a_batch_takes_its_slots_in_one_call_as_one_post_after_another_would(pacer: Pacer) -> None:
    """take_many is `take` in order: the bucket, a channel's interval and a given slot, as for posts one by one."""
    posts = [Post("T1", "C0"), Post("T1", "C1"), Post("T2", "C0"), Post("T1", "C0"), Post("T1", "C2"), Post("T1", "C3")]
    slots = pacer.take_many(posts, now=T0)
    assert slots == exactly([T0, T0, T0, T0 + 1, T0 + 1, T0 + 2])
    assert pacer.take_many([Post("T1", "C3", slots[5])], now=T0 + 2) == exactly([T0 + 2])  # a given slot stands
    assert pacer.take_many([], now=T0) == []


def test_the_bucket_refills_while_idle_but_never_beyond_its_burst(pacer: Pacer) -> None:
    for i in range(3):
        pacer.reserve("T1", f"C{i}", now=T0)
    later = T0 + 100
    slots = [pacer.reserve("T1", f"D{i}", now=later) for i in range(4)]
    assert slots == exactly([later, later, later, later + 1])


def test_a_channel_still_gets_one_post_per_interval_and_the_workspace_slot_waits_for_it(pacer: Pacer) -> None:
    slots = [pacer.reserve("T1", "C1", now=T0) for _ in range(3)]
    assert slots == exactly([T0, T0 + 1, T0 + 2])
    # Those took three workspace tokens: the fourth post, in another channel, waits for the next token.
    assert pacer.reserve("T1", "C2", now=T0) == exactly(T0 + 1)


def test_a_slot_taken_earlier_stands_when_its_moment_comes(pacer: Pacer) -> None:
    slots = [pacer.reserve("T1", f"C{i}", now=T0) for i in range(5)]
    assert pacer.take("T1", "C4", now=slots[4], slot=slots[4]) == exactly(slots[4])
    # Early, it is still the same slot: the task waits again, it takes nothing more.
    assert pacer.take("T1", "C4", now=T0, slot=slots[4]) == exactly(slots[4])
    assert pacer.reserve("T1", "C9", now=T0) == exactly(T0 + 3)


def test_a_429_with_a_recent_post_in_the_channel_is_the_channels(pacer: Pacer) -> None:
    pacer.reserve("T1", "C1", now=T0)
    pacer.reserve("T1", "C1", now=T0 + 1)
    assert pacer.rate_limited("T1", "C1", now=T0 + 1.2, until=T0 + 5) == CHANNEL
    # The channel waits the Retry-After; the workspace does not.
    assert pacer.reserve("T1", "C1", now=T0 + 1.3) == exactly(T0 + 5)
    assert pacer.reserve("T1", "C2", now=T0 + 1.3) == exactly(T0 + 1.3)
    assert pacer.per_minute("T1", now=T0 + 2) == exactly(60)


def test_an_unexplained_429_blocks_the_workspace_for_its_retry_after_without_slowing_it(pacer: Pacer) -> None:
    pacer.reserve("T1", "C1", now=T0)
    assert pacer.rate_limited("T1", "C1", now=T0 + 0.1, until=T0 + 4) == WORKSPACE
    assert pacer.reserve("T1", "C2", now=T0 + 0.2) == exactly(T0 + 4)
    assert pacer.per_minute("T1", now=T0 + 0.2) == exactly(60)


def test_a_slot_taken_before_a_block_is_taken_again_after_it(pacer: Pacer) -> None:
    slots = [pacer.reserve("T1", f"C{i}", now=T0) for i in range(4)]  # the fourth waits for T0 + 1
    pacer.rate_limited("T1", "C0", now=T0 + 0.1, until=T0 + 10)
    again = pacer.take("T1", "C3", now=slots[3], slot=slots[3])
    assert again >= T0 + 10


def test_429s_that_are_a_share_of_the_posts_halve_the_rate_once_per_block(pacer: Pacer) -> None:
    for i in range(3):
        pacer.reserve("T1", f"C{i}", now=T0)
    assert pacer.rate_limited("T1", "C0", now=T0 + 0.1, until=T0 + 2) == WORKSPACE  # one is not yet evidence
    assert pacer.rate_limited("T1", "C1", now=T0 + 0.1, until=T0 + 2) == WORKSPACE  # in flight with the first
    after = T0 + 2
    assert pacer.reserve("T1", "C5", now=after) == exactly(after)
    assert pacer.rate_limited("T1", "C5", now=after + 0.1, until=after + 2) == LEARNED
    assert pacer.per_minute("T1", now=after + 0.1) == exactly(30)
    # It climbs back by 6% of the ceiling a minute, never past the ceiling.
    assert pacer.per_minute("T1", now=after + 0.1 + 60) == exactly(30 + 3.6)
    assert pacer.per_minute("T1", now=after + 3600) == exactly(60)


def test_a_rare_429_among_many_posts_does_not_slow_the_workspace(pacer: Pacer) -> None:
    fast = Limits(channel_interval=1.0, per_minute=6000, burst=50)
    pacer = LocalPacer(fast) if isinstance(pacer, LocalPacer) else RedisPacer(_client(pacer), fast)
    for i in range(40):
        assert pacer.reserve("T1", f"C{i}", now=T0) <= T0 + SEND_TOLERANCE
    assert pacer.rate_limited("T1", "C0", now=T0 + 0.1, until=T0 + 1) == WORKSPACE
    assert pacer.reserve("T1", "C50", now=T0 + 1) == exactly(T0 + 1)
    assert pacer.rate_limited("T1", "C50", now=T0 + 1.1, until=T0 + 2) == WORKSPACE  # 2 of 41 posts: no evidence
    assert pacer.per_minute("T1", now=T0 + 1.1) == exactly(6000)


def test_the_rate_never_falls_below_its_floor(pacer: Pacer) -> None:
    now = T0
    for _ in range(20):
        now += 11  # apart: never explained by the channel, never within a block, each in a window of its own
        pacer.reserve("T1", "C1", now=now)
        pacer.reserve("T1", "C2", now=now)
        assert pacer.rate_limited("T1", "C1", now=now, until=now) == WORKSPACE
        assert pacer.rate_limited("T1", "C2", now=now, until=now) == LEARNED
    assert pacer.per_minute("T1", now=now) == exactly(1.0)  # a hundredth of 60/min is below 1/min


def _client(pacer: Pacer) -> redis.Redis:
    assert isinstance(pacer, RedisPacer)
    return pacer.client


def test_429s_in_one_channel_only_block_without_slowing_the_workspace(pacer: Pacer) -> None:
    now = T0
    for _ in range(5):
        now += 2  # each post past the last Retry-After, too far apart for the channel's limit to explain
        assert pacer.reserve("T1", "C1", now=now) == exactly(now)
        assert pacer.rate_limited("T1", "C1", now=now, until=now + 1) == WORKSPACE
    assert pacer.per_minute("T1", now=now) == exactly(60)


def test_after_a_workspace_block_posts_go_one_per_token_not_in_a_burst(pacer: Pacer) -> None:
    for i in range(3):
        pacer.reserve("T1", f"C{i}", now=T0)
    pacer.rate_limited("T1", "C0", now=T0 + 0.1, until=T0 + 4)
    slots = [pacer.reserve("T1", f"D{i}", now=T0 + 4) for i in range(3)]
    assert slots == exactly([T0 + 4, T0 + 5, T0 + 6])


def test_after_the_rate_falls_new_slots_are_spaced_at_it_and_those_handed_out_before_stand(pacer: Pacer) -> None:
    slots = [pacer.reserve("T1", f"C{i}", now=T0) for i in range(6)]  # T0 ×3 (sent), then T0 + 1, + 2, + 3
    assert pacer.rate_limited("T1", "C0", now=T0 + 0.5, until=T0 + 0.5) == WORKSPACE
    assert pacer.rate_limited("T1", "C1", now=T0 + 0.5, until=T0 + 0.5) == LEARNED  # now one post every 2 s
    waiting = [(slots[i], f"C{i}") for i in (3, 4, 5)]
    waiting += [(pacer.reserve("T1", f"D{i}", now=T0 + 0.6), f"D{i}") for i in range(3)]
    # The three slots handed out before stand (T0 + 1, 2, 3); the three new ones come after them, not among
    # them, two seconds apart. The little the rate recovers meanwhile moves them by under a millisecond.
    assert _drain(pacer, waiting) == exactly([T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 6, T0 + 8])


def test_a_bunch_of_late_tasks_goes_out_one_per_token(pacer: Pacer) -> None:
    slots = [pacer.reserve("T1", f"C{i}", now=T0) for i in range(9)]  # T0 ×3 (sent), then one a second
    # The worker was busy: the six others come together, 2.5 s late. Two tokens have come back meanwhile.
    late = [(T0 + 2.5, f"C{i}") for i in range(3, 9)]
    results = [pacer.take("T1", channel, now=now, slot=slots[int(channel[1:])]) for now, channel in late]
    went = [r for r in results if r <= T0 + 2.5 + SEND_TOLERANCE]
    assert len(went) == 2
    later = sorted(r for r in results if r > T0 + 2.5 + SEND_TOLERANCE)
    # The others wait for the next tokens, one a second from the next: not the back of any queue.
    assert later == exactly([T0 + 3, T0 + 4, T0 + 5, T0 + 6])


def test_a_late_task_keeps_its_slot(pacer: Pacer) -> None:
    slots = [pacer.reserve("T1", f"C{i}", now=T0) for i in range(6)]
    # The worker was busy: the three waiting come at once, three seconds late, and go: the bucket refilled.
    assert [pacer.take("T1", f"C{i}", now=T0 + 6, slot=slots[i]) for i in (3, 4, 5)] == slots[3:]


def test_a_block_makes_each_waiting_post_take_a_slot_again_once(pacer: Pacer) -> None:
    slots = [pacer.reserve("T1", f"C{i}", now=T0) for i in range(10)]  # T0 ×3 (sent), then T0 + 1 … T0 + 7
    assert pacer.rate_limited("T1", "C0", now=T0 + 0.1, until=T0 + 3.5) == WORKSPACE
    taken: dict[str, int] = {}
    waiting = [(slots[i], f"C{i}") for i in range(3, 10)]
    sent = _drain(pacer, waiting, taken)
    # The slots inside the block (T0 + 1 … T0 + 3) were void: those three posts took one new slot each, at the
    # back of the queue; the four slots after the block stood.
    assert sorted(taken.values()) == [1, 1, 1, 1, 2, 2, 2]
    assert sent == exactly([T0 + 4, T0 + 5, T0 + 6, T0 + 7, T0 + 8, T0 + 9, T0 + 10])


def _drain(pacer: Pacer, waiting: list[tuple[float, str]], taken: dict[str, int] | None = None) -> list[float]:
    """Wake each post at its slot, as re-queued tasks do, until every one has gone; the moments they went.
    `taken` counts the calls each channel's post made."""
    sent: list[float] = []
    taken = {} if taken is None else taken
    for _ in range(100):
        if not waiting:
            return sent
        waiting.sort()
        slot, channel = waiting.pop(0)
        taken[channel] = taken.get(channel, 0) + 1
        moment = pacer.take("T1", channel, now=slot, slot=slot)
        if moment <= slot + SEND_TOLERANCE:
            sent.append(slot)
        else:
            waiting.append((moment, channel))
    raise AssertionError(f"still waiting: {waiting}")
