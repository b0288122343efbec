"""Acting on the marks the timeline shows (AngleCurves draws them): body parts the user leaves out where the
video shows the model was wrong, from the timeline's right-click menu or the Analysis menu, and Ctrl+J to
the next sudden change."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from posestudio.app.angle_curves import half_frame
from posestudio.app.session import ClipSession
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.transport import Playback
from posestudio.core.analysis.left_out import PARTS, LeaveOutError, leave_out, put_back
from posestudio.core.kinematics.sudden import describe


def _frames_between(timestamps: np.ndarray, t0: float, t1: float) -> tuple[int, int] | None:
    """First and last frame whose time lies in [t0, t1] (half a frame of slack), or None."""
    ts = np.asarray(timestamps, dtype=float)
    half = half_frame(ts)
    inside = np.flatnonzero((ts >= t0 - half) & (ts <= t1 + half))
    return (int(inside[0]), int(inside[-1])) if inside.size else None


class LeftOutActions(QObject):
    def __init__(self, session: ClipSession, timeline: Timeline, playback: Playback, status: StatusLine,
                 undo_action: QAction, menu_parent: QWidget):
        super().__init__(session)
        self.session, self.timeline, self.playback, self.status = session, timeline, playback, status
        self.undo_action, self.menu_parent = undo_action, menu_parent
        self.last_menu: QMenu | None = None  # kept so tests (and Qt) can reach the open menu
        self.next_sudden_action = self._action("Next sudden change", lambda: self.go_to_sudden(1), "Ctrl+J",
                                               "Go to where a curve next changes faster than 1200°/s")
        self.previous_sudden_action = self._action("Previous sudden change", lambda: self.go_to_sudden(-1),
                                                   "Ctrl+Shift+J")
        timeline.context_requested.connect(self.timeline_menu)

    def _action(self, text: str, slot, shortcut: str, tip: str | None = None) -> QAction:
        action = QAction(text, self.menu_parent)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    # ----- menus -----
    def fill_part_menu(self, menu: QMenu) -> None:
        """The body parts, each leaving itself out over the selected time range."""
        for part in PARTS:
            menu.addAction(part.capitalize(), lambda p=part: self.leave_out_selected(p))

    def timeline_menu(self, seconds: float, global_pos=None) -> QMenu:
        menu = QMenu(self.menu_parent)
        span = self.timeline.selected_range
        data = self.session.angle_data
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
        menu.addAction(self.next_sudden_action)
        menu.addAction(self.previous_sudden_action)
        menu.addAction(self.undo_action)
        if global_pos is not None:
            menu.popup(global_pos)
        self.last_menu = menu
        return menu

    def _left_out_at(self, seconds: float):
        data = self.session.angle_data
        if data is None or data.timestamps is None:
            return None
        frames = _frames_between(data.timestamps, seconds, seconds)
        if frames is None:
            return None
        return next((r for r in data.left_out if r[0] <= frames[0] <= r[1]), None)

    # ----- edits -----
    def _editable(self):
        """(result, person) to edit, or None after telling the user why not."""
        s = self.session
        if s.result is None or s.angle_data is None or s.angle_data.person < 0:
            self.status.error("Open and analyse a video first.")
            return None
        if s.analysing:
            self.status.error("Wait for the analysis to finish before leaving anything out.")
            return None
        return s.result, s.angle_data.person

    def leave_out_selected(self, part: str) -> bool:
        found = self._editable()
        if found is None:
            return False
        result, person = found
        span = self.timeline.selected_range
        frames = None if span is None else _frames_between(self.session.angle_data.timestamps, *span)
        if frames is None:
            self.status.error("Select the wrong frames first: Shift+drag over them in the plot.")
            return False
        first, last = frames
        try:
            mask = leave_out(result, person, first, last, part)
        except LeaveOutError as exc:
            self.status.error(str(exc))
            return False
        self.session.apply_edit(result.person_ids, mask)
        self.status.info(f"Left out the {part} of #{person} in frames {first}-{last}; it is kept "
                         f"with this clip's analysis (Ctrl+Z undoes).")
        return True

    def put_back_range(self, first: int, last: int) -> bool:
        found = self._editable()
        if found is None:
            return False
        result, person = found
        self.session.apply_edit(result.person_ids, put_back(result, person, first, last))
        self.status.info(f"Put back what was left out of #{person} in frames {first}-{last}.")
        return True

    def go_to_sudden(self, direction: int = 1) -> bool:
        """Seek to the next (direction 1) or previous (-1) sudden change from the current frame."""
        data = self.session.angle_data
        changes = data.sudden if data is not None else []
        here = self.playback.index
        frames = [c.frame for c in changes if (c.frame > here if direction > 0 else c.frame < here)]
        if not frames:
            where = "after" if direction > 0 else "before"
            self.status.info(f"No sudden change {where} this frame." if changes else
                             "No sudden changes in the curves shown.")
            return False
        target = frames[0] if direction > 0 else frames[-1]
        self.playback.pause()
        self.playback.seek(target)
        change = next(c for c in changes if c.frame == target)
        self.status.info(describe(change), 12000)
        return True
