"""The status bar line, as presenters use it: a sentence for a while, errors longer and logged."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QStatusBar

log = logging.getLogger(__name__)

ERROR_MS = 20000


class StatusLine:
    def __init__(self, bar: QStatusBar):
        self._bar = bar

    def info(self, message: str, ms: int = 6000) -> None:
        self._bar.showMessage(message, ms)

    def error(self, message: str) -> None:
        log.info("Shown to the user: %s", message)
        self._bar.showMessage(message, ERROR_MS)
