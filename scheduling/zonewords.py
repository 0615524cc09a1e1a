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
# The zone word itself; what comes before it is found by a scan from the end (split_zone), because a
# pattern anchored at both ends re-scanned every run of spaces and commas: quadratic in the phrase.
_ZONE = re.compile(r"utc|gmt|[a-z]+(?:/[a-z0-9_+\-]+)+|[a-z]{2,5}|[a-z]{3}[+\-][0-9:]+", re.IGNORECASE)
_ABBREVIATIONS = frozenset({
    "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "akst", "akdt", "hst", "et", "ct", "mt", "pt",
    "bst", "ist", "cet", "cest", "eet", "eest", "wet", "aest", "aedt", "acst", "acdt", "awst", "nzst", "nzdt",
    "jst", "kst", "sgt", "hkt", "msk", "sast", "wib",
})  # fmt: skip
_FIXED = {"utc": "UTC", "gmt": "GMT"}


def split_zone(text: str) -> tuple[str, str | None]:
    """The phrase without a trailing zone, and that zone's IANA name (None when none is named)."""
    found = _trailing_zone(text)
    if found is None:
        return text, None
    rest, word = found
    lower = word.lower()
    if lower in _FIXED:
        return rest, _FIXED[lower]
    if "/" in lower:
        return rest, _iana(word)
    if lower in _ABBREVIATIONS or lower[:3] in ("utc", "gmt"):
        raise fail(f"'{word}' is ambiguous or ignores daylight saving; name the zone", EXAMPLE)
    return text, None


def _trailing_zone(text: str) -> tuple[str, str] | None:
    """(rest, zone word) for `rest[ ,]+[in ](zone)` at the end of `text`, in one pass from the end."""
    body = text.rstrip()
    body = body[:-1] if body.endswith(")") else body
    cut = len(body)
    while cut > 0 and not _separator(body[cut - 1]):
        cut -= 1
    word = body[cut:]
    word = word[1:] if word.startswith("(") else word
    if cut == 0 or not _ZONE.fullmatch(word):
        return None
    head = body[:cut]
    spaced = head.rstrip()
    # `in` belongs to the zone only when spaces (not commas) follow it and a separator comes before it.
    if spaced != head and spaced[-2:].lower() == "in" and len(spaced) > 2 and _separator(spaced[-3]):
        head = spaced[:-2]
    return _strip_separators(head), word


def _separator(char: str) -> bool:
    return char == "," or char.isspace()


def _strip_separators(text: str) -> str:
    end = len(text)
    while end > 0 and _separator(text[end - 1]):
        end -= 1
    return text[:end]


def _iana(word: str) -> str:
    name = _zone_names().get(word.lower())
    if name is None:
        raise fail(f"'{word}' is not a time zone I know", EXAMPLE)
    return name


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}
