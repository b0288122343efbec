"""One self-overwriting progress line on stderr, shared by the subcommands that show one."""

from __future__ import annotations

import sys
import time


class ProgressLine:
    def __init__(self, enabled: bool):
        self.enabled, self.last, self.shown = enabled, 0.0, False
        # redirected to a file or CI log: a line every few seconds, not a stream of carriage returns
        self.tty = sys.stderr.isatty()
        self.every = 0.2 if self.tty else 5.0

    def show(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < self.every):
            return
        self.last = now
        sys.stderr.write(f"\r{text:<78}" if self.tty else f"{text}\n")
        sys.stderr.flush()
        self.shown = True

    def end(self) -> None:
        if self.shown and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
        self.shown = False

    def __call__(self, text: str, done: int, total: int) -> None:
        """A progress callback: `text done/total`, always shown when done."""
        self.show(f"{text} {done}/{total}", force=done == total)
