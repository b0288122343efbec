"""Which cameras this computer has, by name, for the source dialog (no Qt).

Linux: every /dev/videoN with the name the driver gives in /sys/class/video4linux/videoN/name (a webcam
often shows two nodes; the second carries metadata and fails to open with one sentence). macOS and Windows:
FFmpeg lists devices only in its log, so the dialog takes a typed number or name there.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SYSFS = Path("/sys/class/video4linux")


def list_cameras(sysfs: Path = SYSFS) -> list[tuple[str, str]]:
    """(spec for LiveSource, label) for each camera found, in device order; [] when none or not Linux."""
    if not sys.platform.startswith("linux") or not sysfs.is_dir():
        return []
    found = []
    for node in sysfs.iterdir():
        m = re.fullmatch(r"video(\d+)", node.name)
        if not m:
            continue
        try:
            name = (node / "name").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            name = ""
        device = f"/dev/{node.name}"
        found.append((int(m.group(1)), device, f"{name or 'Camera'} ({device})"))
    return [(device, label) for _, device, label in sorted(found)]


def typed_hint() -> str:
    if sys.platform == "darwin":
        return "a camera number (0, 1, ...) or a stream address"
    if sys.platform.startswith("win"):
        return 'a camera name ("video=Integrated Camera") or a stream address'
    return "a camera (/dev/video0 or 0) or a stream address"
