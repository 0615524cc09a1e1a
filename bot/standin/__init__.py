"""A stand-in Slack for tests, benchmarks and the local console.

`SlackStandIn` is a real local HTTP server speaking the Web API (point `SLACK_API_URL` at its
`api_url`); `SignedSender` sends requests to the Bolt app signed exactly as Slack signs them;
`StandInControl` drives a stand-in running in another process.
"""

from bot.standin.control import StandInControl
from bot.standin.faults import FaultPlan
from bot.standin.records import Call
from bot.standin.server import SlackStandIn
from bot.standin.signing import SignedSender

__all__ = ["Call", "FaultPlan", "SignedSender", "SlackStandIn", "StandInControl"]
