"""Click to choose (issue 18): follow_person_from re-analyses from a frame on, following the person under
the click, for single-person BlazePose and MoveNet alike.

The gym clip (426 x 240): in frames 0-60 the player in white is on the left (hips near x 100-150) and the
player in blue on the right (x 240-340), apart and 100 px or more tall (seen on extracted frames). Single
BlazePose follows the player in white by itself, MoveNet Lightning the one in blue: each test clicks on the
other. Where the chosen player is comes from MoveNet MultiPose, an independent model.
"""

from __future__ import annotations

import numpy as np
import pytest

GYM = "mmaction2_basketball_gym_240p.mp4"
START, STOP = 10, 61
BLUE_CLICK = (262, 180)    # the player in blue's shorts, frame 10
WHITE_CLICK = (100, 170)   # the player in white's shirt, frame 10


@pytest.fixture(scope="module")
def gym(videos_dir, require_model):
    require_model("movenet-multipose")
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.video.source import VideoSource

    source = VideoSource(videos_dir / GYM)
    yield source, analyse_video(source, "movenet-multipose")
    source.close()


def _box_of(result, frame, person_id):
    for p in result.people_in_frame(frame):
        if result.person_ids[frame, p] == person_id:
            kp = result.keypoints[frame, p]
            xy = kp[kp[:, 2] > 0.3, :2]
            if len(xy) >= 5:
                return np.r_[xy.min(axis=0), xy.max(axis=0)]
    return None


def _multipose_id_at(multi, frame, x, y):
    for p in multi.people_in_frame(frame):
        box = _box_of(multi, frame, multi.person_ids[frame, p])
        if box is not None and box[0] <= x <= box[2] and box[1] <= y <= box[3]:
            return int(multi.person_ids[frame, p])
    raise AssertionError("MultiPose finds nobody under the click")


def _follow_and_check(model_id, click, gym, require_model):
    require_model("blazepose-detector")
    require_model(model_id)
    from posestudio.core.analysis.follow import follow_person_from
    from posestudio.core.analysis.run import analyse_video

    source, multi = gym
    result = analyse_video(source, model_id, estimator=None)
    before = result.keypoints[:START].copy()
    target = _multipose_id_at(multi, START, *click)
    # the model on its own follows someone else there: the click must change whom it follows
    others = [f for f in range(START, STOP) if (box := _box_of(multi, f, target)) is not None
              and result.people_in_frame(f) and not _inside(np.nanmedian(result.keypoints[f, 0, :, :2], axis=0), box)]
    assert len(others) > 0.9 * (STOP - START), "the model already follows the clicked player: nothing tested"

    outcome = follow_person_from(result, source, START, *click)
    print(model_id, outcome)
    assert outcome.seed == "detector" and outcome.frames == result.frame_count - START
    np.testing.assert_array_equal(result.keypoints[:START], before)  # earlier frames untouched
    inside = checked = 0
    for f in range(START, STOP):
        box = _box_of(multi, f, target)
        if box is None:
            continue
        checked += 1
        slots = [p for p in result.people_in_frame(f) if result.person_ids[f, p] == outcome.person_id]
        if slots and _inside(np.nanmedian(result.keypoints[f, slots[0], :, :2], axis=0), box):
            inside += 1
    assert checked >= 0.8 * (STOP - START)
    assert inside >= 0.9 * checked, f"{inside} of {checked} frames on the clicked player"


def _inside(xy, box, margin=0.15):
    w, h = box[2] - box[0], box[3] - box[1]
    return box[0] - margin * w <= xy[0] <= box[2] + margin * w and box[1] - margin * h <= xy[1] <= box[3] + margin * h


@pytest.mark.slow
def test_click_makes_single_blazepose_follow_the_player_in_blue(gym, require_model):
    _follow_and_check("blazepose-full", BLUE_CLICK, gym, require_model)


@pytest.mark.slow
def test_click_makes_movenet_lightning_follow_the_player_in_white(gym, require_model):
    _follow_and_check("movenet-lightning", WHITE_CLICK, gym, require_model)


@pytest.mark.slow
def test_click_on_empty_floor_is_said_to_be_a_box_around_the_click(gym, require_model):
    require_model("blazepose-detector")
    require_model("movenet-lightning")
    from posestudio.core.analysis.follow import follow_person_from
    from posestudio.core.analysis.result import AnalysisResult

    source, _ = gym
    empty = AnalysisResult.empty(source.frame_count, 1, [str(i) for i in range(17)], model_id="movenet-lightning",
                                 keypoint_set="coco17", video_path=str(source.path), fingerprint="x",
                                 width=source.width, height=source.height, fps=source.fps)
    last = source.frame_count - 3
    outcome = follow_person_from(empty, source, last, 20, 20)  # top-left corner: wall, nobody
    assert outcome.seed == "click" and outcome.frames == 3
    assert not empty.analysed[:last].any() and empty.analysed[last:].all()


@pytest.mark.slow
def test_cancelled_follow_leaves_the_result_as_it_was(gym, require_model):
    import threading

    require_model("blazepose-detector")
    require_model("movenet-lightning")
    from posestudio.core.analysis.follow import follow_person_from
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.errors import Cancelled

    source, _ = gym
    result = analyse_video(source, "movenet-lightning")
    before = result.keypoints.copy(), result.person_ids.copy()
    cancel = threading.Event()

    def progress(done, total):
        if done == 20:
            cancel.set()

    with pytest.raises(Cancelled):
        follow_person_from(result, source, START, *WHITE_CLICK, progress=progress, cancel=cancel)
    np.testing.assert_array_equal(result.keypoints, before[0])
    np.testing.assert_array_equal(result.person_ids, before[1])


@pytest.mark.slow
def test_click_with_several_blazepose_people_keeps_the_clicked_persons_id(gym, require_model):
    require_model("blazepose-detector")
    require_model("blazepose-full")
    from posestudio.core.analysis.follow import follow_person_from, person_box_at
    from posestudio.core.analysis.run import analyse_video

    source, multi = gym
    result = analyse_video(source, "blazepose-full", people=2)
    known = person_box_at(result, START, *BLUE_CLICK)
    assert known is not None, "the analysis has nobody under the click"
    outcome = follow_person_from(result, source, START, *BLUE_CLICK)
    assert outcome.person_id == known[0]  # the clicked person keeps the id they had
    target = _multipose_id_at(multi, START, *BLUE_CLICK)
    inside = checked = 0
    for f in range(START, STOP):
        box = _box_of(multi, f, target)
        if box is None:
            continue
        checked += 1
        slots = [p for p in result.people_in_frame(f) if result.person_ids[f, p] == outcome.person_id]
        inside += bool(slots) and _inside(np.nanmedian(result.keypoints[f, slots[0], :, :2], axis=0), box)
    assert checked >= 0.8 * (STOP - START) and inside >= 0.9 * checked, (inside, checked)
    # the other player is still followed, under another id
    assert all(len(result.people_in_frame(f)) == 2 for f in range(START, START + 20))
