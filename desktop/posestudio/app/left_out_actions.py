"""Sudden changes shown on the timeline, and body parts the user leaves out where the video shows the model
was wrong: the timeline's right-click menu, the Analysis menu entries, Ctrl+J to the next sudden change."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu

from posestudio.core.kinematics.sudden import describe
from posestudio.core.analysis.left_out import PARTS, LeaveOutError, leave_out, put_back


def _half_frame(timestamps) -> float:
    ts = np.asarray(timestamps, dtype=float)
    return 0.5 * float(np.median(np.diff(ts))) if ts.size > 1 else 0.0


def _frames_between(timestamps: np.ndarray, t0: float, t1: float) -> tuple[int, int] | None:
    """First and last frame whose time lies in [t0, t1] (half a frame of slack), or None."""
    ts = np.asarray(timestamps, dtype=float)
    half = _half_frame(ts)
    inside = np.flatnonzero((ts >= t0 - half) & (ts <= t1 + half))
    return (int(inside[0]), int(inside[-1])) if inside.size else None


class LeftOutActions(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.last_menu: QMenu | None = None  # kept so tests (and Qt) can reach the open menu

    # ----- drawing -----
    def show_marks(self, data) -> None:
        """Rings where the shown curves change suddenly, grey bands where the user left parts out."""
        marks = []
        for change in data.sudden:
            y = next((float(data.values[n][change.frame]) for n in change.names
                      if n in data.values and np.isfinite(data.values[n][change.frame])), 0.0)
            marks.append((float(data.timestamps[change.frame]), y, describe(change)))
        self.w.timeline.set_marks(marks)
        ts = data.timestamps
        half = _half_frame(ts) if ts is not None else 0.0
        self.w.timeline.set_left_out([
            (float(ts[first]) - half, float(ts[last]) + half,
             f"Left out by you: {', '.join(parts)} of #{data.person}, frames {first}-{last}. "
             f"Right-click here to put it back.")
            for first, last, parts in data.left_out])

    # ----- menus -----
    def fill_part_menu(self, menu: QMenu) -> None:
        """The body parts, each leaving itself out over the selected time range."""
        for part in PARTS:
            menu.addAction(part.capitalize(), lambda p=part: self.leave_out_selected(p))

    def timeline_menu(self, seconds: float, global_pos=None) -> QMenu:
        menu = QMenu(self.w)
        span = self.w.timeline.selected_range
        data = self.w.controller.angle_data
        who = f" of #{data.person}" if data is not None and data.person >= 0 else ""
        if span is None:
            hint = menu.addAction("Leave out a body part: Shift+drag over the wrong frames first")
            hint.setEnabled(False)
        else:
            parts = menu.addMenu(f"Leave out{who} from {span[0]:.2f} s to {span[1]:.2f} s")
            self.fill_part_menu(parts)
        inside = self._left_out_at(seconds)
        if inside is not None:
            first, last, names = inside
            menu.addAction(f"Put back the {', '.join(names)}{who} (frames {first}-{last})",
                           lambda: self.put_back_range(first, last))
        menu.addSeparator()
        menu.addAction(self.w.next_sudden_action)
        menu.addAction(self.w.previous_sudden_action)
        menu.addAction(self.w.undo_action)
        if global_pos is not None:
            menu.popup(global_pos)
        self.last_menu = menu
        return menu

    def _left_out_at(self, seconds: float):
        data = self.w.controller.angle_data
        if data is None or data.timestamps is None:
            return None
        frames = _frames_between(data.timestamps, seconds, seconds)
        if frames is None:
            return None
        return next((r for r in data.left_out if r[0] <= frames[0] <= r[1]), None)

    # ----- edits -----
    def _editable(self):
        """(result, person) to edit, or None after telling the user why not."""
        c = self.w.controller
        if c.result is None or c.angle_data is None or c.angle_data.person < 0:
            self.w.show_error("Open and analyse a video first.")
            return None
        if c.analysis is not None:
            self.w.show_error("Wait for the analysis to finish before leaving anything out.")
            return None
        return c.result, c.angle_data.person

    def leave_out_selected(self, part: str) -> bool:
        found = self._editable()
        if found is None:
            return False
        result, person = found
        span = self.w.timeline.selected_range
        frames = None if span is None else _frames_between(self.w.controller.angle_data.timestamps, *span)
        if frames is None:
            self.w.show_error("Select the wrong frames first: Shift+drag over them in the plot.")
            return False
        first, last = frames
        try:
            mask = leave_out(result, person, first, last, part)
        except LeaveOutError as exc:
            self.w.show_error(str(exc))
            return False
        self.w.controller.apply_edit(result.person_ids, mask,
                                     f"Left out the {part} of #{person} in frames {first}-{last}; it is kept "
                                     f"with this clip's analysis (Ctrl+Z undoes).")
        return True

    def put_back_range(self, first: int, last: int) -> bool:
        found = self._editable()
        if found is None:
            return False
        result, person = found
        self.w.controller.apply_edit(result.person_ids, put_back(result, person, first, last),
                                     f"Put back what was left out of #{person} in frames {first}-{last}.")
        return True

    def go_to_sudden(self, direction: int = 1) -> bool:
        """Seek to the next (direction 1) or previous (-1) sudden change from the current frame."""
        data = self.w.controller.angle_data
        changes = data.sudden if data is not None else []
        here = self.w.playback.index
        frames = [c.frame for c in changes if (c.frame > here if direction > 0 else c.frame < here)]
        if not frames:
            where = "after" if direction > 0 else "before"
            self.w.show_info(f"No sudden change {where} this frame." if changes else
                             "No sudden changes in the curves shown.")
            return False
        target = frames[0] if direction > 0 else frames[-1]
        self.w.playback.pause()
        self.w.playback.seek(target)
        change = next(c for c in changes if c.frame == target)
        self.w.show_info(describe(change), 12000)
        return True
