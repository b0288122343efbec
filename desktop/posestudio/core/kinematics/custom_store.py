"""The user's saved custom angles: one JSON file in the per-user config folder, shared by the window and CLI."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable

from posestudio.core.atomic import atomic_path
from posestudio.core.paths import config_dir

from .angles import AngleDef
from .custom import InvalidAngleError, angle_from_dict, angle_to_dict

log = logging.getLogger(__name__)

FILE_NAME = "custom_angles.json"
VERSION = 1


def store_path() -> Path:
    return config_dir() / FILE_NAME


def load_custom_angles() -> list[AngleDef]:
    """Saved custom angles in their saved order; a missing file is an empty list, a broken one is logged
    and read as empty (and entries that no longer validate are skipped) so the caller always gets a list."""
    path = store_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        log.warning("Could not read the custom angles in %s", path, exc_info=True)
        return []
    entries = data.get("angles", []) if isinstance(data, dict) else []
    out: list[AngleDef] = []
    for entry in entries:
        try:
            angle = angle_from_dict(entry)
        except (InvalidAngleError, ValueError, TypeError):
            log.warning("Skipping a saved custom angle that is not valid: %r", entry)
            continue
        if all(a.name != angle.name for a in out):
            out.append(angle)
    return out


def save_custom_angles(angles: Iterable[AngleDef]) -> Path:
    """Replace the saved list (atomic write: a crash never leaves half a file)."""
    path = store_path()
    payload = {"version": VERSION, "angles": [angle_to_dict(a) for a in angles]}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


__all__ = ["config_dir", "store_path", "load_custom_angles", "save_custom_angles"]
