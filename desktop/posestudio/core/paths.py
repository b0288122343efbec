"""Per-user folders: models, caches, logs. Each can be moved with an environment variable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "posestudio"


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / fallback


def _base(kind: str) -> Path:
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return root / "PoseStudio" / kind
    if sys.platform == "darwin":
        lib = Path.home() / "Library"
        where = {"data": lib / "Application Support", "cache": lib / "Caches", "state": lib / "Logs"}
        return where[kind] / "PoseStudio"
    where = {
        "data": _xdg("XDG_DATA_HOME", ".local/share"),
        "cache": _xdg("XDG_CACHE_HOME", ".cache"),
        "state": _xdg("XDG_STATE_HOME", ".local/state"),
    }
    return where[kind] / APP


def models_dir() -> Path:
    """Where built ONNX files live (POSESTUDIO_MODELS overrides)."""
    override = os.environ.get("POSESTUDIO_MODELS")
    return Path(override) if override else _base("data") / "models"


def cache_dir() -> Path:
    """Analysis results and other things that can be rebuilt (POSESTUDIO_CACHE overrides)."""
    override = os.environ.get("POSESTUDIO_CACHE")
    return Path(override) if override else _base("cache")


def log_dir() -> Path:
    """Log files with tracebacks (POSESTUDIO_LOGS overrides)."""
    override = os.environ.get("POSESTUDIO_LOGS")
    return Path(override) if override else _base("state") / "logs"


def repo_root() -> Path | None:
    """The source checkout (or the frozen bundle) holding `models/`, if there is one."""
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle)] if bundle else []
    candidates.append(Path(__file__).resolve().parents[3])
    for root in candidates:
        if (root / "models" / "manifest.json").is_file():
            return root
    return None
