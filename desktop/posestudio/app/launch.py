"""Start the Qt application; says so in one sentence when there is no display."""

from __future__ import annotations

import os
import sys


def display_available() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def launch(videos: list[str], camera: str | None = None) -> int:
    if not display_available():
        print("posestudio: no display is available, so the window cannot open; "
              "run it on a desktop session (or under `xvfb-run -a posestudio`).", file=sys.stderr)
        return 1
    from posestudio.app.main import run

    return run(videos, camera)
