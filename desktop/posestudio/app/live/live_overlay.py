"""What the video view draws over a live frame: every person the model found on that very frame, and the
chosen angles of the followed one written at their joints (placed as in the window and exported video)."""

from __future__ import annotations

import math

from posestudio.app import angles
from posestudio.app.video_view import Overlay
from posestudio.core.display import angle_label_place, angle_value_text, body_centre_x
from posestudio.core.models.skeleton import side_of


def live_overlay(pose, keypoint_set, values: dict[str, float], threshold: float, show_labels: bool) -> Overlay:
    overlay = Overlay(keypoint_set=keypoint_set, threshold=threshold)
    overlay.people = [(int(pid), person.keypoints) for person, pid in zip(pose.people, pose.person_ids)]
    overlay.show_ids = len(overlay.people) > 1
    followed = next((pid for pid in pose.person_ids if pid >= 0), -1)
    overlay.followed = followed
    kp = next((k for pid, k in overlay.people if pid == followed), None)
    if not show_labels or kp is None or keypoint_set is None:
        return overlay
    names = {n: i for i, n in enumerate(keypoint_set.names)}
    anchors = {info.name: info.anchor for info in angles.catalog(tuple(keypoint_set.names))}
    centre_x = body_centre_x(kp, threshold)
    for name, value in values.items():
        idx = [names[k] for k in anchors.get(name, ()) if k in names]
        place = angle_label_place(kp, idx, centre_x, threshold) if idx and math.isfinite(value) else None
        if place is not None:
            x, y, outward = place
            overlay.labels.append((angle_value_text(value), float(x), float(y), side_of(name), outward))
    return overlay
