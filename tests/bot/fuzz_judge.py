"""The fuzz's judge: every answer the app gave is a confirmation or a specific refusal, and nothing crashed.

What counts (precisely):
- An *apology* (bot.errors.SORRY, in any reply, response body, inline modal error or Home notice) is a crash.
- An *unhandled-exception log line* is any log record at ERROR or above, or any record carrying exc_info,
  from any logger, while the fuzz runs.
- A *specific refusal* starts with `:warning: ` and its first line names the problem: a sentence of at least
  three words that is not one of the generic phrases below. A modal's inline error is held to the same
  sentence test, without the icon.
- A *confirmation* is the answer to what was asked: a change done (it starts with one of CHANGE_ICONS) or
  the thing asked for shown (it starts with one of the ANSWER_STARTS: a list, a schedule, a history, a zone,
  the help). Anything else is reported, so a new kind of answer is added here on purpose, not by accident.
- No answer shows our internals (a traceback, an exception's name or repr).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.errors import SORRY
from schedulebot.standin import Call
from tests.bot.conftest import text_of

APOLOGY = SORRY.split(" on my side")[0].removeprefix(":warning: ")  # "Sorry, something went wrong"
REFUSAL_ICON = ":warning: "
# bot.home puts a notice (what a Home button did) right after this block.
HOME_NEW_BLOCK = "home-new"
# A change was made: a schedule paused, resumed, cancelled, run, skipped, snoozed, edited; a zone set; an event done.
CHANGE_ICONS = (
    ":white_check_mark:", ":double_vertical_bar:", ":arrow_forward:", ":no_entry_sign:", ":rocket:",
    ":fast_forward:", ":zzz:", ":pencil2:", ":earth_africa:",
)  # fmt: skip
# The thing asked for, shown (regular expressions, matched at the start of the reply's text).
ANSWER_STARTS = (
    r"Scheduled #\d+: ",  # a new schedule's confirmation (its text; the blocks start with the icon)
    r"Changed #\d+: ",  # /schedule edit N <when>
    r"\d+ schedule\(s\) ",  # /schedule list
    r"There are no schedules ",  # an empty list
    r"#\d+ · ",  # /schedule show
    r"History of #\d+: ",  # /schedule history
    r"Your time zone is ",  # /schedule tz
    r"(:thinking_face: I don't know the command .+ )?How to use /schedule: ",  # help, or an unknown word and help
    r"\*Events",  # /event help, /event list
    r"No upcoming or ongoing events",  # an empty /event list
    r"[^\n]* · event #\d+ · ",  # /event show: the announcement, title first
    r"\*?History of .* \(event #\d+\):",  # /event history
    # /event feed [rotate]: a new link (everyone's, for an admin's rotate), then how to subscribe
    r"((Every link to <#\w+>'s calendar \(\d+\) stopped working|A new link of your own)[^\n]*\n)?"
    r"(Other members' links are their own;[^\n]*\n)?Subscribe to <#\w+>'s events",
    r"New events last ",  # /event defaults
)
GENERIC = {
    "error",
    "invalid",
    "invalid input",
    "bad request",
    "failed",
    "something went wrong",
    "unknown error",
    "oops",
}
INTERNALS = re.compile(r"Traceback \(most recent|File \"|object at 0x|\b[A-Z][A-Za-z]+(Error|Exception)\b[:(]")


def judge_reply(text: str) -> str | None:
    """None when `text` is a confirmation or a specific refusal; else what is wrong with it."""
    if APOLOGY in text:
        return "apology"
    if INTERNALS.search(text):
        return "shows internals"
    if text.startswith(REFUSAL_ICON):
        return judge_refusal(text.removeprefix(REFUSAL_ICON))
    if text.startswith(CHANGE_ICONS) or any(re.match(start, text) for start in ANSWER_STARTS):
        return None
    return "neither a confirmation nor a refusal"


def judge_refusal(message: str) -> str | None:
    """A refusal names the problem: a sentence of three words or more, not a generic one."""
    problem = message.split("\n", 1)[0].strip()
    if problem.lower().strip(" .!:") in GENERIC or len(problem.split()) < 3:
        return "a refusal that does not name the problem"
    return None


@dataclass(frozen=True)
class Finding:
    sent: str
    problem: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.problem}: {self.sent[:200]!r}" + (f"\n    {self.detail[:300]!r}" if self.detail else "")


@dataclass
class Judge:
    """Collects what one fuzz run sent and everything that came back; `findings()` says what was wrong."""

    seed: int
    findings_: list[Finding] = field(default_factory=list)
    sent: dict[str, str] = field(default_factory=dict)  # response_url key → what was sent
    waiting: set[str] = field(default_factory=set)  # keys with no reply yet, whose request was acked
    replies: dict[str, list[Call]] = field(default_factory=dict)
    others: list[Call] = field(default_factory=list)
    errors: list[logging.LogRecord] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def expect_reply(self, key: str, sent: str) -> None:
        with self._lock:
            self.sent[key] = sent
            if key not in self.replies:
                self.waiting.add(key)

    def no_reply_coming(self, key: str) -> None:
        """The request was not acked (already a finding): do not wait for its reply."""
        with self._lock:
            self.waiting.discard(key)
            self._lock.notify_all()

    def fail(self, sent: str, problem: str, detail: str = "") -> None:
        with self._lock:
            self.findings_.append(Finding(sent, problem, detail))

    def check(self, sent: str, text: str, *, where: str = "reply") -> None:
        problem = judge_reply(text)
        if problem:
            self.fail(sent, f"{where}: {problem}", text)

    def record(self, call: Call) -> None:
        with self._lock:
            if call.key is not None:
                self.replies.setdefault(call.key, []).append(call)
                self.waiting.discard(call.key)
                if not self.waiting:
                    self._lock.notify_all()
            else:
                self.others.append(call)

    def wait_for_replies(self, timeout: float) -> None:
        """Until every request that expects a reply has one (or the timeout; findings() then names the missing)."""
        with self._lock:
            self._lock.wait_for(lambda: not self.waiting, timeout=timeout)

    def findings(self) -> list[Finding]:
        """Call once everything the app was asked to do has finished."""
        found = list(self.findings_)
        for key, sent in self.sent.items():
            replies = self.replies.get(key, [])
            if len(replies) != 1:
                found.append(Finding(sent, f"{len(replies)} replies instead of one"))
            found += [Finding(sent, f"reply: {p}", text_of(c)) for c in replies if (p := judge_reply(text_of(c)))]
        for key in self.replies.keys() - self.sent.keys():  # replies nobody had to give (an RSVP's refusal) still count
            found += [
                Finding(key, f"reply: {p}", text_of(c)) for c in self.replies[key] if (p := judge_reply(text_of(c)))
            ]
        for call in self.others:
            found += [Finding(call.method, problem, text_of(call)) for problem in _judge_call(call)]
        found += [Finding(r.name, "error logged", _logged(r)) for r in self.errors]
        return found

    def tally(self) -> dict[str, int]:
        """How many replies were refusals and how many were something else: the paths the run walked."""
        texts = [text_of(call) for calls in self.replies.values() for call in calls]
        refusals = sum(text.startswith(REFUSAL_ICON) for text in texts)
        return {"refusals": refusals, "answers": len(texts) - refusals}

    def report(self, findings: list[Finding], *, of: str) -> str:
        """How many of each kind of problem, with the first few inputs that showed it."""
        kinds: dict[str, list[Finding]] = {}
        for finding in findings:
            kinds.setdefault(finding.problem[:60], []).append(finding)
        lines = [f"{len(findings)} problem(s) in {of}; replay with FUZZ_SEED={self.seed}"]
        for kind, found in kinds.items():
            lines.append(f"- {len(found)} × {kind}")
            lines += [f"    {f}" for f in found[:3]]
        return "\n".join(lines)

    @contextmanager
    def watching_logs(self) -> Iterator[None]:
        """Every record at ERROR or above, or with exc_info, from any logger, while the fuzz runs."""
        handler = _Collector(self)
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            yield
        finally:
            root.removeHandler(handler)


class _Collector(logging.Handler):
    def __init__(self, judge: Judge) -> None:
        super().__init__(level=logging.DEBUG)
        self.judge = judge

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            with self.judge._lock:
                self.judge.errors.append(record)


def _judge_call(call: Call) -> list[str]:
    """A Web API call the app made: a confirmation sent as an ephemeral message or a Home notice is judged whole;
    anything else (announcements, posts) only must not apologise or show internals."""
    problems = []
    if call.method == "chat.postEphemeral" and (problem := judge_reply(call.text)):
        problems.append(f"confirmation: {problem}")
    notice = home_notice(call) if call.method == "views.publish" else None
    if notice is not None and (problem := judge_reply(notice)):
        problems.append(f"Home notice: {problem}")
    if APOLOGY in text_of(call) or INTERNALS.search(text_of(call)):
        problems.append("an apology or internals in a Web API call")
    return problems


def home_notice(call: Call) -> str | None:
    """The notice bot.home puts right after the New schedule button, if there is one."""
    view = call.params.get("view")
    view = json.loads(view) if isinstance(view, str) else view or {}
    shown = view.get("blocks") or []
    for before, block in itertools.pairwise(shown):
        if before.get("block_id") == HOME_NEW_BLOCK and block.get("type") == "context":
            return str(block["elements"][0]["text"])
    return None


def _logged(record: logging.LogRecord) -> str:
    kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
    return f"{record.levelname} {record.getMessage()} {kind}".strip()
