"""Logging to a rotating file in the per-user log folder; stderr only gets sentences."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from posestudio.core.paths import log_dir

_configured: Path | None = None


def setup_logging(level: int = logging.INFO) -> Path:
    """Send log records (with tracebacks) to posestudio.log; returns the file's path."""
    global _configured
    if _configured is not None:
        return _configured
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "posestudio.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    _configured = path
    return path


def log_file() -> Path:
    return log_dir() / "posestudio.log"
