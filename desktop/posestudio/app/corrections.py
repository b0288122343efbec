"""Correcting the model by hand: drag a keypoint on the video to where it really is (the correction carries
over the frames around it, or over the range selected on the timeline), place a point the model missed,
mark one as not visible; keys to the next frame where a body keypoint's score is low. Every correction
goes through the session's one undo stack and is saved with the clip's analysis."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from posestudio.app.angle_curves import half_frame
from posestudio.app.identity_edits import IdentityEdits
from posestudio.app.session import ClipSession
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.transport import Playback
from posestudio.app.video_view import VideoView
from posestudio.core.analysis import corrections as corr
from posestudio.core.analysis.corrections import CorrectionError

REACH_CHOICES = (0, 5, 10, 20, 30)   # frames; corr.DEFAULT_REACH is one of them
REACH_KEY = "corrections/reach"
# the keypoints "next low score" looks at: those the body angles are made of (not face, hands, feet tips)
BODY_POINTS = tuple(f"{side}_{part}" for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
                    for side in ("left", "right"))


class CorrectionActions(QObject):
    def __init__(self, session: ClipSession, view: VideoView, timeline: Timeline, playback: Playback,
                 status: StatusLine, identities: IdentityEdits, undo_action: QAction, menu_parent: QWidget):
        super().__init__(session)
        self.session, self.view, self.timeline, self.playback = session, view, timeline, playback
        self.status, self.identities, self.undo_action, self.menu_parent = status, identities, undo_action, menu_parent
        self.last_menu: QMenu | None = None  # kept so tests (and Qt) can reach the open menu
        stored = QSettings().value(REACH_KEY, corr.DEFAULT_REACH)
        self.reach = int(stored) if str(stored).isdigit() and int(stored) in REACH_CHOICES else corr.DEFAULT_REACH
        self.range_action = self._action("Corrections reach over the selected range", None, "Ctrl+R",
                                         "A dragged keypoint is corrected exactly over the frames selected on the "
                                         "timeline (Shift+drag there), instead of fading out around the frame")
        self.range_action.setCheckable(True)
        self.body_action = self._action("Corrections follow the body, not the model", None, "Ctrl+B",
                                        "Between key frames a dragged point keeps its place relative to the middle "
                                        "of the shoulders (hips for legs) instead of following the model's point: "
                                        "for stretches where the model's point wanders off")
        self.body_action.setCheckable(True)
        self.next_low_action = self._action("Next low-score keypoint", lambda: self.go_to_low_score(1), "Ctrl+L",
                                            "Go to where a body keypoint of the followed person is next unsure")
        self.previous_low_action = self._action("Previous low-score keypoint", lambda: self.go_to_low_score(-1),
                                                "Ctrl+Shift+L")
        view.keypoint_moved.connect(self.on_keypoint_moved)
        view.keypoint_menu_requested.connect(self.keypoint_menu)
        session.result_changed.connect(lambda _r: self._update_editable())
        session.analysing_changed.connect(lambda _a: self._update_editable())

    def _action(self, text: str, slot, shortcut: str, tip: str = "") -> QAction:
        action = QAction(text, self.menu_parent)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        self.menu_parent.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def fill_menu(self, menu: QMenu) -> None:
        """The Analysis menu's "Correct keypoints" entries."""
        menu.setToolTipsVisible(True)
        hint = menu.addAction("Drag a keypoint on the video to where it really is; right-click it for more")
        hint.setEnabled(False)
        menu.addAction(self.range_action)
        menu.addAction(self.body_action)
        reach = menu.addMenu("A correction carries over")
        group = QActionGroup(reach)
        for frames in REACH_CHOICES:
            text = "this frame only" if frames == 0 else f"{frames} frames either side, fading out"
            action = reach.addAction(text + (" (default)" if frames == corr.DEFAULT_REACH else ""))
            action.setCheckable(True)
            action.setChecked(frames == self.reach)
            action.triggered.connect(lambda _=False, f=frames: self.set_reach(f))
            group.addAction(action)
        menu.addAction(self.next_low_action)
        menu.addAction(self.previous_low_action)

    def set_reach(self, frames: int) -> None:
        self.reach = int(frames)
        QSettings().setValue(REACH_KEY, self.reach)

    def _update_editable(self) -> None:
        r = self.session.result
        self.view.set_editable(r is not None and r.complete and not self.session.analysing)

    # ----- edits -----
    def _result(self):
        s = self.session
        if s.result is None or not s.result.analysed.any():
            self.status.error("Open and analyse a video first.")
            return None
        if s.analysing or not s.result.complete:
            self.status.error("Wait for the analysis to finish before correcting keypoints.")
            return None
        return s.result

    def _selected_frames(self) -> tuple[int, int] | None:
        span, clip = self.timeline.selected_range, self.session.clip
        if span is None or clip is None:
            return None
        ts = np.asarray(clip.timestamps, dtype=float)
        half = half_frame(ts)
        inside = np.flatnonzero((ts >= span[0] - half) & (ts <= span[1] + half))
        return (int(inside[0]), int(inside[-1])) if inside.size else None

    def _keys(self, track: int, keypoint: int) -> set:
        r = self.session.result
        ok = r is not None and 0 <= keypoint < len(r.keypoint_names)
        return {(track, k) for k in corr.touched(r, keypoint)} if ok else set()

    def _apply(self, make, keys: set, done: str) -> bool:
        """Apply the Corrections `make()` returns (or say why not); `keys` the (person, keypoint) it changes."""
        r = self._result()
        if r is None:
            self.view.update()
            return False
        try:
            new = make(r)
        except CorrectionError as exc:
            self.status.error(str(exc))
            self.view.update()  # the dragged point goes back
            return False
        self.session.apply_edit(r.person_ids, r.left_out, new, only=keys)
        self.status.info(done + " (Ctrl+Z undoes).")
        return True

    def move_keypoint(self, track: int, keypoint: int, x: float, y: float, frame: int | None = None) -> bool:
        """Keypoint `keypoint` of person `track` is at (x, y) in `frame` (the frame shown)."""
        frame = self.view.frame_index if frame is None else frame
        span = None
        if self.range_action.isChecked():
            span = self._selected_frames()
            if span is None:
                self.status.error("Select the frames to correct first: Shift+drag over them on the timeline "
                                  "(or turn off Analysis > Correct keypoints > reach over the selected range).")
                self.view.update()
                return False
        name = self._name(keypoint)
        body = self.body_action.isChecked()
        ok = self._apply(lambda res: corr.move(res, track, frame, keypoint, x, y, self.reach, span, body),
                         self._keys(track, keypoint), f"Moved the {name} of #{track} in frame {frame}")
        if ok:
            reach = corr.reach_of(self.session.result, track, keypoint)
            if reach is not None:
                self.status.info(f"Moved the {name} of #{track} in frame {frame}; the correction reaches frames "
                                 f"{reach[0]}-{reach[1]} (Ctrl+Z undoes).")
        return ok

    def on_keypoint_moved(self, track: int, keypoint: int, point: QPointF) -> None:
        self.move_keypoint(track, keypoint, point.x(), point.y())

    def _name(self, keypoint: int) -> str:
        r = self.session.result
        return r.keypoint_names[keypoint] if r is not None and 0 <= keypoint < len(r.keypoint_names) \
            else f"keypoint {keypoint}"

    def hide_keypoint(self, track: int, keypoint: int, first: int, last: int) -> bool:
        name = self._name(keypoint)
        where = f"frame {first}" if first == last else f"frames {first}-{last}"
        return self._apply(lambda res: corr.hide(res, track, first, last, keypoint), self._keys(track, keypoint),
                           f"The {name} of #{track} is marked not visible in {where}")

    def remove_keypoint(self, track: int, keypoint: int) -> bool:
        name = self._name(keypoint)
        return self._apply(lambda res: corr.remove(res, track, 0, res.frame_count - 1, keypoint),
                           self._keys(track, keypoint), f"Removed every hand correction of the {name} of #{track}")

    # ----- the video's right-click menu -----
    def keypoint_menu(self, track: int, keypoint: int, point: QPointF, global_pos=None) -> QMenu:
        """For a right-click on a person: the keypoint under the cursor (not visible here or over the selected
        range, remove its corrections), points the model missed to place there, and the person's id menu."""
        menu = QMenu(self.menu_parent)
        r, frame = self.session.result, self.view.frame_index
        if r is not None and 0 <= frame < r.frame_count:
            if keypoint >= 0:
                name = r.keypoint_names[keypoint]
                menu.addAction(f"{name}: not visible in this frame",
                               lambda: self.hide_keypoint(track, keypoint, frame, frame))
                span = self._selected_frames()
                hide_range = menu.addAction(f"{name}: not visible over the selected range" +
                                            (f" (frames {span[0]}-{span[1]})" if span else " (Shift+drag on the "
                                                                                              "timeline first)"))
                hide_range.setEnabled(span is not None)
                if span is not None:
                    hide_range.triggered.connect(lambda: self.hide_keypoint(track, keypoint, *span))
                if corr.reach_of(r, track, keypoint) is not None or (
                        r.corrections is not None and r.corrections.of(r.person_ids, track, keypoint).any()):
                    menu.addAction(f"{name}: remove every hand correction of #{track}",
                                   lambda: self.remove_keypoint(track, keypoint))
            self._fill_place_menu(menu.addMenu(f"Place a point of #{track} the model missed here"), r, track,
                                  frame, point)
            menu.addSeparator()
        person = self.identities.person_menu(track)
        person.setTitle(f"#{track}: follow, swap or merge")
        menu.addMenu(person)
        menu.addAction(self.undo_action)
        if global_pos is not None:
            menu.popup(global_pos)
        self.last_menu = menu
        return menu

    def _fill_place_menu(self, menu: QMenu, r, track: int, frame: int, point: QPointF) -> None:
        slots = np.flatnonzero(r.person_ids[frame] == track)
        missed = []
        if slots.size:
            kp = r.keypoints[frame, int(slots[0])]
            score = np.nan_to_num(kp[:, 2], nan=0.0)
            missed = [i for i in range(len(kp)) if not np.isfinite(kp[i, 0]) or score[i] < self.view.overlay.threshold]
        for i in missed:
            menu.addAction(r.keypoint_names[i], lambda k=i: self.move_keypoint(track, k, point.x(), point.y(), frame))
        if not missed:
            menu.addAction("(the model found every point of this person here: drag one instead)").setEnabled(False)

    # ----- navigation -----
    def go_to_low_score(self, direction: int = 1) -> bool:
        """Seek to the next (1) or previous (-1) frame where a body keypoint of the followed person drops below
        the score threshold."""
        s = self.session
        data = s.angle_data
        if s.result is None or data is None or data.person < 0:
            self.status.info("Open and analyse a video first.")
            return False
        names = list(s.result.keypoint_names)
        keys = [names.index(n) for n in BODY_POINTS if n in names]
        found = corr.next_low_score(s.result, data.person, self.playback.index, direction,
                                    self.view.overlay.threshold, keys)
        if found is None:
            where = "after" if direction > 0 else "before"
            self.status.info(f"No low-score body keypoint of #{data.person} {where} this frame.")
            return False
        frame, k = found
        self.playback.pause()
        self.playback.seek(frame)
        self.status.info(f"Frame {frame}: the model is unsure of the {names[k]} of #{data.person}; drag it to "
                         f"where it is, or right-click it.", 12000)
        return True
