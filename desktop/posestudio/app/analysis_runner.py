"""The analysis of a session's clip: started when a clip opens or the model changes, shown in the status bar's
progress bar, cancelled from its button; partial results reach the session as frames are analysed."""

from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QProgressBar, QPushButton, QWidget

from posestudio.app.analysis_job import NewFrames, analysis_job
from posestudio.app.people_setting import people_for
from posestudio.app.session import ClipSession
from posestudio.app.settings import Settings
from posestudio.app.settings_panel import SettingsPanel, keypoint_names_for
from posestudio.app.status import ERROR_MS, StatusLine
from posestudio.app.workers import Workers
from posestudio.core.analysis.person_angles import switching_note

log = logging.getLogger(__name__)


def ask_reanalyse(parent: QWidget, model_name: str) -> bool:
    answer = QMessageBox.question(
        parent, "Analyse again?", f"This clip is analysed with another model. Analyse it again with {model_name}?")
    return answer == QMessageBox.StandardButton.Yes


def ask_discard_edits(parent: QWidget) -> bool:
    answer = QMessageBox.question(
        parent, "Analyse again?",
        "Analysing again replaces this clip's analysis, and with it your edits (identities fixed, body parts "
        "left out, keypoints corrected by hand). Analyse again?")
    return answer == QMessageBox.StandardButton.Yes


class AnalysisRunner(QObject):
    """confirm_reanalyse(model_id) and confirm_discard_edits() ask the user (a dialog by default)."""

    def __init__(self, session: ClipSession, workers: Workers, panel: SettingsPanel, settings: Settings,
                 progress: QProgressBar, cancel_button: QPushButton, status: StatusLine, dialog_parent: QWidget,
                 confirm_reanalyse: Callable[[str], bool] | None = None,
                 confirm_discard_edits: Callable[[], bool] | None = None):
        super().__init__(session)
        self.session, self.workers, self.panel, self.settings = session, workers, panel, settings
        self.progress, self.cancel_button, self.status = progress, cancel_button, status
        self.confirm_reanalyse = confirm_reanalyse or (
            lambda _model_id: ask_reanalyse(dialog_parent, panel.choices().model_name))
        self.confirm_discard_edits = confirm_discard_edits or (lambda: ask_discard_edits(dialog_parent))
        self.model_id: str | None = None   # the model of the latest analysis started
        cancel_button.clicked.connect(lambda: self.cancel())
        panel.model_requested.connect(self.model_requested)

    def start(self, force: bool = False) -> None:
        s = self.session
        if s.clip is None:
            return
        model_id = self.panel.choices().model_id
        people = people_for(model_id, self.panel.choices().people)
        if force and s.has_edits() and not self.confirm_discard_edits():
            return
        s.cache_needed.emit()  # an edit still waiting to be saved lands before the cache is read or removed
        self.cancel(quiet=True)
        if force:
            self._forget_cached(model_id, people)
        self.panel.set_keypoint_names(keypoint_names_for(model_id))
        feed = s.loader.feed.offer if s.loader is not None else None  # frames the playing view is about to show
        task = self.workers.task(analysis_job(s.clip.path, model_id, s.clip.fingerprint, people=people,
                                              on_decoded=feed),
                                 f"analysis {model_id}", partial=True, low_priority=True)
        self.model_id = model_id
        task.progress.connect(lambda done, total, t=task: self._on_progress(t, done, total))
        task.partial.connect(lambda r, t=task: self._on_result(t, r))
        task.completed.connect(lambda analysed, t=task: self._on_completed(t, analysed))
        task.failed.connect(lambda msg, t=task: self._on_failed(t, msg))
        task.cancelled.connect(lambda t=task: self._end(t))
        s.set_analysis(task)
        self.progress.setRange(0, max(s.clip.frame_count, 1))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        task.start()

    def _forget_cached(self, model_id: str, people: int | None = None) -> None:
        try:
            from posestudio.core.analysis.cache import cached_result_path

            cached_result_path(self.session.clip.fingerprint, model_id, people).unlink(missing_ok=True)
        except Exception:
            log.warning("Could not remove the cached analysis", exc_info=True)

    def cancel(self, quiet: bool = False) -> None:
        task = self.session.analysis
        if task is None:
            return
        task.cancel()
        for signal in (task.progress, task.partial, task.completed, task.failed, task.cancelled):
            signal.disconnect()
        self._end(task)
        if not quiet:
            self.status.info("Analysis cancelled; the frames done so far stay visible.")

    def _end(self, task) -> None:
        if task is self.session.analysis:
            self.progress.hide()
            self.cancel_button.hide()
            self.session.set_analysis(None)

    def _on_progress(self, task, done: int, total: int) -> None:
        if task is self.session.analysis:
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(done)

    def _on_result(self, task, result) -> None:
        if task is not self.session.analysis:
            return
        if isinstance(result, NewFrames):
            if result.whole is None and self.session.result is not None:
                # only the new rows: copied into the session's result, announced without a whole new result
                result.apply_to(self.session.result)
                self.session.frames_added.emit(result.start, result.stop)
                return
            result = result.whole
        known = self.session.keypoint_set
        self.session.set_result(result)
        if known is None or known.name != result.keypoint_set:
            self.panel.set_keypoint_names(tuple(result.keypoint_names))

    def _on_completed(self, task, analysed) -> None:
        if task is not self.session.analysis:
            return
        result = analysed.result
        self._on_result(task, result)
        self._end(task)
        found = bool((result.person_ids >= 0).any()) if result.frame_count else False
        where = "from the cache" if analysed.from_cache else "done"
        choices = self.panel.choices()
        model = choices.model_name if choices.model_id == result.model_id else result.model_id
        message = (f"Analysis {where}: {result.frame_count} frames with {model}." if found else
                   "No person was found in this clip; try another model or a clip where the body is visible.")
        clip = self.session.clip
        notes = [n for n in (clip.note if clip is not None else None, switching_note(result, model)) if n]
        self.status.info(" ".join([message] + notes), ERROR_MS if notes or not found else 8000)

    def _on_failed(self, task, message: str) -> None:
        if task is self.session.analysis:
            self._end(task)
            self.status.error(message)

    def model_requested(self, model_id: str) -> None:
        s = self.session
        if s.has_results() and s.result.model_id != model_id \
                and not self.confirm_reanalyse(model_id):
            self.panel.set_model(self.settings.model_id)
            return
        self.settings.model_id = model_id
        self.start()
