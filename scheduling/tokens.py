"""Turn typed text into lower-case tokens and walk them with a small cursor."""

import re
import unicodedata
from dataclasses import dataclass

from scheduling.lexicon import NUMBER_WORDS, ORDINAL_WORDS, TENS_WORDS

MAX_INPUT_CHARS = 500

_REPLACEMENTS = (
    (re.compile(r"[‘’`´]"), "'"),
    (re.compile(r"[“”]"), '"'),
    (re.compile(r"\b([ap])\.m\.?"), r"\1m"),
    (re.compile(r"\b([0-9]{1,2}(?::[0-9]{2})?)([ap])\b"), r"\1\2m"),  # '3p', '12a', '9:30a'
    (re.compile(r"\bo'?\s?clock\b"), " oclock "),
    (re.compile(r"@"), " at "),
    (re.compile(r"&"), " and "),
)
_TOKEN = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:t[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
    r"|[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{2,4})?"
    r"|'[0-9]{2}(?![0-9])"  # "jan 5 '27": a year the grammar leaves to the written-date fallback
    r"|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"
    r"|[0-9]+(?:st|nd|rd|th)(?![a-z])"
    r"|[0-9]+\.[0-9]+"
    r"|[0-9]+"
    r"|[a-z]+"
    r"|[^\s]",
)
_IGNORED = frozenset(".!?;'")
_ORDINAL_DIGITS = re.compile(r"^([0-9]+)(?:st|nd|rd|th)$")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def tokenize(text: str) -> list[str]:
    return [tok for tok in _TOKEN.findall(normalize(text)) if tok not in _IGNORED]


def as_int(token: str | None) -> int | None:
    """A small cardinal number written in digits."""
    if token is not None and token.isascii() and token.isdigit() and len(token) <= 4:
        return int(token)
    return None


def ordinal_digits(token: str | None) -> int | None:
    match = _ORDINAL_DIGITS.match(token or "")
    return int(match.group(1)) if match and len(match.group(1)) <= 3 else None


@dataclass
class Reader:
    """A cursor over tokens; recognizers advance it only when they match."""

    tokens: list[str]
    pos: int = 0

    def peek(self, offset: int = 0) -> str | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def done(self) -> bool:
        return self.pos >= len(self.tokens)

    def next(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token in words:
            self.pos += 1
            return token
        return None

    def accept_seq(self, *words: str) -> bool:
        if tuple(self.tokens[self.pos : self.pos + len(words)]) == words:
            self.pos += len(words)
            return True
        return False

    def number(self) -> int | None:
        """A cardinal in digits or words ('15', 'fifteen', 'forty-five', 'an')."""
        value = as_int(self.peek())
        if value is not None:
            self.pos += 1
            return value
        return self._word_number(NUMBER_WORDS)

    def ordinal(self) -> int | None:
        """An ordinal in digits or words ('3rd', 'third', 'twenty-first')."""
        value = ordinal_digits(self.peek())
        if value is not None:
            self.pos += 1
            return value
        return self._word_number(ORDINAL_WORDS, ordinal=True)

    def _word_number(self, table: dict[str, int], *, ordinal: bool = False) -> int | None:
        token = self.peek()
        if token in TENS_WORDS:
            start = self.pos
            self.pos += 1
            self.accept("-")
            unit = self.peek()
            units = ORDINAL_WORDS if ordinal else NUMBER_WORDS
            if unit in units and units[unit] < 10 and unit not in ("a", "an"):
                self.pos += 1
                return TENS_WORDS[token] + units[unit]
            if ordinal:
                self.pos = start
                return None
            self.pos = start + 1
            return TENS_WORDS[token]
        if token is not None and token in table:
            self.pos += 1
            return table[token]
        return None
