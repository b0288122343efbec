"""The analysis in two segments at once (core/analysis/segments.py) against the sequential run, on a real clip."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from posestudio.core.errors import Cancelled, PoseStudioError

CLIP = "sports2d_demo5_dumbbell_lateral_raise.mp4"  # 540 frames, 1280 x 720, one person


def _both(video, model_id, people=None):
    from posestudio.core.analysis import segments
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.models.pose import create_estimator
    from posestudio.core.video.source import VideoSource

    estimator = create_estimator(model_id, people=people)
    with VideoSource(video) as source:
        chosen = segments.plan(source, estimator, source.frame_count)
        assert not isinstance(chosen, str), chosen
        fronts = []
        split = chosen[1]
        two = analyse_video(source, model_id, estimator=estimator,
                            on_frames=lambda r, start, stop: fronts.append((start, stop, bool(r.analysed[:stop].all()))))
        one = analyse_video(source, model_id, estimator=estimator, two_segments=False)
    return one, two, split, fronts


def _torso_pct(a, b):
    """Keypoint distances in % of the torso (shoulder centre to hip centre, the MediaPipe agreement unit)."""
    shoulders, hips = ([5, 6], [11, 12]) if a.shape[-2] == 17 else ([11, 12], [23, 24])
    torso = np.linalg.norm(a[..., shoulders, :2].mean(-2) - a[..., hips, :2].mean(-2), axis=-1)
    return np.linalg.norm(a[..., :2] - b[..., :2], axis=-1) / torso[..., None] * 100


@pytest.mark.slow
@pytest.mark.parametrize("model_id", ["blazepose-full", "movenet-lightning"])
def test_two_segments_give_the_sequential_keypoints_and_ids(model_id, videos_dir, require_model):
    """Before the split the keypoints are the sequential run's exactly; after it they differ by what the
    tracked region carries on (BlazePose's one-euro filter has a memory of seconds, MoveNet's crop follows
    the previous keypoints). Measured on this clip after the split, in % of the torso: BlazePose full mean 0.28,
    99th percentile 1.4, worst keypoint 5.8; Lightning 0.54, 2.8, 6.5 (mean score difference 0.02). The ids are the sequential run's, and partial results grow from one front."""
    require_model(model_id)
    if model_id.startswith("blazepose"):
        require_model("blazepose-detector")
    one, two, split, fronts = _both(videos_dir / CLIP, model_id)
    assert two.frame_count == one.frame_count == 540 and two.analysed.all()
    np.testing.assert_array_equal(two.person_ids, one.person_ids)
    np.testing.assert_array_equal(two.timestamps, one.timestamps)
    np.testing.assert_array_equal(two.keypoints[:split], one.keypoints[:split])
    found = one.person_ids[:, 0] >= 0
    assert found.sum() > 500
    seen = found[split:]
    after = _torso_pct(one.keypoints[split:][seen, 0], two.keypoints[split:][seen, 0])
    print(model_id, "after the split: mean %", after.mean(), "p99 %", np.percentile(after, 99), "max %", after.max())
    assert after.mean() < 1.0 and np.percentile(after, 99) < 5.0 and after.max() < 12.0
    scores = np.abs(two.keypoints[split:][seen, 0, :, 2] - one.keypoints[split:][seen, 0, :, 2])
    assert scores.mean() < 0.04, scores.mean()
    # partial results: one front from 0, each one's frames analysed when sent, ending at the last frame
    assert fronts[0][0] == 0 and fronts[-1][1] == 540 and all(ok for *_, ok in fronts)
    assert all(b[0] == a[1] for a, b in zip(fronts, fronts[1:]))


@pytest.mark.slow
@pytest.mark.parametrize("model_id", ["blazepose-full", "movenet-lightning"])
def test_two_segments_follow_whom_the_sequential_run_follows(model_id, videos_dir, require_model):
    """On the walking clip (a man and a woman) the second segment's model picked the woman at the split where a
    sequential run follows the man to frame 170 (BlazePose full; Lightning to 150): the first segment's model
    now carries on past the split until both agree, so every frame shows the person a sequential run shows."""
    require_model(model_id)
    if model_id.startswith("blazepose"):
        require_model("blazepose-detector")
    one, two, split, _ = _both(videos_dir / "sports2d_demo_walk_jumpingjacks_flip.mp4", model_id)
    assert two.frame_count == one.frame_count and two.analysed.all()
    np.testing.assert_array_equal(two.person_ids, one.person_ids)
    seen = (one.keypoints[:, 0, :, 2] > 0.5).sum(1) >= 5
    np.testing.assert_array_equal(seen, (two.keypoints[:, 0, :, 2] > 0.5).sum(1) >= 5)
    assert seen[split:].sum() > 50
    centre = lambda r: np.nanmedian(np.where(r.keypoints[seen, 0, :, 2:] > 0.5, r.keypoints[seen, 0, :, :2], np.nan), 1)
    apart = np.hypot(*(centre(one) - centre(two)).T) / one.width
    assert apart.max() < 0.05, (np.flatnonzero(seen)[apart >= 0.05], apart.max())


