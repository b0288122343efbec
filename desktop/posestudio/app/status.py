"""The status bar line, as presenters use it: a sentence for a while, errors longer and logged; what the user
must not miss (a file that cannot be opened, where an export went) also in the message bar over the video."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QStatusBar

log = logging.getLogger(__name__)

ERROR_MS = 20000


class StatusLine:
    def __init__(self, bar: QStatusBar, message_bar=None):
        self._bar = bar
        self.message_bar = message_bar  # MessageBar or None (tests of single presenters)

    def info(self, message: str, ms: int = 6000) -> None:
        self._bar.showMessage(message, ms)

    def error(self, message: str) -> None:
        log.info("Shown to the user: %s", message)
        self._bar.showMessage(message, ERROR_MS)

    def alert(self, message: str) -> None:
        """An error the user must see: in the window over the video as well as in the status bar."""
        self.error(message)
        if self.message_bar is not None:
            self.message_bar.show_message(message, "error")

    def saved(self, what: str, path) -> None:
        """Where a file was written, with an "Open folder" link in the window."""
        from pathlib import Path

        message = f"{what} saved to {path}."
        self.info(message, ERROR_MS)
        if self.message_bar is not None:
            self.message_bar.show_message(message, "info", folder=str(Path(path).resolve().parent))
