"""SignedSender: requests to the Bolt app, signed exactly as Slack signs them (and forgeable on purpose)."""

from __future__ import annotations

import json
import time
from typing import Any, Protocol, TypedDict, Unpack
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from schedulebot.standin import payloads
from schedulebot.standin.payloads import AppIdentity
from schedulebot.standin.workspace import DEFAULT_APP_ID, DEFAULT_TEAM_ID, DEFAULT_TZ, User

# Slack refuses requests whose timestamp is more than five minutes off; this is safely past that.
STALE_SECONDS = 6 * 60
# Generous for a loaded CI machine; Slack itself gives an app 3 s.
DEFAULT_SEND_TIMEOUT = 10.0
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Where a response_url points when no stand-in is given to receive it.
PLACEHOLDER_RESPONSE_URL = "https://hooks.slack.com/commands/T1/1/standin"


class ResponseUrls(Protocol):
    """Anything that hands out response URLs, such as SlackStandIn."""

    def response_url(
        self, key: str | None = None, *, channel: str | None = None, user: str | None = None, team_id: str = ...
    ) -> str: ...


class SignOptions(TypedDict, total=False):
    """How to sign (or mis-sign) one request."""

    timestamp: int | str  # sign with this timestamp, e.g. SignedSender.stale_timestamp()
    signature: str  # send this signature instead of the computed one
    secret: str  # sign with this secret instead of the app's
    headers: dict[str, str]  # extra headers, e.g. {"X-Slack-Retry-Num": "1"}


