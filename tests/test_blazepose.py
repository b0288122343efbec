"""BlazePose: anchors, decoding, weighted NMS, region maths, heatmap refinement, and the estimator on real clips."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posestudio.core.models.pose import blazepose_detector as bd
from posestudio.core.models.pose.blazepose import OneEuroFilter, refine_from_heatmap
from posestudio.core.models.pose.roi import (
    Roi, crop_to_image, image_to_crop, normalize_radians, roi_from_alignment_points, warp_roi,
)

WALK = "sports2d_demo_walk_jumpingjacks_flip.mp4"


# --- detector maths -------------------------------------------------------------------------------------

def test_anchor_grid_matches_mediapipe_layout():
    anchors = bd.ssd_anchors()
    assert anchors.shape == (2254, 2)
    # stride 8: 28 x 28 cells, 2 anchors each, row-major, centred in the cell
    assert np.allclose(anchors[0], [0.5 / 28, 0.5 / 28]) and np.allclose(anchors[1], anchors[0])
    assert np.allclose(anchors[2], [1.5 / 28, 0.5 / 28])
    # stride 16 starts after 28*28*2; the three stride-32 layers share one 7 x 7 grid with 6 anchors a cell
    assert np.allclose(anchors[1568], [0.5 / 14, 0.5 / 14])
    assert np.allclose(anchors[1568 + 392:1568 + 392 + 6], [0.5 / 7, 0.5 / 7])
    assert np.allclose(anchors[-1], [6.5 / 7, 6.5 / 7])


def test_decode_applies_anchor_scale_and_threshold():
    raw = np.zeros((1, 2254, 12), np.float32)
    logits = np.full((1, 2254, 1), -10.0, np.float32)
    i = 1000
    ax, ay = bd.ANCHORS[i]
    raw[0, i] = [22.4, -11.2, 44.8, 89.6, 0, 0, 0, -22.4, 1, 1, 1, 1]
    logits[0, i] = 3.0
    logits[0, 5] = 0.0  # sigmoid(0) = 0.5: at the threshold, kept as MediaPipe keeps it
    found = bd.decode(raw, logits)
    assert len(found) == 2
    d = next(d for d in found if d.score > 0.9)
    assert d.score == pytest.approx(1 / (1 + math.exp(-3.0)), rel=1e-6)
    xc, yc = ax + 0.1, ay - 0.05
    assert np.allclose(d.box, [xc - 0.1, yc - 0.2, xc + 0.1, yc + 0.2], atol=1e-6)
    assert np.allclose(d.keypoints[0], [ax, ay]) and np.allclose(d.keypoints[1], [ax, ay - 0.1], atol=1e-6)
    # huge logits are clipped (no overflow), negative sizes dropped
    logits[0, 7] = 1e9
    raw[0, 7, 2] = -5
    assert len(bd.decode(raw, logits)) == 2


def test_weighted_nms_averages_overlapping_boxes_by_score():
    a = bd.Detection(0.9, np.array([0.1, 0.1, 0.5, 0.5]), np.zeros((4, 2)))
    b = bd.Detection(0.6, np.array([0.12, 0.1, 0.52, 0.5]), np.ones((4, 2)))
    far = bd.Detection(0.7, np.array([0.6, 0.6, 0.9, 0.9]), np.full((4, 2), 5.0))
    out = bd.weighted_nms([b, far, a])
    assert [round(d.score, 2) for d in out] == [0.9, 0.7]
    assert np.allclose(out[0].box, (0.9 * a.box + 0.6 * b.box) / 1.5)
    assert np.allclose(out[0].keypoints, 0.6 / 1.5)
    assert np.allclose(out[1].box, far.box)
    # below the IoU threshold nothing merges
    c = bd.Detection(0.8, np.array([0.4, 0.4, 0.8, 0.8]), np.zeros((4, 2)))
    assert bd.iou(a.box, c.box) < 0.3 and len(bd.weighted_nms([a, c])) == 2


def test_letterbox_round_trip_to_image_pixels():
    # a wide frame letterboxed into the square: the detector's normalised (0.5, 0.5) is the frame centre,
    # and x = 0 / 1 are the frame's left and right edges
    region = bd.square_around_rect(0, 0, 1768, 994)
    det = bd.Detection(0.9, np.array([0.0, 0.5, 1.0, 0.5]), np.array([[0.5, 0.5]] * 4))
    img = bd.to_image(det, region)
    assert np.allclose(img.keypoints[0], [884, 497])
    assert np.allclose(img.box[[0, 2]], [0, 1768])


# --- region of interest -------------------------------------------------------------------------------

@pytest.mark.parametrize("angle_deg", [90, 0, 45, -30, 180, -135])
def test_region_from_points_puts_scale_point_straight_up(angle_deg):
    centre = np.array([400.0, 300.0])
    a = math.radians(angle_deg)
    top = centre + 80 * np.array([math.cos(a), -math.sin(a)])  # angle measured counterclockwise on screen
    roi = roi_from_alignment_points(centre, top, 1.25)
    assert roi.size == pytest.approx(2 * 80 * 1.25)
    assert -math.pi <= roi.rotation < math.pi
    u, v = image_to_crop(top[None], roi)[0]
    assert u == pytest.approx(0.5, abs=1e-9) and v == pytest.approx(0.5 - 80 / roi.size, abs=1e-9)
    if angle_deg == 90:
        assert roi.rotation == pytest.approx(0.0, abs=1e-12)


def test_normalize_radians_range():
    for a in np.linspace(-10, 10, 41):
        n = normalize_radians(a)
        assert -math.pi <= n < math.pi and math.isclose(math.cos(n), math.cos(a), abs_tol=1e-9)


def test_warp_puts_a_marked_pixel_where_the_inverse_mapping_says():
    img = np.zeros((480, 640, 3), np.uint8)
    img[200:203, 300:303] = 255  # a 3 x 3 white square centred at pixel (301, 201)
    roi = Roi(320, 240, 200, math.radians(30))
    crop = warp_roi(img, roi, 256)
    ys, xs = np.nonzero(crop[..., 0] > 128)
    found = np.array([xs.mean(), ys.mean()])
    # corner-to-corner mapping in OpenCV's convention (pixel centres at integer coordinates)
    expected = image_to_crop(np.array([[301.0, 201.0]]), roi)[0] * 256
    assert np.linalg.norm(found - expected) < 0.25
    pts = np.array([[10.0, 20.0], [500.0, 400.0]])
    assert np.allclose(crop_to_image(image_to_crop(pts, roi), roi), pts)


def test_warp_border_modes():
    img = np.full((100, 100, 3), 200, np.uint8)
    roi = Roi(0, 0, 100, 0.0)  # three quarters outside the frame
    assert warp_roi(img, roi, 64, border="zero")[0, 0, 0] == 0
    assert warp_roi(img, roi, 64, border="replicate")[0, 0, 0] == 200


# --- landmark post-processing ---------------------------------------------------------------------------

def test_heatmap_refinement_moves_to_the_weighted_peak_only_when_confident():
    hm = np.full((64, 64, 2), -10.0, np.float32)
    hm[20, 30, 0] = 5.0
    hm[20, 31, 0] = 5.0  # two equal peaks: the mean lies between them
    hm[40, 40, 1] = -1.0  # weak: sigmoid(-1) < 0.5, no refinement
    xy = np.array([[31.5 / 64, 20.2 / 64], [40.3 / 64, 40.3 / 64]])
    out = refine_from_heatmap(xy, hm)
    assert out[0, 0] == pytest.approx(30.5 / 64, abs=2e-4) and out[0, 1] == pytest.approx(20 / 64, abs=2e-4)
    assert np.array_equal(out[1], xy[1])
    outside = np.array([[1.2, 0.5], [-0.2, 0.5]])
    assert np.array_equal(refine_from_heatmap(outside, hm), outside)


def test_one_euro_filter_matches_mediapipe_start_and_smooths():
    f = OneEuroFilter(min_cutoff=0.01, beta=10.0, derivate_cutoff=1.0)
    assert f.apply(0, 0.01, 5.0) == 5.0          # t = 0 passes through untouched
    assert f.apply(33_333_000, 0.01, 7.0) == 7.0  # first real sample initialises
    assert f.apply(66_666_000, 0.01, 7.0) == pytest.approx(7.0)
    jumped = f.apply(99_999_000, 0.01, 17.0)
    assert 7.0 < jumped < 17.0


# --- the estimator on real footage ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def walk_frames(videos_dir):
    from posestudio.core.video.source import VideoSource

    with VideoSource(videos_dir / WALK) as src:
        return [rgb for i, _t, rgb in src.frames(5, 65)]  # she walks in at about frame 3


@pytest.fixture
def estimator(require_model):
    require_model("blazepose-detector")
    require_model("blazepose-lite")
    from posestudio.core.models.pose import create_estimator

    return create_estimator("blazepose-lite", threads=2)


def test_estimator_finds_the_man_with_tracking(estimator, walk_frames):
    people = [estimator.estimate(f) for f in walk_frames]
    found = [p[0] for p in people if p]
    assert len(found) >= 0.95 * len(walk_frames)
    # the detector ran on few frames: tracking carries the region from frame to frame
    assert estimator.detector.calls <= 3
    assert estimator.landmarks.calls >= len(found)
    h, w = walk_frames[0].shape[:2]
    upright = 0
    for person in found:
        kp = person.keypoints
        assert kp.shape == (33, 3) and person.world.shape == (33, 3)
        assert 0.5 <= person.score <= 1.0
        # on the man doing jumping jacks on the box (where he stands in these frames, seen on a drawn frame)
        cx, cy = np.median(kp[:, 0]), np.median(kp[:, 1])
        assert 0.26 * w < cx < 0.47 * w and 0.05 * h < cy < 0.47 * h
        shoulders, hips, ankles = kp[[11, 12], :2].mean(0), kp[[23, 24], :2].mean(0), kp[[27, 28], :2].mean(0)
        upright += kp[0, 1] < shoulders[1] < hips[1] < ankles[1]
        assert np.all(np.abs(person.world) < 2.0)  # metres around the hips
    # the first frame after a detection can be rough; tracking then locks on
    assert upright >= 0.9 * len(found)


def test_reset_forgets_the_track(estimator, walk_frames):
    estimator.estimate(walk_frames[0])
    estimator.estimate(walk_frames[1])
    calls = estimator.detector.calls
    assert calls == 1
    estimator.reset()
    estimator.estimate(walk_frames[2])
    assert estimator.detector.calls == calls + 1


def test_estimate_in_box_agrees_with_tracking_and_leaves_it_alone(estimator, walk_frames):
    gaps, missed = [], 0
    for frame in walk_frames[:25]:
        people = estimator.estimate(frame)
        if not people:
            continue
        tracked = people[0]
        x0, y0, x1, y1 = tracked.box
        pad = 0.25 * max(x1 - x0, y1 - y0)
        calls = estimator.detector.calls
        person = estimator.estimate_in_box(frame, (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        assert estimator.detector.calls == calls + 1
        if person is None:
            missed += 1
            continue
        kp = tracked.keypoints
        torso = np.linalg.norm(kp[[11, 12], :2].mean(0) - kp[[23, 24], :2].mean(0))
        gaps.append(np.median(np.linalg.norm(person.keypoints[:, :2] - kp[:, :2], axis=1)) / torso)
    assert missed <= 2 and len(gaps) >= 20
    assert np.median(gaps) < 0.1
    # box runs never touched the track: the video went on without another detection
    assert estimator.detector.calls == 1 + len(gaps) + missed


def test_bench_reports_every_figure(require_model, videos_dir):
    require_model("blazepose-detector")
    require_model("blazepose-lite")
    from posestudio.bench.speed import run_benchmark

    out = run_benchmark(videos_dir / "mmhuman3d_basketball_dribble_portrait12.mp4", "blazepose-lite", frames=10, repeat=2)
    assert list(out) == ["decode_fps", "inference_fps", "analysis_fps", "analysis_over_inference",
                         "inference_cpu_ms", "analysis_cpu_ms", "peak_memory_mb"]
    assert all(np.isfinite(v) and v > 0 for v in out.values())
    assert 0.05 < out["analysis_over_inference"] < 5  # median of paired per-round ratios
    # the whole analysis costs at least the model's CPU time (it decodes as well), and not many times more
    assert 0.8 * out["inference_cpu_ms"] < out["analysis_cpu_ms"] < 5 * out["inference_cpu_ms"]
