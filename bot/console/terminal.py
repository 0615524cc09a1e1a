"""The console's screen: whole lines printed under one lock, a prompt kept at the bottom of a terminal."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

PROMPT = "> "
CLEAR_LINE = "\r\x1b[2K"


class Terminal:
    """Prints for the console thread and the stand-in's threads without tearing lines apart."""

    def __init__(self, out: TextIO, *, interactive: bool) -> None:
        self.out = out
        self.interactive = interactive
        self._lock = threading.Lock()
        self._prompting = False

    def say(self, lines: list[str]) -> None:
        with self._lock:
            if self._prompting:
                self.out.write(CLEAR_LINE)
            self.out.write("".join(line + "\n" for line in lines))
            if self._prompting:
                self.out.write(PROMPT + _typed_so_far())
            self.out.flush()

    def echo(self, line: str) -> None:
        """Show a scripted command in the transcript; a person at a terminal already sees what they typed."""
        if not self.interactive:
            self.say([PROMPT + line])

    def lines(self, stdin: TextIO) -> Iterator[str]:
        """What the user types, line by line, until end of input."""
        if not self.interactive:
            yield from stdin
            return
        while True:
            with self._lock:
                self._prompting = True
            try:
                line = input(PROMPT)
            except EOFError:
                return
            finally:
                with self._lock:
                    self._prompting = False
            yield line

    @contextmanager
    def progress(self, label: str) -> Iterator[Callable[[str], None]]:
        """`label …` then whatever the block adds through the function it gets, then the time taken."""
        started = time.monotonic()

        def tick(text: str) -> None:
            with self._lock:
                self.out.write(text)
                self.out.flush()

        tick(f"{label} …")
        yield tick
        tick(f" ready in {time.monotonic() - started:.1f}s\n")


def _typed_so_far() -> str:
    try:
        import readline
    except ImportError:  # no readline on this platform: the prompt comes back empty
        return ""
    return readline.get_line_buffer()
