"""A stand-in Slack for tests, benchmarks and the local console.

`SlackStandIn` is a real local HTTP server speaking the Web API (point `SLACK_API_URL` at its
`api_url`); `SignedSender` sends requests to the Bolt app signed exactly as Slack signs them;
`StandInControl` drives a stand-in running in another process.

    with SlackStandIn() as slack:                       # SLACK_API_URL = slack.api_url
        slack.set_user("U1", tz="Europe/Berlin")
        slack.faults(rate_429=0.1, retry_after=1, seed=7)
        sender = SignedSender("http://127.0.0.1:3000/slack/events", secret, standin=slack)
        sender.command("/schedule", "to say hi in 1 minute", user_id="U1", channel_id="C1")
        [post] = slack.wait_for_posts(1, timeout=90, channel="C1")
"""

from schedulebot.standin.control import StandInControl
from schedulebot.standin.faults import FaultPlan
from schedulebot.standin.records import Call
from schedulebot.standin.server import SlackStandIn
from schedulebot.standin.signing import SignedSender

__all__ = ["Call", "FaultPlan", "SignedSender", "SlackStandIn", "StandInControl"]
