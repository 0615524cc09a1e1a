"""A zone named at the end of a phrase: 'every day at 09:00 UTC', 'at 3pm Europe/Berlin'.

UTC, GMT (fixed UTC+0, not London time) and IANA names, in any case, override the user's zone.
Abbreviations such as EST, CST or IST are refused: several zones share them, and people write
'EST' in summer when they mean EDT, so any mapping would be a guess.
"""

import re
from functools import lru_cache
from zoneinfo import available_timezones

from scheduling.errors import fail

EXAMPLE = "every day at 9am America/New_York, or at 14:00 UTC"
_SUFFIX = re.compile(
    r"^(?P<rest>.*?)[\s,]+(?:in\s+)?\(?(?P<zone>utc|gmt|[a-z]+(?:/[a-z0-9_+\-]+)+|[a-z]{2,5}|[a-z]{3}[+\-][0-9:]+)\)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ABBREVIATIONS = frozenset({
    "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "akst", "akdt", "hst", "et", "ct", "mt", "pt",
    "bst", "ist", "cet", "cest", "eet", "eest", "wet", "aest", "aedt", "acst", "acdt", "awst", "nzst", "nzdt",
    "jst", "kst", "sgt", "hkt", "msk", "sast", "wib",
})  # fmt: skip
_FIXED = {"utc": "UTC", "gmt": "GMT"}


def split_zone(text: str) -> tuple[str, str | None]:
    """The phrase without a trailing zone, and that zone's IANA name (None when none is named)."""
    match = _SUFFIX.match(text)
    if match is None:
        return text, None
    word = match.group("zone")
    lower = word.lower()
    if lower in _FIXED:
        return match.group("rest"), _FIXED[lower]
    if "/" in lower:
        return match.group("rest"), _iana(word)
    if lower in _ABBREVIATIONS or lower[:3] in ("utc", "gmt"):
        raise fail(f"'{word}' is ambiguous or ignores daylight saving; name the zone", EXAMPLE)
    return text, None


def _iana(word: str) -> str:
    name = _zone_names().get(word.lower())
    if name is None:
        raise fail(f"'{word}' is not a time zone I know", EXAMPLE)
    return name


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}
