"""Follow the person the user clicked: re-analyse from that frame on, seeded with the region under the click.

Single-person models follow whoever their detector found first; a click says whom. The seed is the
BlazePose detector's person under the click (its region, as tracking would start it), else the person the
analysis already has there, else a square around the click; which one was used is reported, not hidden.
"""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from posestudio.core.analysis.body import torso_colours
from posestudio.core.analysis.identities import PersonTracker
from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.analysis.single_person import SinglePersonTracker
from posestudio.core.errors import Cancelled, PoseStudioError
from posestudio.core.models.pose import PoseEstimator, create_estimator
from posestudio.core.models.pose.crop import Region
from posestudio.core.models.pose.roi import Roi, roi_from_alignment_points

log = logging.getLogger(__name__)

_ROWS = ("keypoints", "person_scores", "person_ids", "world", "timestamps", "analysed", "left_out")
CLICK_BOX_SHARE = 0.5  # the square around a click where nothing was detected: this share of the short side


@dataclass
class FollowOutcome:
    person_id: int         # the chosen person's id from `frame` on
    seed: str              # "detector", "analysis" (a person the result had there) or "click"
    seed_box: np.ndarray   # (4,) x0, y0, x1, y1 pixels of the region the re-analysis started from
    frames: int            # frames re-analysed


def person_box_at(result: AnalysisResult, frame: int, x: float, y: float) -> tuple[int, np.ndarray] | None:
    """(id, box) of the analysed person whose keypoint box holds (x, y) in `frame` (the smallest if several)."""
    hits = []
    for p in result.people_in_frame(frame):
        kp = result.keypoints[frame, p]
        xy = kp[np.isfinite(kp[:, :2]).all(axis=1), :2]
        if len(xy) < 2:
            continue
        box = np.r_[xy.min(axis=0), xy.max(axis=0)]
        if box[0] <= x <= box[2] and box[1] <= y <= box[3]:
            hits.append(((box[2] - box[0]) * (box[3] - box[1]), int(result.person_ids[frame, p]), box))
    return (min(hits, key=lambda h: h[0])[1:]) if hits else None


def detector_region_at(rgb: np.ndarray, x: float, y: float, detector=None) -> Roi | None:
    """The BlazePose detector's person region holding (x, y), the one centred nearest the click; None if none."""
    from posestudio.core.models.pose.blazepose_detector import PoseDetector
    from posestudio.core.models.pose.blazepose_multi import roi_box, scan_tiles
    from posestudio.core.models.registry import create_session

    detector = detector or PoseDetector(create_session("blazepose-detector"))
    h, w = rgb.shape[:2]
    best = None
    for tile in [(0.0, 0.0, float(w), float(h))] + scan_tiles(w, h):
        for det in detector.detect(rgb, tile):
            roi = roi_from_alignment_points(det.keypoints[0], det.keypoints[1])
            b = roi_box(roi)
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]:
                d = float(np.hypot(roi.cx - x, roi.cy - y)) / roi.size
                if best is None or d < best[0]:
                    best = (d, roi)
    return None if best is None else best[1]


def _seed(estimator: PoseEstimator, roi: Roi) -> None:
    if not hasattr(estimator, "seed"):
        raise PoseStudioError(f"{estimator.model_id} finds every person by itself; choose a person by their id.")
    if estimator.keypoint_set.name == "coco17":  # MoveNet looks in an upright square
        estimator.seed(Region.square(roi.cx, roi.cy, roi.size))
    else:
        estimator.seed(roi)


def follow_person_from(result: AnalysisResult, source, frame: int, x: float, y: float, *,
                       estimator: PoseEstimator | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       cancel: threading.Event | None = None) -> FollowOutcome:
    """Re-analyse `result` from `frame` to the end following the person under (x, y) (picture pixels).

    `source` is the clip's VideoSource (read with frames(), so the caller may keep using frame_at). The
    result is changed in place from `frame` on, all at once at the end (a cancelled run leaves it as it was): the chosen person gets one id there (the id the analysis
    already gave the person under the click, else a new one), anyone else the model reports later new ids.
    Works for single-person BlazePose and MoveNet Lightning/Thunder, and BlazePose with several people
    (the seed is then followed ahead of the others); needs the BlazePose detector built, whatever the model.
    MoveNet MultiPose, which has no regions to seed, raises PoseStudioError.
    """
    if not 0 <= frame < result.frame_count:
        raise PoseStudioError(f"Frame {frame} is not in this clip (0 to {result.frame_count - 1}).")
    rgb = source.frame_at(frame)
    people = result.max_people if result.keypoint_set == "blazepose33" else None
    estimator = estimator or create_estimator(result.model_id, people=people)
    roi = detector_region_at(rgb, x, y, getattr(estimator, "detector", None))
    seed = "detector"
    known = person_box_at(result, frame, x, y)
    if roi is None and known is not None:
        box = known[1]
        roi = Roi((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 1.25 * max(box[2] - box[0], box[3] - box[1]))
        seed = "analysis"
    if roi is None:
        roi = Roi(float(x), float(y), CLICK_BOX_SHARE * min(rgb.shape[:2]))
        seed = "click"
    estimator.reset()
    estimator.frame_rate = float(result.fps) or None
    _seed(estimator, roi)
    used = {int(i) for i in np.unique(result.person_ids) if i >= 0}
    chosen = known[0] if known is not None else max(used, default=-1) + 1
    tracker = (SinglePersonTracker() if result.max_people <= 1
               else PersonTracker(fps=result.fps, frame_size=(result.width, result.height)))
    work = copy.copy(result)  # rows rewritten here, copied into `result` only when every frame is done
    for name in _ROWS:
        if getattr(result, name) is not None:
            setattr(work, name, getattr(result, name).copy())
    ids: dict[int, int] = {}
    next_id = max(used | {chosen}) + 1
    done = 0
    total = result.frame_count - frame
    for index, t, image in source.frames(frame, result.frame_count):
        if cancel is not None and cancel.is_set():
            raise Cancelled("Following the person")
        found = estimator.estimate(image)[: result.max_people]
        kps, boxes = [p.keypoints for p in found], [p.box for p in found]
        new = tracker.update(kps, boxes, t, appearance=torso_colours(image, kps, boxes))
        if index == frame and new and new[0] >= 0:
            ids[int(new[0])] = chosen  # the seeded person comes first in the frame it was seeded
        work.clear_frame(index)
        for slot, (person, pid) in enumerate(zip(found, new)):
            if pid < 0:
                continue
            if pid not in ids:
                ids[pid], next_id = next_id, next_id + 1
            work.put_person(index, slot, person, ids[pid])
        work.timestamps[index] = t
        work.analysed[index] = True
        done += 1
        if progress is not None:
            progress(done, total)
    for name in _ROWS:
        if getattr(result, name) is not None:
            getattr(result, name)[frame:] = getattr(work, name)[frame:]
    x0, y0, x1, y1 = roi.cx - roi.size / 2, roi.cy - roi.size / 2, roi.cx + roi.size / 2, roi.cy + roi.size / 2
    return FollowOutcome(chosen, seed, np.array([x0, y0, x1, y1]), done)
