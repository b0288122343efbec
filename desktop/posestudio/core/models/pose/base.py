"""The estimator interface every pose model implements, and the person it returns."""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np

from posestudio.core.models.skeleton import KeypointSet


@dataclass
class Person:
    keypoints: np.ndarray            # (K, 3) float32: x, y in upright image pixels, score 0..1
    score: float                     # person confidence 0..1
    box: np.ndarray | None = None    # (4,) x0, y0, x1, y1 pixels
    world: np.ndarray | None = None  # (K, 3) metres (BlazePose only)


class PoseEstimator(abc.ABC):
    """One model run frame by frame; calls in video order let it track the person between frames."""

    model_id: str
    keypoint_set: KeypointSet
    max_people: int = 1
    frame_rate: float | None = None  # the clip's frames/s, set by whoever runs the clip (for waits in seconds)
    crops_from_planes = False  # True: give it video Frames, it cuts its crops from the decoder's YUV

    @abc.abstractmethod
    def reset(self) -> None:
        """Forget tracking state (a new clip, or a seek)."""

    @abc.abstractmethod
    def estimate(self, rgb: np.ndarray) -> list[Person]:
        """People in one RGB uint8 (H, W, 3) upright frame, best first."""
