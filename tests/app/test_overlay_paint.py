"""The skeleton the video view draws: each limb in its side's colour along the segment between its keypoints,
faded below the threshold, and nothing for a keypoint that is missing."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter, QTransform

from posestudio.app import overlay_paint as paint
from posestudio.app.video_view import Overlay
from posestudio.core.models.skeleton import COCO17
from posestudio.core.render import SIDE_COLOURS


def _person() -> np.ndarray:
    """A standing COCO person in a 400 x 400 picture, every keypoint sure."""
    kp = np.full((17, 3), 0.9)
    spots = {"nose": (200, 60), "left_eye": (210, 50), "right_eye": (190, 50), "left_ear": (220, 55),
             "right_ear": (180, 55), "left_shoulder": (240, 110), "right_shoulder": (160, 110),
             "left_elbow": (270, 170), "right_elbow": (130, 170), "left_wrist": (290, 230),
             "right_wrist": (110, 230), "left_hip": (225, 230), "right_hip": (175, 230), "left_knee": (230, 300),
             "right_knee": (170, 300), "left_ankle": (235, 370), "right_ankle": (165, 370)}
    for name, (x, y) in spots.items():
        kp[COCO17.index(name), :2] = (x, y)
    return kp


def _draw(kp: np.ndarray, threshold: float = 0.3) -> QImage:
    image = QImage(400, 400, QImage.Format.Format_RGB32)
    image.fill(QColor(0, 0, 0))
    p = QPainter(image)
    p.setTransform(QTransform())
    paint.draw_person(p, Overlay(keypoint_set=COCO17, threshold=threshold), kp, True)
    p.end()
    return image


def _rgb_at(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    c = image.pixelColor(int(round(x)), int(round(y)))
    return c.red(), c.green(), c.blue()


def _midpoint(kp: np.ndarray, a: str, b: str) -> tuple[float, float]:
    pa, pb = kp[COCO17.index(a), :2], kp[COCO17.index(b), :2]
    return tuple((pa + pb) / 2)


def test_limbs_are_drawn_in_their_sides_colour_between_their_keypoints(qapp):
    kp = _person()
    image = _draw(kp)
    assert _rgb_at(image, *_midpoint(kp, "left_knee", "left_ankle")) == tuple(SIDE_COLOURS["left"])
    assert _rgb_at(image, *_midpoint(kp, "right_elbow", "right_wrist")) == tuple(SIDE_COLOURS["right"])
    assert _rgb_at(image, 60, 300) == (0, 0, 0)   # away from the person nothing is drawn


def test_a_missing_keypoint_takes_its_limbs_away_and_a_doubtful_one_fades_them(qapp):
    kp = _person()
    kp[COCO17.index("left_ankle"), :2] = np.nan
    kp[COCO17.index("right_wrist"), 2] = 0.1
    image = _draw(kp)
    assert _rgb_at(image, *_midpoint(_person(), "left_knee", "left_ankle")) == (0, 0, 0)
    faded = _rgb_at(image, *_midpoint(kp, "right_elbow", "right_wrist"))
    assert faded != (0, 0, 0) and faded != tuple(SIDE_COLOURS["right"])
    assert _rgb_at(image, *_midpoint(kp, "left_hip", "left_knee")) == tuple(SIDE_COLOURS["left"])