def test_same_people_pairs_every_box_once():
    from posestudio.core.analysis.segments import same_people

    a, b, far = np.array([0, 0, 10, 10.0]), np.array([1, 0, 11, 10.0]), np.array([50, 50, 60, 60.0])
    assert same_people([], []) and same_people([a], [b]) and same_people([a, far], [far, b])
    assert not same_people([a], [far]) and not same_people([a], [a, far]) and not same_people([a, a], [b, far])
    assert not same_people([None], [a])


@pytest.mark.slow
def test_two_segments_cancel_promptly_and_stop_both(videos_dir, require_model):
    require_model("movenet-lightning")
    from posestudio.core.analysis.run import analyse_video

    cancel = threading.Event()
    cancelled_at = []

    def progress(done, total):
        if done == 60 and not cancel.is_set():
            cancel.set()
            cancelled_at.append(time.monotonic())

    before = set(threading.enumerate())
    with pytest.raises(Cancelled):
        analyse_video(videos_dir / CLIP, "movenet-lightning", progress=progress, cancel=cancel)
    assert cancelled_at and time.monotonic() - cancelled_at[0] < 2.0
    left = [t for t in threading.enumerate() if t not in before and t.name.startswith("posestudio-")]
    assert not left, left


class _BrokenAfterSplit:
    """A VideoSource whose frames from `bad` on fail to decode (for the second segment only)."""

    def __init__(self, source, bad: int):
        self._source, self._bad = source, bad

    def __getattr__(self, name):
        return getattr(self._source, name)

    def frames(self, start=0, stop=None, **kwargs):
        for item in self._source.frames(start, stop, **kwargs):
            if item[0] >= self._bad:
                raise RuntimeError("a damaged packet")
            yield item


@pytest.mark.slow
def test_an_error_in_the_second_segment_is_raised(videos_dir, require_model):
    require_model("movenet-lightning")
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.video.source import VideoSource

    before = set(threading.enumerate())
    with VideoSource(videos_dir / CLIP) as source:
        with pytest.raises(PoseStudioError, match="failed part-way"):
            analyse_video(_BrokenAfterSplit(source, 300), "movenet-lightning")
    time.sleep(0.2)
    assert not [t for t in threading.enumerate() if t not in before and t.name.startswith("posestudio-")]


def test_what_stays_sequential(videos_dir, require_model):
    require_model("movenet-lightning")
    from posestudio.core.analysis import segments
    from posestudio.core.models.pose import create_estimator
    from posestudio.core.models.pose.movenet import MoveNetSingle
    from posestudio.core.video.source import VideoSource

    with VideoSource(videos_dir / CLIP) as source:
        assert "one onnxruntime thread" in segments.plan(source, create_estimator("movenet-lightning", threads=1), 540)
        assert "too short" in segments.plan(source, create_estimator("movenet-lightning"), 100)
        assert "custom estimator" in segments.plan(source, MoveNetSingle("movenet-lightning"), 540)
        twins, split = segments.plan(source, create_estimator("movenet-lightning"), 540)
        assert len(twins) == 2 and all(t.threads == 1 for t in twins)
        # both segments about as long; the second's decoder starts at a keyframe when one is near
        assert abs(split - (540 + segments.WARMUP_FRAMES) / 2) <= 100
    assert segments.split_at(10_000, range(0, 10_000, 250)) == 5000 + segments.WARMUP_FRAMES
    assert segments.split_at(540, [0]) == (540 + segments.WARMUP_FRAMES) // 2


def test_the_join_reaches_the_window_in_small_partials(videos_dir, require_model, monkeypatch):
    """When the first segment ends, the second's frames (half the clip, held for their ids) are handed on in
    partials of bounded size, with pauses, not in one: a 5-minute clip's join stalled the window 250-330 ms.
    Bounds shrunk here so the 540-frame clip shows it (its second segment holds about 250 frames)."""
    from posestudio.core.analysis import segments
    from posestudio.core.analysis.run import analyse_video

    require_model("movenet-lightning")
    monkeypatch.setattr(segments, "JOIN_CHUNK", 16)
    monkeypatch.setattr(segments, "PARTIAL_MAX_FRAMES", 32)
    spans = []
    result = analyse_video(videos_dir / CLIP, "movenet-lightning",
                           on_frames=lambda r, start, stop: spans.append((start, stop)))
    assert result.analysed.all()
    assert spans[0][0] == 0 and spans[-1][1] == 540
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))   # one front, nothing skipped
    assert max(stop - start for start, stop in spans) <= 32 + 16, spans
