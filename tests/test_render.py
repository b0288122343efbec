"""Overlay drawing on real pictures with human-annotated keypoints (COCO val2017 images)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from posestudio.core import render
from posestudio.core.render import FrameRenderer, OverlayOptions, angle_labels_for
from posestudio.core.models.skeleton import BLAZEPOSE33, COCO17

IMAGE_ID = 196141  # baseball: batter, catcher and two people in the background


@pytest.fixture(scope="module")
def annotated(shared_data):
    """(RGB image, (P, 17, 3) keypoints) with COCO visibility turned into scores: visible 1.0, hidden 0.1."""
    folder = shared_data / "keypoints" / "coco"
    data = json.loads((folder / "test_coco.json").read_text())
    image = next(i for i in data["images"] if i["id"] == IMAGE_ID)
    rgb = cv2.cvtColor(cv2.imread(str(folder / image["file_name"])), cv2.COLOR_BGR2RGB)
    people = []
    for ann in data["annotations"]:
        if ann["image_id"] != IMAGE_ID or ann["num_keypoints"] < 5:
            continue
        k = np.asarray(ann["keypoints"], np.float32).reshape(17, 3)
        score = np.select([k[:, 2] == 2, k[:, 2] == 1], [1.0, 0.1], np.nan).astype(np.float32)
        k[:, 2] = score
        k[np.isnan(score), :2] = np.nan
        people.append(k)
    assert people, "the COCO file should hold people for this image"
    return rgb, np.stack(people)


def _patch(img, x, y, r=1):
    return img[int(round(y)) - r:int(round(y)) + r + 1, int(round(x)) - r:int(round(x)) + r + 1].reshape(-1, 3)


def test_palette_sides_are_distinct_and_faded_is_greyer():
    colours = {render.LEFT_RGB, render.RIGHT_RGB, render.CENTER_RGB}
    assert len(colours) == 3
    for rgb in (render.LEFT_RGB, render.RIGHT_RGB):
        faded = render.faded(rgb)
        assert np.ptp(faded) < np.ptp(rgb)  # less saturated
    assert render.side_colour("left") == render.LEFT_RGB
    assert render.side_colour("right", confident=False) == render.faded(render.RIGHT_RGB)


def test_joints_are_drawn_in_their_side_colour_and_faded_when_unsure(annotated):
    rgb, people = annotated
    h, w = rgb.shape[:2]
    frame = rgb.copy()
    FrameRenderer(w, h, COCO17, OverlayOptions(timestamp=False)).draw(frame, time_s=0.0, people=people)
    checked = {"left": 0, "right": 0, "faded": 0}
    for kps in people:
        for i, (x, y, s) in enumerate(kps):
            if not np.isfinite(s):
                continue
            side = COCO17.side(i)
            if side == "center":
                continue
            dist = np.sort(np.hypot(*(np.concatenate(people)[:, :2] - (x, y)).T))
            if dist[1] < 8:  # dist[0] is the joint itself
                continue  # another joint drawn on top nearby
            centre = _patch(frame, x, y).astype(int).mean(axis=0)
            want = render.side_colour(side, confident=s >= 0.3)
            assert np.abs(centre - want).max() < 40, (COCO17.names[i], centre, want)
            checked["faded" if s < 0.3 else side] += 1
    assert checked["left"] >= 3 and checked["right"] >= 3 and checked["faded"] >= 1, checked


def test_nothing_is_drawn_away_from_people_without_texts(annotated):
    rgb, people = annotated
    h, w = rgb.shape[:2]
    frame = rgb.copy()
    FrameRenderer(w, h, COCO17, OverlayOptions(timestamp=False)).draw(frame, time_s=0.0, people=people)
    changed = np.any(frame != rgb, axis=2)
    assert changed.any()
    pts = people[..., :2].reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    yy, xx = np.nonzero(changed)
    # every changed pixel lies inside the box around the keypoints (plus the line width)
    pad = 10
    assert xx.min() >= pts[:, 0].min() - pad and xx.max() <= pts[:, 0].max() + pad
    assert yy.min() >= pts[:, 1].min() - pad and yy.max() <= pts[:, 1].max() + pad


def test_line_width_and_text_grow_with_the_picture():
    small = FrameRenderer(480, 352, COCO17)
    large = FrameRenderer(1920, 1080, COCO17)
    assert large.line > small.line and large.radius > small.radius and large.font_scale > small.font_scale


def test_angle_labels_sit_at_the_joint_and_skip_unknown_values(annotated):
    from posestudio.core.kinematics import DEFAULT_ANGLES, available_angles

    rgb, people = annotated
    h, w = rgb.shape[:2]
    defs = [a for a in available_angles(COCO17.names) if a.name in ("left_knee", "right_elbow")]
    labels = angle_labels_for(COCO17, defs)
    assert [lab.anchor for lab in labels] == [(COCO17.index("left_knee"),), (COCO17.index("right_elbow"),)]
    assert [lab.side for lab in labels] == ["left", "right"]
    # BlazePose: the ankle angle is anchored at the ankle; an angle on virtual points (hip and shoulder
    # centres) sits amid the keypoints they average, as in the window
    bp = angle_labels_for(BLAZEPOSE33, DEFAULT_ANGLES)
    by_name = {lab.name: lab for lab in bp}
    assert by_name["left_ankle"].anchor == (BLAZEPOSE33.index("left_ankle"),)
    trunk = ("left_hip", "right_hip", "left_shoulder", "right_shoulder")
    assert by_name["trunk_lean"].anchor == tuple(BLAZEPOSE33.index(n) for n in trunk)
    assert by_name["trunk_lean"].side == "center"

    person = people[:1]
    r = FrameRenderer(w, h, COCO17, OverlayOptions(timestamp=False, skeleton=False), labels)
    with_values = r.draw(rgb.copy(), time_s=0.0, people=person, angle_values=np.array([[95.0, 42.0]]))
    without = r.draw(rgb.copy(), time_s=0.0, people=person, angle_values=np.array([[np.nan, np.nan]]))
    assert np.array_equal(without, rgb)
    knee = person[0, COCO17.index("left_knee")]
    ys, xs = np.nonzero(np.any(with_values != rgb, axis=2))
    near = np.hypot(xs - knee[0], ys - knee[1]) < 60
    assert near.sum() > 30  # the "95" and its degree ring next to the left knee


def test_time_stamp_title_and_plot_cursor(annotated):
    rgb, _ = annotated
    h, w = rgb.shape[:2]
    times = np.linspace(0.0, 2.0, 61)
    series = {"left_knee": 60 + 30 * np.sin(times * 3), "right_knee": 60 + 30 * np.cos(times * 3)}
    r = FrameRenderer(w, h, COCO17, OverlayOptions(title="Batting", plot=True), (), times, series)
    a = r.draw(rgb.copy(), time_s=0.5, plot_pos=15)
    b = r.draw(rgb.copy(), time_s=1.5, plot_pos=45)
    diff = np.any(a != b, axis=2)
    panel = r.panel
    x0, y0 = w - panel.w - r.margin, h - panel.h - r.margin
    ys, xs = np.nonzero(diff)
    in_panel = (xs >= x0) & (ys >= y0)
    in_stamp = (xs < w // 3) & (ys > h - h // 5)
    assert in_panel.any() and in_stamp.any()  # the cursor moved and the time stamp changed
    assert np.all(in_panel | in_stamp)        # nothing else differs between two times
    changed = np.any(a != rgb, axis=2)
    assert changed[: h // 8, : w // 3].sum() > 100  # the title box in the top-left corner
    assert render.format_time(61.5) == "1:01.500"


def test_angle_values_sit_outside_the_body_and_only_at_confident_joints():
    from posestudio.core.display import angle_label_place, body_centre_x

    kps = np.array([[100.0, 50.0, 0.9], [140.0, 60.0, 0.9], [120.0, 200.0, 0.1], [500.0, 0.0, 0.05]])
    centre = body_centre_x(kps, 0.3)
    assert centre == pytest.approx(120.0)  # the two confident points only
    assert angle_label_place(kps, (0,), centre, 0.3) == (100.0, 50.0, -1)  # left of the body: written left
    assert angle_label_place(kps, (1,), centre, 0.3) == (140.0, 60.0, 1)
    assert angle_label_place(kps, (0, 1), centre, 0.3) == (120.0, 55.0, 1)
    assert angle_label_place(kps, (2,), centre, 0.3) is None  # below the threshold: no value shown
    assert angle_label_place(kps, (0, 2), centre, 0.3) is None


def test_angle_values_keep_off_the_limbs_and_each_other():
    from posestudio.core.display import LABEL_GAP_PX, _hits_segment, place_label_boxes

    # a shoulder at (100, 100) with the arm raised sideways along y = 100 on its outer (right) side
    arm = (100.0, 100.0, 200.0, 100.0)
    (left, top), = place_label_boxes([(100.0, 100.0, 1, 30.0, 14.0)], limbs=[arm])
    assert not _hits_segment(left, top, 30.0, 14.0, arm)
    assert left == 100.0 + LABEL_GAP_PX  # still on the outer side, above or below the arm
    # two joints at the same place (both hips in a side view): the boxes do not overlap
    first, second = place_label_boxes([(50.0, 50.0, 1, 30.0, 14.0), (50.0, 50.0, 1, 30.0, 14.0)])
    assert abs(first[1] - second[1]) >= 14.0 or abs(first[0] - second[0]) >= 30.0
