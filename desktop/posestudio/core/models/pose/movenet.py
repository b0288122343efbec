"""MoveNet: Lightning/Thunder (one person, crop tracking as in Google's reference) and MultiPose (up to 6)."""

from __future__ import annotations

import math

import numpy as np

from posestudio.core.models.pose.base import Person, PoseEstimator
from posestudio.core.models.pose.crop import Region, crop
from posestudio.core.models.skeleton import COCO17

SINGLE_INPUT = {"movenet-lightning": 192, "movenet-thunder": 256}

# Google's reference values (movenet tutorial and tfjs pose-detection).
MIN_CROP_KEYPOINT_SCORE = 0.2   # keypoints above this steer the next crop and count toward the person score
MIN_POSE_SCORE = 0.25           # below this the frame has no person
_TORSO = (COCO17.index("left_shoulder"), COCO17.index("right_shoulder"),
          COCO17.index("left_hip"), COCO17.index("right_hip"))
_HIPS = _TORSO[2:]
_SHOULDERS = _TORSO[:2]


def _session(model_id: str, threads: int | None):
    from posestudio.core.models.registry import create_session

    return create_session(model_id, threads=threads)


def pose_score(scores: np.ndarray, min_keypoint_score: float = MIN_CROP_KEYPOINT_SCORE) -> float:
    """Mean of the keypoint scores above the threshold (0 when none is)."""
    good = scores[scores > min_keypoint_score]
    return float(good.mean()) if good.size else 0.0


def _whole(frame):
    """MoveNet's crops come from the whole RGB frame, not from the decoder's planes (video.frame): cut from the
    planes, Lightning's keypoints on the 1080x1920 pose2sim clips moved enough to shift the two cameras'
    automatic sync from 1 frame to 6 (test_sync), where the eye sees 0-3."""
    return frame.rgb if hasattr(frame, "plane_regions") else frame


def next_crop(keypoints: np.ndarray, width: int, height: int) -> Region | None:
    """The square to look in next frame: around the hips, big enough for the torso and the confident body.

    Follows Google's `determine_crop_region`; None means "use the whole frame" (torso not visible, or the
    crop would be bigger than the frame anyway).
    """
    s = keypoints[:, 2]
    if not (s[list(_HIPS)].max() > MIN_CROP_KEYPOINT_SCORE and s[list(_SHOULDERS)].max() > MIN_CROP_KEYPOINT_SCORE):
        return None
    xy = keypoints[:, :2]
    cx, cy = xy[list(_HIPS)].mean(axis=0)
    torso = np.abs(xy[list(_TORSO)] - (cx, cy)).max()
    good = s > MIN_CROP_KEYPOINT_SCORE
    body = np.abs(xy[good] - (cx, cy)).max()
    half = max(torso * 1.9, body * 1.2)
    half = min(half, max(cx, width - cx, cy, height - cy))
    if not math.isfinite(half) or half <= 0 or half > max(width, height) / 2:
        return None
    return Region.square(cx, cy, 2 * half)


