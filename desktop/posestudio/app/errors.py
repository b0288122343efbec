"""Turn exceptions into one sentence for the status bar; tracebacks go to the log file."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Callable

from posestudio.core.errors import PoseStudioError
from posestudio.core.logs import log_file

log = logging.getLogger(__name__)


def user_message(exc: BaseException) -> str:
    """The sentence a user sees: our own errors carry it, anything else points at the log."""
    if isinstance(exc, PoseStudioError) and str(exc):
        return str(exc)
    return f"Something went wrong ({type(exc).__name__}); the details are in the log file {log_file()}."


def install_excepthook(show: Callable[[str], None]) -> None:
    """Uncaught exceptions in slots would otherwise only reach stderr (or abort with PySide6)."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("Uncaught exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        try:
            show(user_message(exc))
        except Exception:  # the window may be gone already
            log.exception("Could not show the error in the window")

    sys.excepthook = hook
