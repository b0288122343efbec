"""Two clips on one clock: a known offset is recovered from the poses, a marked moment gives its offset, and the
time warping follows a clip played at another speed.

The real test: each clip against itself with its first second cut off and re-encoded at another frame rate
(made here with PyAV). The same moment is then 1 s earlier in B, so offset_s = B's time - A's time = -1.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from posestudio.core.kinematics.sync import (
    SyncError,
    aligned_columns,
    correlation_sync,
    dtw_path,
    dtw_sync,
    event_sync,
)

MODEL = "movenet-lightning"   # the fastest model; the angles it gives are enough to line clips up
CUT_S = 1.0


def make_cut_clip(src, dst, cut_s: float, fps: int, scale: float = 0.5, speed: float = 1.0) -> None:
    """`src` from `cut_s` on, re-encoded at `fps` (nearest source frame for each new frame), `speed` times
    as fast, scaled by `scale`."""
    with av.open(str(src)) as inp:
        vs = inp.streams.video[0]
        frames = [(float(f.pts * vs.time_base), f.to_ndarray(format="rgb24")) for f in inp.decode(vs)]
    t0 = frames[0][0]
    times = np.array([t - t0 for t, _ in frames])
    h, w = frames[0][1].shape[:2]
    ow, oh = int(w * scale) // 2 * 2, int(h * scale) // 2 * 2
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = ow, oh, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        k = 0
        while cut_s + k * speed / fps <= times[-1] + 1e-9:
            i = int(np.argmin(np.abs(times - (cut_s + k * speed / fps))))
            frame = av.VideoFrame.from_ndarray(frames[i][1], format="rgb24").reformat(width=ow, height=oh)
            frame.pts = k
            for packet in stream.encode(frame):
                out.mux(packet)
            k += 1
        for packet in stream.encode(None):
            out.mux(packet)


def curves_of(path):
    """Timestamps and the smoothed angles of the main person (what `compare` uses)."""
    from posestudio.core.analysis.person_angles import main_person, person_angles
    from posestudio.core.analysis.run import analyse_video

    result = analyse_video(path, MODEL)
    return result.timestamps, person_angles(result, main_person(result)).angles


# ----- synthetic curves: known answers -------------------------------------------------------------------

def _gait_like(t):
    return {"left_knee": 30 + 25 * np.sin(2 * np.pi * 0.9 * t) + 8 * np.sin(2 * np.pi * 2.3 * t + 1),
            "right_knee": 30 + 25 * np.sin(2 * np.pi * 0.9 * t + 2.5) + 5 * np.sin(2 * np.pi * 0.31 * t)}


def test_correlation_recovers_a_sub_frame_offset_between_frame_rates():
    ta = np.arange(0, 12, 1 / 30)
    tb = np.arange(0, 9, 1 / 25)
    true = -2.013  # B's clock starts 2.013 s into A
    a = _gait_like(ta)
    b = _gait_like(tb - true)
    res = correlation_sync(a, ta, b, tb)
    assert res.offset_s == pytest.approx(true, abs=0.004)  # an eighth of A's frame
    assert res.similarity > 0.99 and res.method == "correlation"
    cols = aligned_columns(a, ta, b, tb, res)
    assert list(cols)[:2] == ["time_s", "b_time_s"] and "a_left_knee" in cols and "b_right_knee" in cols
    ok = np.isfinite(cols["b_left_knee"])
    assert np.max(np.abs(cols["a_left_knee"][ok] - cols["b_left_knee"][ok])) < 1.5  # degrees, 25 fps linear


def test_marked_moments_give_the_offset_and_unrelated_curves_score_low():
    ta = np.arange(0, 10, 1 / 30)
    a = _gait_like(ta)
    res = event_sync(a, ta, a, ta, 3.0, 1.0)
    assert res.offset_s == pytest.approx(-2.0) and res.method == "events"
    assert res.similarity < 0.9  # the same curves two seconds apart are not in step
    assert event_sync(a, ta, a, ta, 2.0, 2.0).similarity == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    noise = {k: 30 + 20 * rng.standard_normal(ta.size) for k in a}
    assert abs(correlation_sync(a, ta, noise, ta).similarity) < 0.3


def test_no_shared_angle_is_a_clear_error():
    t = np.arange(0, 5, 1 / 30)
    with pytest.raises(SyncError, match="share no angle"):
        correlation_sync({"left_knee": np.sin(t)}, t, {"right_elbow": np.sin(t)}, t)


def test_dtw_follows_a_clip_played_faster():
    ta = np.arange(0, 8, 1 / 30)
    a = _gait_like(ta)
    tb = np.arange(0, 8 / 1.25, 1 / 30)
    b = _gait_like(tb * 1.25)  # B plays A 1.25 times as fast from the same start
    res = dtw_sync(a, ta, b, tb)
    inner = (res.path_a > 1.5) & (res.path_a < 5.0)  # away from the ends, where the common stretch is cut
    assert np.median(np.abs(res.path_b[inner] - res.path_a[inner] / 1.25)) < 0.05
    assert res.similarity > 0.95
    assert res.a_time(np.array([2.0]))[0] == pytest.approx(2.5, abs=0.08)  # the warp path B -> A


def test_dtw_path_on_a_known_pause():
    a = np.array([0, 1, 2, 3, 4, 5], dtype=float)[:, None]
    b = np.array([0, 1, 2, 2, 2, 3, 4, 5], dtype=float)[:, None]  # B holds still for two samples
    i, j = dtw_path(a, b)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 0), (1, 1), (2, 2), (2, 3), (2, 4), (3, 5), (4, 6), (5, 7)]


# ----- real clips: a known offset recovered from the poses ---------------------------------------------------

@pytest.mark.parametrize("clip, fps", [
    ("sports2d_demo5_dumbbell_lateral_raise.mp4", 20),   # 29.97 fps source: lateral raises
    ("sports2d_demo_walk_jumpingjacks_flip.mp4", 24),    # 30 fps source: the man's jumping jacks, the flip
])
@pytest.mark.slow
def test_clip_against_itself_cut_and_at_another_frame_rate(videos_dir, tmp_path, require_model, clip, fps):
    require_model(MODEL)
    src = videos_dir / clip
    cut = tmp_path / "cut.mp4"
    make_cut_clip(src, cut, CUT_S, fps)
    ta, a = curves_of(src)
    tb, b = curves_of(cut)
    res = correlation_sync(a, ta, b, tb)
    frame = float(np.median(np.diff(ta)))
    # nearest-frame resampling moves B's content by up to half a source frame; the pose model adds jitter
    assert abs(res.offset_s - (-CUT_S)) < frame, (res.offset_s, res.angles)
    assert res.similarity > 0.8


@pytest.mark.slow
def test_dtw_follows_a_real_clip_played_faster(videos_dir, tmp_path, require_model):
    """The dumbbell clip from its second 1 on, played 1.25 times as fast: B's time of A's moment t is
    (t - 1) / 1.25. One fixed offset cannot match that; the warp path does, to about a frame."""
    require_model(MODEL)
    src = videos_dir / "sports2d_demo5_dumbbell_lateral_raise.mp4"
    fast = tmp_path / "fast.mp4"
    make_cut_clip(src, fast, CUT_S, 25, speed=1.25)
    ta, a = curves_of(src)
    tb, b = curves_of(fast)
    warped = dtw_sync(a, ta, b, tb)
    inner = (warped.path_a > 2.0) & (warped.path_a < warped.path_a[-1] - 1.0)
    err = np.abs(warped.path_b - (warped.path_a - CUT_S) / 1.25)[inner]
    assert np.median(err) < 1 / 30 and np.percentile(err, 90) < 3 / 30
    fixed = correlation_sync(a, ta, b, tb)
    assert warped.similarity > 0.95 > fixed.similarity


@pytest.mark.slow
def test_two_cameras_on_one_trial_line_up(videos_dir, require_model):
    """pose2sim cam01 and cam02 film the same throw from two sides. Looked at frame pairs (frames 14-35 every
    third, and the side-by-side output at 0.33, 0.5, 0.67, 1.0, 1.33 s): the same pose at the same frame
    number, to 2-3 frames at 60 fps. The 2D angles differ a lot between the views (the knees even move the
    other way), so the similarity is low and says so."""
    require_model(MODEL)
    ta, a = curves_of(videos_dir / "pose2sim_single_cam01_portrait60.mp4")
    tb, b = curves_of(videos_dir / "pose2sim_single_cam02_vp9.mp4")
    joints = [n for n in a if n.split("_", 1)[-1] in ("knee", "hip", "elbow", "shoulder", "ankle")]
    res = correlation_sync(a, ta, b, tb, [n for n in joints if n in b])
    assert abs(res.offset_s) <= 3 / 60
    assert 0.1 < res.similarity < 0.6