class SignedSender:
    """Posts to a Bolt endpoint such as http://127.0.0.1:3000/slack/events. Use one per thread."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        standin: ResponseUrls | None = None,
        api_app_id: str = DEFAULT_APP_ID,
        verification_token: str = payloads.DEFAULT_VERIFICATION_TOKEN,
        timeout: float = DEFAULT_SEND_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.standin = standin
        self.app = AppIdentity(api_app_id, verification_token)
        self.timeout = timeout
        self.session = session or requests.Session()

    def close(self) -> None:
        self.session.close()

    @staticmethod
    def stale_timestamp(seconds: int = STALE_SECONDS) -> int:
        return int(time.time()) - seconds

    # --- signing --------------------------------------------------------------------------------

    def sign(self, body: str | bytes, **options: Unpack[SignOptions]) -> dict[str, str]:
        """The X-Slack-Request-Timestamp and X-Slack-Signature headers for `body`."""
        timestamp = str(options.get("timestamp", int(time.time())))
        verifier = SignatureVerifier(options.get("secret", self.signing_secret))
        signature = options.get("signature") or verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}

    def send(self, body: str | bytes, content_type: str, **options: Unpack[SignOptions]) -> requests.Response:
        raw = body.encode() if isinstance(body, str) else body
        headers = {"Content-Type": content_type, **self.sign(raw, **options), **options.get("headers", {})}
        return self.session.post(self.url, data=raw, headers=headers, timeout=self.timeout)

    def send_form(self, fields: dict[str, str], **options: Unpack[SignOptions]) -> requests.Response:
        return self.send(urlencode(fields), FORM, **options)

    def send_json(self, body: dict[str, Any], **options: Unpack[SignOptions]) -> requests.Response:
        return self.send(json.dumps(body), JSON, **options)

    def _payload(self, payload: dict[str, Any], **options: Unpack[SignOptions]) -> requests.Response:
        return self.send_form({"payload": json.dumps(payload)}, **options)

    def _response_url(self, channel: str | None, user: str, team_id: str) -> str:
        if self.standin is None:
            return PLACEHOLDER_RESPONSE_URL
        return self.standin.response_url(channel=channel, user=user, team_id=team_id)

    # --- slash commands and interactions --------------------------------------------------------

    def command(
        self,
        command: str = "/schedule",
        text: str = "",
        user_id: str = "U1",
        channel_id: str = "C1",
        channel_name: str = "general",
        team_id: str = DEFAULT_TEAM_ID,
        response_url: str | None = None,
        trigger_id: str | None = None,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        fields = payloads.slash_command(
            self.app,
            command=command,
            text=text,
            user_id=user_id,
            channel_id=channel_id,
            channel_name=channel_name,
            team_id=team_id,
            response_url=response_url or self._response_url(channel_id, user_id, team_id),
            trigger=trigger_id or payloads.trigger_id(),
        )
        return self.send_form(fields, **options)

    def block_action(
        self,
        action_id: str,
        value: str = "",
        user_id: str = "U1",
        team_id: str = DEFAULT_TEAM_ID,
        channel_id: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        container: dict[str, Any] | None = None,
        response_url: str | None = None,
        *,
        block_id: str = "actions",
        action: dict[str, Any] | None = None,
        ephemeral: bool = False,
        state: dict[str, Any] | None = None,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        """A button press: from a message in `channel_id` if given, else from `view` (App Home by default)."""
        if response_url is None and channel_id is not None:
            response_url = self._response_url(channel_id, user_id, team_id)
        payload = payloads.block_actions(
            self.app,
            action=action or payloads.button(action_id, value, block_id=block_id),
            user_id=user_id,
            team_id=team_id,
            channel_id=channel_id,
            message=message,
            view=view,
            container=container,
            response_url=response_url,
            ephemeral=ephemeral,
            state=state,
        )
        return self._payload(payload, **options)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]] | None = None,
        user_id: str = "U1",
        team_id: str = DEFAULT_TEAM_ID,
        private_metadata: str = "",
        view_id: str = "VMODAL00000001",
        *,
        state: dict[str, Any] | None = None,
        blocks: list[Any] | None = None,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        """`values` as {block_id: {action_id: "text" | payloads.conversations_select("C1") | ...}};
        `state` passes Slack's raw `view.state.values` instead."""
        payload = payloads.view_submission(
            self.app,
            callback_id=callback_id,
            state=state if state is not None else payloads.state_values(values or {}),
            user_id=user_id,
            team_id=team_id,
            private_metadata=private_metadata,
            view_id=view_id,
            blocks=blocks,
        )
        return self._payload(payload, **options)

    # --- Events API -----------------------------------------------------------------------------

    def event(
        self,
        event: dict[str, Any],
        team_id: str = DEFAULT_TEAM_ID,
        event_id: str | None = None,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        envelope = payloads.event_callback(self.app, event=event, team_id=team_id, event_id=event_id)
        return self.send_json(envelope, **options)

    def app_mention(
        self,
        text: str,
        user: str = "U1",
        channel: str = "C1",
        team_id: str = DEFAULT_TEAM_ID,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        """`text` gets the bot's <@mention> in front unless it already starts with one."""
        event = payloads.app_mention(text=text, user=user, channel=channel, team_id=team_id)
        return self.event(event, team_id, **options)

    def message_im(
        self,
        text: str,
        user: str = "U1",
        channel: str = "D1",
        team_id: str = DEFAULT_TEAM_ID,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        event = payloads.message_im(text=text, user=user, channel=channel, team_id=team_id)
        return self.event(event, team_id, **options)

    def app_home_opened(
        self,
        user: str = "U1",
        team_id: str = DEFAULT_TEAM_ID,
        channel: str = "D1",
        view: dict[str, Any] | None = None,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        event = payloads.app_home_opened(user=user, channel=channel, view=view)
        return self.event(event, team_id, **options)

    def user_change(
        self,
        user_id: str,
        tz: str = DEFAULT_TZ,
        team_id: str = DEFAULT_TEAM_ID,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        user = User(id=user_id, team_id=team_id, tz=tz, is_admin=is_admin, is_owner=is_owner).to_api()
        return self.event(payloads.user_change(user=user), team_id, **options)

    def member_joined_channel(
        self,
        user: str,
        channel: str,
        team_id: str = DEFAULT_TEAM_ID,
        *,
        private: bool = False,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        event = payloads.member_channel(
            "member_joined_channel", user=user, channel=channel, team_id=team_id, private=private
        )
        return self.event(event, team_id, **options)

    def member_left_channel(
        self,
        user: str,
        channel: str,
        team_id: str = DEFAULT_TEAM_ID,
        *,
        private: bool = False,
        **options: Unpack[SignOptions],
    ) -> requests.Response:
        event = payloads.member_channel(
            "member_left_channel", user=user, channel=channel, team_id=team_id, private=private
        )
        return self.event(event, team_id, **options)

    def url_verification(self, challenge: str, **options: Unpack[SignOptions]) -> requests.Response:
        return self.send_json(payloads.url_verification(self.app, challenge), **options)
