"""The timeline's rings at sudden changes: which row each goes in, and the warning above the rows."""

from __future__ import annotations

SUDDEN_TIP = ("A curve changes faster than 1200°/s. A real movement rarely does; a model that drew a body part in "
              "the wrong place and then corrected itself often does. Ctrl+J goes to the next one. If the video "
              "shows the part was wrong, Shift+drag over those frames and right-click to leave it out.")


def sudden_text(count: int) -> str:
    plural = "s" if count > 1 else ""
    return f"⚠ {count} sudden change{plural} (red ring{plural})"


def marks_by_row(marks: list[tuple], key_of) -> dict:
    """Marks (seconds, degrees, text, angle name) by row key (`key_of(angle name)`); None: every row. One pass
    over them: an hour's can be thousands."""
    out: dict = {}
    for m in marks:
        out.setdefault(None if m[3] is None else key_of(m[3]), []).append(m)
    return out
