"""Choosing a person by a click (issue 18): a click in the picture on nobody the model drew, but on a person
the BlazePose detector finds there, re-analyses the clip from that frame on following that person
(core.analysis.follow) on a task thread, with progress and cancel in the status bar. The new result is one
edit: Ctrl+Z brings the old one back, and it is saved to the cache like the other edits. With MultiPose a
click only picks among the people it found (the video view's person_clicked)."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, QPointF
from PySide6.QtWidgets import QProgressBar, QPushButton

from posestudio.app.session import ClipSession
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import ERROR_MS, StatusLine
from posestudio.app.transport import Playback
from posestudio.app.video_view import VideoView
from posestudio.app.workers import Workers

# the rows follow_person_from rewrites; copied so the worker never writes into what the GUI shows
_ROWS = ("keypoints", "person_scores", "person_ids", "world", "timestamps", "analysed", "left_out")
FINDS_EVERYONE = ("movenet-multipose",)   # no region to seed: a click picks among the people found


def working_copy(result):
    """A copy of `result` for the re-analysis: the model's own keypoints (hand corrections are worked out
    again afterwards), its own row arrays."""
    if result.model_keypoints is not None:
        result = dataclasses.replace(result, keypoints=result.model_keypoints, model_keypoints=None,
                                     manual=None, corrections=None)
    return dataclasses.replace(result, **{n: getattr(result, n).copy() for n in _ROWS
                                          if getattr(result, n) is not None})


def follow_job(path: str, work, frame: int, x: float, y: float, corrections=None):
    """job(progress, cancel) -> (FollowOutcome, the new result), or None when the detector finds nobody under
    the click (then `work` is untouched). `corrections`: the hand corrections of the result followed from; those
    on frames before `frame` are applied again to the new result (the rows after it are new detections).
    Opens a VideoSource of its own: the window's loader keeps serving the picture."""

    def job(progress, cancel):
        from posestudio.core.analysis.follow import detector_region_at, follow_person_from
        from posestudio.core.models.pose import create_estimator
        from posestudio.core.video.source import VideoSource

        people = work.max_people if work.keypoint_set == "blazepose33" else None
        estimator = create_estimator(work.model_id, people=people)
        with VideoSource(path) as source:
            # follow_person_from would seed a square around an empty spot: a click must be on a person
            if detector_region_at(source.frame_at(frame), x, y, getattr(estimator, "detector", None)) is None:
                return None
            outcome = follow_person_from(work, source, frame, x, y, estimator=estimator, progress=progress,
                                         cancel=cancel)
        if corrections is None:
            return outcome, work
        from posestudio.core.analysis.corrections import apply as apply_corrections

        kept = corrections.without(corrections.frame >= frame)
        return outcome, apply_corrections(work, kept if len(kept) else None)

    return job


class PersonChoice(QObject):
    def __init__(self, session: ClipSession, workers: Workers, view: VideoView, panel: SettingsPanel,
                 playback: Playback, status: StatusLine, progress: QProgressBar, cancel_button: QPushButton):
        super().__init__(session)
        self.session, self.workers, self.view, self.panel = session, workers, view, panel
        self.playback, self.status, self.progress, self.cancel_button = playback, status, progress, cancel_button
        self.task = None          # the TaskThread following a person, None when idle
        self.outcome = None       # FollowOutcome of the last follow kept (tests, the status line)
        view.nobody_clicked.connect(self.clicked_at)
        cancel_button.clicked.connect(lambda: self.cancel())
        session.clip_changed.connect(lambda _clip: self.cancel(quiet=True))
        # a new analysis replaces the result being followed from (and takes the progress bar)
        session.analysing_changed.connect(self._on_analysing)

    @property
    def busy(self) -> bool:
        return self.task is not None

    def clicked_at(self, point: QPointF) -> None:
        frame = self.view.frame_index if self.view.frame_index >= 0 else max(self.playback.index, 0)
        self.follow_from(frame, point.x(), point.y())

    def follow_from(self, frame: int, x: float, y: float) -> bool:
        """Start following the person at picture pixel (x, y) of `frame`; False (said why) when it cannot."""
        s = self.session
        if s.clip is None or s.result is None or s.result.model_id in FINDS_EVERYONE:
            return False  # MultiPose: a click on nobody it found has no one to pick
        if s.analysing:
            self.status.info("Wait for the analysis to finish, then click the person to follow.")
            return False
        if self.task is not None:
            self.status.info("Still following the person clicked before: wait, or cancel it.")
            return False
        started_from = s.result
        work = working_copy(started_from)
        job = follow_job(str(s.clip.path), work, frame, x, y, started_from.corrections)
        task = self.workers.task(job, "follow the clicked person", low_priority=True)
        task.progress.connect(lambda done, total, t=task: self._on_progress(t, done, total))
        task.completed.connect(lambda done, t=task: self._on_completed(t, started_from, frame, done))
        task.failed.connect(lambda message, t=task: self._end(t, message, error=True))
        task.cancelled.connect(lambda t=task: self._end(
            t, "Following the clicked person cancelled; the analysis is as it was."))
        self.task = task
        self.progress.setRange(0, max(started_from.frame_count - frame, 1))
        self.progress.setValue(0)
        self.progress.setFormat("following the person %p%")
        self.progress.show()
        self.cancel_button.show()
        self.status.info(f"Looking for the person under the click in frame {frame}…")
        task.start()
        return True

    def cancel(self, quiet: bool = False) -> None:
        task = self.task
        if task is None:
            return
        task.cancel()
        if quiet:  # another clip: whatever the task ends with is not for this one
            for signal in (task.progress, task.completed, task.failed, task.cancelled):
                signal.disconnect()
            self._end(task, None)

    def _on_analysing(self, on: bool) -> None:
        if on and self.task is not None:
            self.cancel(quiet=True)
            self.status.info("Following the clicked person stopped: the clip is being analysed again.")

    def _on_progress(self, task, done: int, total: int) -> None:
        if task is self.task:
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(done)

    def _end(self, task, message: str | None, error: bool = False) -> None:
        if task is not self.task:
            return
        self.task = None
        self.progress.hide()
        self.cancel_button.hide()
        self.progress.setFormat("analysing %p%")   # the analysis runner's, which shares the bar
        if message and error:
            self.status.error(message)
        elif message:
            self.status.info(message)

    def _on_completed(self, task, started_from, frame: int, done) -> None:
        if task is not self.task:
            return
        s = self.session
        if done is None:
            self._end(task, "No person under the click: click on the person you want to follow.")
            return
        if s.result is not started_from:  # analysed again or edited meanwhile: this re-analysis is of the old one
            self._end(task, "The analysis changed while the person was being followed; click the person again.",
                      error=True)
            return
        outcome, work = done
        self.outcome = outcome
        # the curves follow the chosen person (their id may not be in the panel's list yet)
        self.panel.settings.person = outcome.person_id
        self.panel.choices_changed.emit(self.panel.choices())
        s.apply_result_edit(work)
        self._end(task, None)
        self.status.info(f"Following person #{outcome.person_id} from frame {frame} on ({outcome.frames} frames "
                         "analysed again; Ctrl+Z undoes).", ERROR_MS)
