"""Per-user folders: models, caches, logs, settings. Each can be moved with an environment variable.

The platform's conventions come from platformdirs. On Linux they are the XDG folders Pose Studio always
used (~/.local/share/posestudio/models, ~/.cache/posestudio, ~/.local/state/posestudio/logs,
~/.config/posestudio), so existing models and cached analyses stay where they are.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

# the folder's name: lower case as is usual on Linux, as the user sees it elsewhere
APP = "posestudio" if sys.platform.startswith("linux") else "PoseStudio"


def _override(var: str) -> Path | None:
    value = os.environ.get(var)
    return Path(value) if value else None


def models_dir() -> Path:
    """Where built ONNX files live (POSESTUDIO_MODELS overrides)."""
    return _override("POSESTUDIO_MODELS") or platformdirs.user_data_path(APP, appauthor=False) / "models"


def cache_dir() -> Path:
    """Analysis results and other things that can be rebuilt (POSESTUDIO_CACHE overrides)."""
    return _override("POSESTUDIO_CACHE") or platformdirs.user_cache_path(APP, appauthor=False)


def log_dir() -> Path:
    """Log files with tracebacks (POSESTUDIO_LOGS overrides)."""
    override = _override("POSESTUDIO_LOGS")
    if override:
        return override
    if sys.platform.startswith("linux"):  # platformdirs says .../state/posestudio/log; keep the folder users have
        return platformdirs.user_state_path(APP, appauthor=False) / "logs"
    return platformdirs.user_log_path(APP, appauthor=False)


def config_dir() -> Path:
    """The user's settings shared by the window and the command line, e.g. custom angles (POSESTUDIO_CONFIG
    overrides)."""
    return _override("POSESTUDIO_CONFIG") or platformdirs.user_config_path(APP, appauthor=False, roaming=True)


def repo_root() -> Path | None:
    """The source checkout (or the frozen bundle) holding `models/`, if there is one."""
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle)] if bundle else []
    candidates.append(Path(__file__).resolve().parents[3])
    for root in candidates:
        if (root / "models" / "manifest.json").is_file():
            return root
    return None