class MoveNetSingle(PoseEstimator):
    """Lightning (192) or Thunder (256): one person, the crop follows them from frame to frame."""

    keypoint_set = COCO17
    max_people = 1

    def __init__(self, model_id: str = "movenet-lightning", threads: int | None = None, *, session=None,
                 min_pose_score: float = MIN_POSE_SCORE, track: bool = True):
        if model_id not in SINGLE_INPUT:
            raise ValueError(f"{model_id!r} is not a single-person MoveNet model")
        self.model_id = model_id
        self.input_size = SINGLE_INPUT[model_id]
        self.session = session if session is not None else _session(model_id, threads)
        self._input_name = self.session.get_inputs()[0].name
        self.min_pose_score = min_pose_score
        self.track = track
        self._region: Region | None = None

    def reset(self) -> None:
        self._region = None

    def seed(self, region: Region) -> None:
        """Look in `region` next frame (the user chose the person there), then follow them as usual."""
        self._region = region

    def run_region(self, rgb: np.ndarray, region: Region) -> np.ndarray:
        """(17, 3) x, y (image pixels), score for the person in `region` of the frame."""
        size = self.input_size
        patch = crop(_whole(rgb), region, size)
        out = self.session.run(None, {self._input_name: patch[None].astype(np.int32)})[0]
        yxs = np.asarray(out, dtype=np.float64).reshape(-1, 3)[:17]
        keypoints = np.empty((17, 3), dtype=np.float32)
        keypoints[:, :2] = region.to_image(yxs[:, [1, 0]])
        keypoints[:, 2] = yxs[:, 2]
        return keypoints

    def estimate_region(self, rgb: np.ndarray, region: Region) -> list[Person]:
        """The person in a given region (a top-down box), without touching the tracking state."""
        keypoints = self.run_region(rgb, region)
        score = pose_score(keypoints[:, 2])
        return [Person(keypoints=keypoints, score=score, box=_box(keypoints))] if score >= self.min_pose_score else []

    def estimate(self, rgb: np.ndarray) -> list[Person]:
        h, w = rgb.shape[:2]
        region = self._region if self._region is not None else Region.whole_frame(w, h)
        keypoints = self.run_region(rgb, region)
        score = pose_score(keypoints[:, 2])
        if score < self.min_pose_score:
            self._region = None  # lost: look at the whole frame next time
            return []
        self._region = next_crop(keypoints, w, h) if self.track else None
        return [Person(keypoints=keypoints, score=score, box=_box(keypoints))]


def _box(keypoints: np.ndarray, min_score: float = MIN_CROP_KEYPOINT_SCORE) -> np.ndarray | None:
    good = keypoints[keypoints[:, 2] > min_score, :2]
    if not len(good):
        return None
    return np.concatenate([good.min(axis=0), good.max(axis=0)]).astype(np.float32)


class MoveNetMultiPose(PoseEstimator):
    """Up to 6 people per frame; the input keeps the frame's aspect with its long side at 256 or 512."""

    keypoint_set = COCO17
    max_people = 6
    model_id = "movenet-multipose"

    def __init__(self, model_id: str = "movenet-multipose", threads: int | None = None, *, session=None,
                 long_side: int | None = None, min_pose_score: float = MIN_POSE_SCORE):
        if model_id != "movenet-multipose":
            raise ValueError(f"{model_id!r} is not the MultiPose model")
        self.session = session if session is not None else _session(model_id, threads)
        self._input_name = self.session.get_inputs()[0].name
        self.long_side = long_side
        self.min_pose_score = min_pose_score

    def reset(self) -> None:
        pass  # no state: ids across frames come from the analysis' tracker

    def input_long_side(self, width: int, height: int) -> int:
        if self.long_side:
            return self.long_side
        return auto_long_side(width, height)

    def estimate(self, rgb: np.ndarray) -> list[Person]:
        h, w = rgb.shape[:2]
        long_side = self.input_long_side(w, h)
        scale = long_side / max(w, h)
        out_w = max(32, math.ceil(w * scale / 32) * 32)
        out_h = max(32, math.ceil(h * scale / 32) * 32)
        # Centred letterbox: the padding splits evenly so both edges stay inside the model's view.
        region = Region(w / 2.0, h / 2.0, out_w / scale, out_h / scale)
        patch = crop(_whole(rgb), region, out_w, out_h)
        out = np.asarray(self.session.run(None, {self._input_name: patch[None].astype(np.int32)})[0],
                         dtype=np.float64).reshape(-1, 56)
        people = []
        for row in out:
            score = float(row[55])
            if score < self.min_pose_score:
                continue
            yxs = row[:51].reshape(17, 3)
            keypoints = np.empty((17, 3), dtype=np.float32)
            keypoints[:, :2] = region.to_image(yxs[:, [1, 0]])
            keypoints[:, 2] = yxs[:, 2]
            ymin, xmin, ymax, xmax = row[51:55]
            corners = region.to_image(np.array([[xmin, ymin], [xmax, ymax]]))
            box = np.clip(corners.reshape(4), 0, [w, h, w, h]).astype(np.float32)
            people.append(Person(keypoints=keypoints, score=score, box=box))
        people.sort(key=lambda p: -p.score)
        return people


def auto_long_side(width: int, height: int) -> int:
    """256 for most frames; 512 when the frame is big enough that people in it are often small."""
    return 512 if max(width, height) >= 700 else 256
