"""Wiring between the open clip, its background analysis, the angles computed from it, and the user's edits
(custom angles, identity fixes). The main window composes widgets; this object keeps them in step."""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from posestudio.app.analysis_worker import AnalysisThread
from posestudio.app.angle_jobs import AngleComputer, AngleRequest
from posestudio.app.settings_panel import keypoint_names_for
from posestudio.core.analysis.person_angles import switching_note
from posestudio.core.kinematics import make_angle
from posestudio.core.kinematics.custom_store import load_custom_angles, save_custom_angles
from posestudio.core.analysis.identities import merge_ids, swap_ids
from posestudio.core.models.skeleton import keypoint_set as _keypoint_set

log = logging.getLogger(__name__)

ERROR_MS = 20000
CURVE_REDRAW_S = 1.0
MAX_UNDO = 20


class AnalysisController(QObject):
    overlay_changed = Signal()     # result or angles changed: redraw the frame's overlay
    angles_changed = Signal(object)   # AngleData just shown

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.analysis: AnalysisThread | None = None
        self.result = None                 # AnalysisResult, partial while analysing
        self.keypoint_set = None
        self.angle_data = None
        self.custom = load_custom_angles()  # the user's AngleDefs, shared with the CLI through a JSON file
        # (person_ids, left_out) before each edit: identity fixes and body parts left out
        self.edit_undo: list[tuple[np.ndarray, np.ndarray | None]] = []
        self._curves_drawn = 0.0
        self._curves_timer = QTimer(self)
        self._curves_timer.setSingleShot(True)
        self._curves_timer.setInterval(int(CURVE_REDRAW_S * 1000))
        self._curves_timer.timeout.connect(self._redraw_curves)
        self.angle_computer = AngleComputer(self)
        self.angle_computer.ready.connect(self._on_angles)

    def clip_opened(self) -> None:
        self.result = self.keypoint_set = self.angle_data = None
        self.edit_undo.clear()

    # ----- analysis -----
    def start(self, force: bool = False) -> None:
        w = self.w
        if w.clip is None:
            return
        model_id = w.panel.model_id
        if force and self.has_edits() and not w.confirm_discard_edits():
            return
        self.cancel(quiet=True)
        if force:
            self._forget_cached(model_id)
        w.panel.set_keypoint_names(keypoint_names_for(model_id))
        thread = AnalysisThread(w.clip.path, model_id, fingerprint=w.clip.fingerprint)
        thread.progress.connect(lambda done, total, t=thread: self._on_progress(t, done, total))
        thread.partial.connect(lambda r, t=thread: self._on_result(t, r))
        thread.completed.connect(lambda r, t=thread: self._on_completed(t, r))
        thread.failed.connect(lambda msg, t=thread: self._on_failed(t, msg))
        thread.cancelled.connect(lambda t=thread: self._on_cancelled(t))
        self.analysis = thread
        w.progress.setRange(0, max(w.clip.frame_count, 1))
        w.progress.setValue(0)
        w.progress.show()
        w.cancel_button.show()
        thread.start()

    def has_edits(self) -> bool:
        """Body parts left out, or identities fixed since the clip was opened: analysing again loses them."""
        r = self.result
        return r is not None and (bool(self.edit_undo) or (r.left_out is not None and bool(r.left_out.any())))

    def _forget_cached(self, model_id: str) -> None:
        try:
            from posestudio.core.analysis.run import cached_result_path

            cached_result_path(self.w.clip.fingerprint, model_id).unlink(missing_ok=True)
        except Exception:
            log.warning("Could not remove the cached analysis", exc_info=True)

    def cancel(self, quiet: bool = False) -> None:
        thread = self.analysis
        if thread is None:
            return
        self.analysis = None
        thread.cancel()
        for signal in (thread.progress, thread.partial, thread.completed, thread.failed, thread.cancelled):
            signal.disconnect()
        self._end(thread)
        if not quiet:
            self.w.show_info("Analysis cancelled; the frames done so far stay visible.")

    def _end(self, thread) -> None:
        self.w.retire(thread)
        self.w.progress.hide()
        self.w.cancel_button.hide()

    def _on_progress(self, thread, done: int, total: int) -> None:
        if thread is self.analysis:
            self.w.progress.setMaximum(max(total, 1))
            self.w.progress.setValue(done)

    def _on_result(self, thread, result) -> None:
        if thread is not self.analysis:
            return
        self.result = result
        if self.keypoint_set is None or self.keypoint_set.name != result.keypoint_set:
            self.keypoint_set = _keypoint_set(result.keypoint_set)
            self.w.panel.set_keypoint_names(tuple(result.keypoint_names))
        self.request_angles()
        self.overlay_changed.emit()

    def _on_completed(self, thread, result) -> None:
        if thread is not self.analysis:
            return
        self._on_result(thread, result)
        self.analysis = None
        self._end(thread)
        w = self.w
        found = bool((result.person_ids >= 0).any()) if result.frame_count else False
        where = "from the cache" if thread.from_cache else "done"
        model = w.panel.model_box.currentText() if w.panel.model_id == result.model_id else result.model_id
        message = (f"Analysis {where}: {result.frame_count} frames with {model}." if found else
                   "No person was found in this clip; try another model or a clip where the body is visible.")
        notes = [n for n in (w.clip.note if w.clip is not None else None, switching_note(result, model)) if n]
        w.show_info(" ".join([message] + notes), ERROR_MS if notes or not found else 8000)

    def _on_failed(self, thread, message: str) -> None:
        if thread is self.analysis:
            self.analysis = None
            self._end(thread)
            self.w.show_error(message)

    def _on_cancelled(self, thread) -> None:
        if thread is self.analysis:
            self.analysis = None
            self._end(thread)

    def model_requested(self, model_id: str) -> None:
        w = self.w
        has_results = self.result is not None and bool(self.result.analysed.any())
        if has_results and self.result.model_id != model_id and not w.confirm_reanalyse(model_id):
            w.panel.set_model(w.settings.model_id)
            return
        w.settings.model_id = model_id
        self.start()

    # ----- angles -----
    def request_angles(self) -> None:
        if self.result is None:
            return
        w = self.w
        self.angle_computer.submit(AngleRequest(
            result=self.result, person=w.settings.person, wanted=w.panel.wanted_angles(),
            threshold=w.panel.threshold, smooth=w.panel.smoothing_box.isChecked(),
            timestamps=w.clip.timestamps if w.clip is not None else None, custom=tuple(self.custom),
        ))

    def _on_angles(self, data) -> None:
        self.angle_data = data
        self.w.panel.set_tracks(data.tracks, data.person)
        # while analysing, redraw the curves about once a second: each redraw re-ranges the axes
        now = time.monotonic()
        if self.analysis is None or now - self._curves_drawn >= CURVE_REDRAW_S:
            self._curves_drawn = now
            self.w.timeline.set_curves(data.timestamps, data.values, growing=self.analysis is not None)
            self.w.left_out_actions.show_marks(data)
        else:
            self._curves_timer.start()
        self.angles_changed.emit(data)
        self.overlay_changed.emit()

    def _redraw_curves(self) -> None:
        if self.angle_data is not None:
            self._curves_drawn = time.monotonic()
            self.w.timeline.set_curves(self.angle_data.timestamps, self.angle_data.values,
                                       growing=self.analysis is not None)
            self.w.left_out_actions.show_marks(self.angle_data)

    # ----- custom angles -----
    def taken_names(self) -> set[str]:
        from posestudio.app.angles import definitions

        return set(definitions(self.custom))

    def _custom_changed(self, message: str) -> None:
        try:
            save_custom_angles(self.custom)
        except OSError as exc:
            log.warning("Saving custom angles failed", exc_info=True)
            self.w.show_error(f"The custom angles could not be saved ({exc.strerror or exc}); "
                              "check that the settings folder is writable.")
        self.w.panel.set_custom_angles(self.custom)
        self.request_angles()
        self.w.show_info(message)

    def add_custom(self, angle) -> None:
        self.custom.append(angle)
        settings = self.w.settings
        settings.angles = [n for n in settings.angles if n != angle.name] + [angle.name]
        self._custom_changed(f"Added the angle {angle.name}; it is saved for the next sessions and the command line.")

    def rename_custom(self, old: str, new: str) -> bool:
        new = new.strip()
        if new == old:
            return True
        angle = next((a for a in self.custom if a.name == old), None)
        if angle is None:
            return False
        if new in self.taken_names():
            self.w.show_error(f"'{new}' is already an angle; pick another name.")
            return False
        try:
            renamed = make_angle(new, angle.kind, angle.keypoints, offset=angle.offset)
        except Exception as exc:  # InvalidAngleError: one sentence
            self.w.show_error(str(exc))
            return False
        self.custom = [renamed if a.name == old else a for a in self.custom]
        settings = self.w.settings
        settings.angles = [new if n == old else n for n in settings.angles]
        self._custom_changed(f"Renamed {old} to {new}.")
        return True

    def delete_custom(self, name: str) -> None:
        self.custom = [a for a in self.custom if a.name != name]
        settings = self.w.settings
        settings.angles = [n for n in settings.angles if n != name]
        self._custom_changed(f"Deleted the angle {name}.")

    # ----- identity fixes -----
    def track_ids(self) -> list[int]:
        if self.result is None:
            return []
        return self.result.person_ids_present()

    def fix_ids(self, kind: str, a: int, b: int, from_frame: int) -> bool:
        """kind "swap": ids a and b change places from `from_frame` on; "merge": b becomes a from there on.
        The edited result is shown, and saved to the cache so reopening the clip keeps it."""
        if self.result is None:
            return False
        if self.analysis is not None:
            self.w.show_error("Wait for the analysis to finish before fixing identities.")
            return False
        ids = self.result.person_ids
        try:
            if kind == "swap":
                new = swap_ids(ids, a, b, from_frame)
            else:
                new = ids.copy()
                new[from_frame:] = merge_ids(ids[from_frame:], a, b)
        except Exception as exc:  # IdEditError: one sentence
            self.w.show_error(str(exc))
            return False
        what = f"Swapped #{a} and #{b}" if kind == "swap" else f"Merged #{b} into #{a}"
        self.apply_edit(new, self.result.left_out, f"{what} from frame {from_frame} on (Ctrl+Z undoes).")
        return True

    def apply_edit(self, person_ids: np.ndarray, left_out: np.ndarray | None, message: str) -> None:
        """Show and keep an edited result (new ids and/or left-out marks); Ctrl+Z brings the old one back."""
        self.edit_undo = (self.edit_undo + [(self.result.person_ids.copy(), self.result.left_out)])[-MAX_UNDO:]
        self._set_edit(person_ids, left_out)
        self.w.show_info(message)

    def undo_edit(self) -> bool:
        """Undo the last edit (identity fix or body part left out)."""
        if not self.edit_undo or self.result is None or self.analysis is not None:
            return False
        self._set_edit(*self.edit_undo.pop())
        self.w.show_info("Last edit undone.")
        return True

    def _set_edit(self, ids: np.ndarray, left_out: np.ndarray | None) -> None:
        self.result = dataclasses.replace(self.result, person_ids=ids.astype(np.int32), left_out=left_out)
        self.w.edits.save_edit(self.result)  # on a pool thread; a failure reaches the status bar
        self.request_angles()
        self.overlay_changed.emit()

    def wait(self, timeout_ms: int) -> None:
        self.angle_computer.wait(timeout_ms)
