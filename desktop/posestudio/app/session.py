"""One open clip: its frames (the loader), the analysis result (partial while analysing), the angles shown,
the user's edits (identities fixed, body parts left out, both kept in the result) and their undo stack.
Each change is announced by a signal; presenters act on a session, never on the window, so a window can
hold several (compare two clips, a live camera)."""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import QObject, Signal

from posestudio.core.analysis.corrections import apply as apply_corrections
from posestudio.core.models.skeleton import keypoint_set as _keypoint_set

MAX_UNDO = 20
_KEEP = object()  # apply_edit: the result's corrections stay as they are


class ClipSession(QObject):
    clip_changed = Signal(object)       # ClipInfo of the clip just opened
    analysing_changed = Signal(bool)
    result_changed = Signal(object)     # AnalysisResult: a partial one, the complete one, or an edited one
    frames_added = Signal(int, int)     # analysing: rows [start, stop) just filled in, in place, in `result`
    angles_changed = Signal(object)     # AngleData now shown
    edited = Signal(object)             # AnalysisResult after an edit or an undo (to be saved)
    cache_needed = Signal()             # the analysis cache is about to be read or removed: write edits first

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.clip = None           # ClipInfo
        self.loader = None         # FrameLoader of the clip
        self.analysis = None       # the TaskThread analysing it, None when not analysing
        self.result = None         # AnalysisResult
        self.keypoint_set = None   # KeypointSet of the result
        self.angle_data = None     # AngleData
        # (person_ids, left_out, corrections) before each edit: identity fixes, parts left out, corrections;
        # or the whole AnalysisResult before a re-analysis (apply_result_edit)
        self.undo_stack: list = []

    def open(self, clip, loader):
        """Switch to a newly opened clip; everything about the old one is forgotten. Returns the old loader."""
        old = self.loader
        self.clip, self.loader = clip, loader
        self.result = self.keypoint_set = self.angle_data = None
        self.undo_stack.clear()
        self.clip_changed.emit(clip)
        return old

    # ----- analysis -----
    @property
    def analysing(self) -> bool:
        return self.analysis is not None

    def set_analysis(self, task) -> None:
        was = self.analysing
        self.analysis = task
        if was != self.analysing:
            self.analysing_changed.emit(self.analysing)

    def set_result(self, result) -> None:
        self.result = result
        if self.keypoint_set is None or self.keypoint_set.name != result.keypoint_set:
            self.keypoint_set = _keypoint_set(result.keypoint_set)
        self.result_changed.emit(result)

    def set_angles(self, data) -> None:
        self.angle_data = data
        self.angles_changed.emit(data)

    def has_results(self) -> bool:
        return self.result is not None and bool(self.result.analysed.any())

    def track_ids(self) -> list[int]:
        return [] if self.result is None else self.result.person_ids_present()

    # ----- edits -----
    def has_edits(self) -> bool:
        """Body parts left out, keypoints corrected or identities fixed since the clip was opened: analysing
        again loses them."""
        r = self.result
        return r is not None and (bool(self.undo_stack) or (r.left_out is not None and bool(r.left_out.any()))
                                  or r.corrections is not None)

    def apply_edit(self, person_ids: np.ndarray, left_out: np.ndarray | None, corrections=_KEEP,
                   only: set | None = None) -> None:
        """Keep an edited result (new ids, left-out marks and/or hand corrections; `only`: the (person,
        keypoint) pairs a correction changed, worked out alone); undo_edit brings the old one back."""
        r = self.result
        self.undo_stack = (self.undo_stack + [(r.person_ids.copy(), r.left_out, r.corrections)])[-MAX_UNDO:]
        self._set_edit(person_ids, left_out, r.corrections if corrections is _KEEP else corrections, only)

    def undo_edit(self) -> bool:
        """Undo the last edit (identity fix, body part left out, correction); False when there is none."""
        if not self.undo_stack or self.result is None or self.analysing:
            return False
        before = self.undo_stack.pop()
        if isinstance(before, tuple):
            self._set_edit(*before)
        else:  # a whole result: the one before a re-analysis (a person followed from a frame on)
            self.set_result(before)
            self.edited.emit(self.result)
        return True

    def apply_result_edit(self, result) -> None:
        """Keep a result re-analysed in part (a person chosen by a click, followed from a frame on); undo_edit
        brings the whole old result back."""
        self.undo_stack = (self.undo_stack + [self.result])[-MAX_UNDO:]
        self.set_result(result)
        self.edited.emit(self.result)

    def _set_edit(self, ids: np.ndarray, left_out: np.ndarray | None, corrections=None, only=None) -> None:
        r = self.result
        new = dataclasses.replace(r, person_ids=ids.astype(np.int32), left_out=left_out)
        if corrections is not r.corrections or not np.array_equal(ids, r.person_ids):
            # keys sit on detections: new ids can hand them to another person, so all are worked out again
            same_ids = np.array_equal(ids, r.person_ids)
            new = apply_corrections(new, corrections, only if same_ids else None)
        self.set_result(new)
        self.edited.emit(self.result)
