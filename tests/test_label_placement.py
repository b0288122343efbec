"""Angle values placed beside their joints (core.display.place_label_boxes): the same boxes as the first,
plain version of the rule on real clips' keypoints, and a bounded number of tests per box whatever the input."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.core import display
from posestudio.core.display import LABEL_GAP_PX, LABEL_MAX_MOVES, confident_segments, place_label_boxes
from posestudio.core.models.skeleton import COCO17


def _plain(boxes, limbs=()):
    """The rule as first written (a list of the boxes hit per test); the placement must not change."""
    placed, out = [], []

    def covers(left, top, w, h, with_limbs=True):
        hit = [b for b in placed if left < b[0] + b[2] and b[0] < left + w and top < b[1] + b[3] and b[1] < top + h]
        if with_limbs and not hit and any(display._hits_segment(left, top, w, h, seg) for seg in limbs):
            hit = [None]
        return hit

    for x, y, outward, w, h in boxes:
        outer = x - LABEL_GAP_PX - w if outward < 0 else x + LABEL_GAP_PX
        inner = x + LABEL_GAP_PX if outward < 0 else x - LABEL_GAP_PX - w
        spots = [(outer, y - h / 2), (outer, y - LABEL_GAP_PX - h), (outer, y + LABEL_GAP_PX), (inner, y - h / 2)]
        left, top = next(((sx, sy) for sx, sy in spots if not covers(sx, sy, w, h)), spots[0])
        for _ in range(LABEL_MAX_MOVES):
            hit = covers(left, top, w, h, with_limbs=False)
            if not hit:
                break
            top = max(b[1] + b[3] for b in hit) + 1
        placed.append((left, top, w, h))
        out.append((left, top))
    return out


@pytest.fixture(scope="module")
def frames(videos_dir, require_model):
    """(boxes, limbs) per person and frame of two real clips, with the labels of every COCO angle."""
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.display import angle_label_place, body_centre_x
    from posestudio.core.kinematics import available_angles
    from posestudio.core.render import angle_labels_for

    require_model("movenet-lightning")
    labels = angle_labels_for(COCO17, available_angles(COCO17.names))
    out = []
    for clip in ("sports2d_demo5_dumbbell_lateral_raise.mp4", "sports2d_demo_walk_jumpingjacks_flip.mp4"):
        result = analyse_video(str(videos_dir / clip), "movenet-lightning")
        for f in np.flatnonzero(result.analysed):
            for kp in result.keypoints[f]:
                if not np.isfinite(kp[:, :2]).any():
                    continue
                centre = body_centre_x(kp, 0.3)
                for scale in (1.0, 2.5):   # a small video and a large one: more boxes run into each other
                    boxes = []
                    for i, lab in enumerate(labels):
                        place = angle_label_place(kp, lab.anchor, centre, 0.3)
                        if place is not None:
                            x, y, outward = place
                            boxes.append((x, y, outward, scale * (24 + 6 * (i % 3)), scale * 16))
                    out.append((boxes, confident_segments(kp, COCO17.edges, 0.3)))
    return out


def test_same_boxes_as_the_plain_rule_on_real_clips(frames):
    moved = 0
    for boxes, limbs in frames:
        corners = place_label_boxes(boxes, limbs)
        assert corners == _plain(boxes, limbs)
        moved += sum(1 for (x, y, outward, w, h), (_, top) in zip(boxes, corners) if top != y - h / 2)
    assert len(frames) > 1000 and moved > 100   # real frames where boxes went round limbs and each other


def test_worst_case_work_is_bounded_per_box(monkeypatch):
    """Every box on one joint with every limb through it (both hips of a side view, a crouch): each box
    tries its four spots against the boxes placed and the limbs, then moves down LABEL_MAX_MOVES times at
    most; counted, not timed."""
    counts = {"cross": 0, "spot": 0, "cover": 0}

    def counted(name, fn):
        def wrapper(*args):
            counts[name] += 1
            return fn(*args)
        return wrapper

    monkeypatch.setattr(display, "_crosses", counted("cross", display._crosses))
    monkeypatch.setattr(display, "_spot_taken", counted("spot", display._spot_taken))
    monkeypatch.setattr(display, "_lowest_cover", counted("cover", display._lowest_cover))
    n, angles = 40, np.linspace(0, np.pi, 30)
    limbs = [(100.0 - 80 * np.cos(a), 100.0 - 80 * np.sin(a), 100.0 + 80 * np.cos(a), 100.0 + 80 * np.sin(a))
             for a in angles]
    boxes = [(100.0, 100.0, 1 if i % 2 else -1, 30.0, 14.0) for i in range(n)]
    corners = place_label_boxes(boxes, limbs)
    assert corners == _plain(boxes, limbs)
    assert counts["spot"] <= 4 * n and counts["cover"] <= (LABEL_MAX_MOVES + 1) * n
    assert counts["cross"] <= 4 * n * len(limbs)
