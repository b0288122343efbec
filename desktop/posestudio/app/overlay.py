"""Build what the video view draws over one frame from the analysis result and the computed angles."""

from __future__ import annotations

import math

import numpy as np

from posestudio.app import angles
from posestudio.app.video_view import Overlay
from posestudio.core.analysis.left_out import in_model_sides
from posestudio.core.display import angle_label_place, angle_value_text, body_centre_x, confident_segments
from posestudio.core.models.skeleton import side_of


def frame_overlay(result, index: int, keypoint_set, angle_data, threshold: float, show_labels: bool,
                  custom=()) -> Overlay:
    overlay = Overlay(keypoint_set=keypoint_set, threshold=threshold)
    if result is None or keypoint_set is None or not 0 <= index < len(result.analysed) or not result.analysed[index]:
        return overlay
    ids = result.person_ids[index]
    followed = angle_data.person if angle_data is not None else -1
    overlay.people = [(int(pid), _drawn_points(result, index, slot, pid == followed and angle_data))
                      for slot, pid in enumerate(ids) if pid >= 0]
    if result.manual is not None:  # rings on what the user's hand made
        overlay.manual = {int(pid): result.manual[index, slot] for slot, pid in enumerate(ids) if pid >= 0}
    overlay.show_ids = result.keypoints.shape[1] > 1
    overlay.followed = followed
    if not show_labels or angle_data is None or followed < 0:
        return overlay
    kp = next((k for pid, k in overlay.people if pid == followed), None)
    if kp is None:
        return overlay
    names = {n: i for i, n in enumerate(result.keypoint_names)}
    overlay.limbs = confident_segments(kp, keypoint_set.edges, threshold)  # values keep off them, as on the export
    centre_x = body_centre_x(kp, threshold)
    anchors = {info.name: info.anchor for info in angles.catalog(result.keypoint_names, custom)}
    for name, values in angle_data.values.items():
        if index >= len(values) or not math.isfinite(values[index]):
            continue
        idx = [names[k] for k in anchors.get(name, ()) if k in names]
        place = angle_label_place(kp, idx, centre_x, threshold) if idx else None  # as on the exported video
        if place is None:
            continue
        x, y, outward = place
        overlay.labels.append((angle_value_text(values[index]), float(x), float(y), side_of(name), outward))
    return overlay


def _drawn_points(result, index: int, slot: int, angle_data) -> np.ndarray:
    """The detection's keypoints, those the user left out given score 0 so they are not drawn."""
    kp = result.keypoints[index, slot]
    if result.left_out is None or not result.left_out[index, slot].any():
        return kp
    mask = result.left_out[index, slot]
    swaps = getattr(getattr(angle_data, "table", None), "side_swaps", None) or {}
    if swaps:  # the followed person's curves relabel mixed-up limbs; the drawing shows the model's labels
        flag = {k: bool(v[index]) if index < len(v) else False for k, v in swaps.items()}
        mask = in_model_sides(mask, result.keypoint_names, flag.get("arm", False), flag.get("leg", False))
    kp = kp.copy()
    kp[mask, 2] = 0.0
    return kp


def values_at(angle_data, index: int) -> dict[str, float]:
    if angle_data is None:
        return {}
    return {n: float(v[index]) for n, v in angle_data.values.items() if 0 <= index < len(v)}
