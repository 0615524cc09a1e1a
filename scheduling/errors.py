"""The one exception a user can cause by typing a schedule."""


class ParseError(ValueError):
    """A schedule phrase we cannot turn into exactly what the user meant.

    ``str(err)`` is written for the person who typed the phrase: it names the problem and
    shows an example that works.
    """


def fail(problem: str, example: str) -> ParseError:
    """Build a ParseError whose message names the problem and shows a working example."""
    return ParseError(f"{problem}. Try: {example}")


class NotASchedule(ParseError):
    """The text does not read as a schedule at all (no schedule words, or an unknown word where one should be).

    split_what_when() treats every other ParseError as a schedule attempt with a named problem.
    """


class UnknownWord(NotASchedule):
    """The grammar met a word it has no rule for: the only error the dateparser fallback may overrule."""


class InvalidSchedule(ParseError):
    """The whole phrase reads as a schedule, but it cannot run as written (past, never happens, …)."""
