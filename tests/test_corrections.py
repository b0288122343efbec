"""Keypoints corrected by hand (core.analysis.corrections): the interpolation of the offset on a synthetic track
with a known offset and on a real clip, placed and hidden points, what reaches the file and every export."""

import csv
import json

import numpy as np
import pytest

from posestudio.core.analysis import corrections as C
from posestudio.core.analysis.corrections import CorrectionError
from posestudio.core.analysis.result import AnalysisResult

from gym_arm_corrections import GYM, MODEL, corrected

NAMES = ("nose", "left_shoulder", "left_elbow", "left_wrist", "left_pinky")


def synthetic(frames=80) -> AnalysisResult:
    """Person 0 in slot 0 throughout, person 1 in slot 1 from frame 40; the elbow moves on a straight line."""
    r = AnalysisResult.empty(frames, 2, NAMES, model_id="m", keypoint_set="coco17", video_path="v.mp4",
                             fingerprint="f", width=400, height=300, fps=30.0)
    t = np.arange(frames, dtype=np.float32)
    r.timestamps[:] = t / 30
    r.analysed[:] = True
    r.person_ids[:, 0] = 0
    r.person_ids[40:, 1] = 1
    for k in range(len(NAMES)):
        r.keypoints[:, 0, k] = np.stack([100 + t + 10 * k, 50 + 0.5 * t + 5 * k, np.full(frames, 0.9)], axis=1)
    r.keypoints[40:, 1] = r.keypoints[40:, 0] + (150, 0, 0)
    return r


def elbow(r, person=0):
    return r.track(person, in_picture=False)[:, NAMES.index("left_elbow")]


def drag(r, person, frame, x, y, **kw):
    k = NAMES.index("left_elbow")
    return C.apply(r, C.move(r, person, frame, k, x, y, **kw), only={(person, i) for i in C.touched(r, k)})


def test_the_offset_is_interpolated_between_two_keys_and_fades_out_around_them():
    r = synthetic()
    model = elbow(r)
    # known offsets: (+6, -4) at frame 20 and (-4, +8) at frame 30
    r1 = drag(r, 0, 20, model[20, 0] + 6, model[20, 1] - 4, reach=5)
    r2 = drag(r1, 0, 30, model[30, 0] - 4, model[30, 1] + 8, reach=5)
    off = elbow(r2)[:, :2] - model[:, :2]
    for f in range(20, 31):
        a = (f - 20) / 10
        expected = (1 - a) * np.array([6, -4]) + a * np.array([-4, 8])
        assert np.abs(off[f] - expected).max() < 0.5, (f, off[f], expected)
    # five frames either side, fading linearly to nothing; the model untouched beyond
    np.testing.assert_allclose(off[17], np.array([6, -4]) * (1 - 3 / 6), atol=1e-3)
    np.testing.assert_allclose(off[33], np.array([-4, 8]) * (1 - 3 / 6), atol=1e-3)
    assert not off[:15].any() and not off[36:].any()
    flags = r2.manual[:, 0, NAMES.index("left_elbow")]
    assert flags[20] == C.KEY and flags[30] == C.KEY and (flags[21:30] == C.CARRIED).all()
    assert flags[14] == 0 and flags[36] == 0
    assert (r2.keypoints[20:31, 0, 2, 2] == 1.0).all()   # the user's word between keys
    # the model's own keypoints are kept; the other person and other keypoints untouched
    np.testing.assert_array_equal(r2.model_keypoints, r.keypoints)
    np.testing.assert_array_equal(r2.keypoints[:, 1], r.keypoints[:, 1])
    np.testing.assert_array_equal(r2.keypoints[:, 0, 1], r.keypoints[:, 0, 1])
    # worked out alone (one keypoint) or all again: the same
    again = C.apply(r2, r2.corrections)
    np.testing.assert_array_equal(again.keypoints, r2.keypoints)
    np.testing.assert_array_equal(again.manual, r2.manual)


def test_a_range_holds_the_correction_to_its_ends_and_lost_frames_get_interpolated_positions():
    r = synthetic()
    r.keypoints[24:27, 0, 2] = np.nan  # the model lost the elbow for three frames
    model = elbow(r)
    r1 = drag(r, 0, 20, model[20, 0] + 5, model[20, 1], span=(10, 35))
    r2 = drag(r1, 0, 30, model[30, 0] + 15, model[30, 1], span=(10, 35))
    got = elbow(r2)
    assert np.allclose(got[10:21, 0] - model[10:21, 0], 5) and np.allclose(got[30:36, 0] - model[30:36, 0], 15)
    assert np.array_equal(got[:10], model[:10]) and np.array_equal(got[36:], model[36:])
    # lost frames: on the line between the corrected neighbours (frame 23: +8, frame 27: +12 offsets)
    for f in (24, 25, 26):
        assert abs(got[f, 0] - (100 + f + 20 + 5 + (f - 20))) < 0.5, got[f]
    assert (r2.manual[24:27, 0, 2] == C.CARRIED).all()
    with pytest.raises(CorrectionError, match="outside the selected range"):
        C.move(r2, 0, 50, 2, 100, 100, span=(10, 35))


def test_a_dragged_wrist_takes_its_hand_along_and_points_can_be_hidden_and_placed():
    r = synthetic()
    wrist, pinky = NAMES.index("left_wrist"), NAMES.index("left_pinky")
    model = r.keypoints[12, 0]
    keys = C.move(r, 0, 12, "left_wrist", model[wrist, 0] - 20, model[wrist, 1] + 30, reach=0)
    moved = C.apply(r, keys)
    np.testing.assert_allclose(moved.keypoints[12, 0, pinky, :2], model[pinky, :2] + (-20, 30))
    assert moved.manual[12, 0, pinky] == C.KEY and moved.manual[11, 0, wrist] == 0
    hidden = C.apply(moved, C.hide(moved, 0, 5, 7, "nose"))
    assert np.isnan(hidden.keypoints[5:8, 0, 0, :2]).all() and (hidden.keypoints[5:8, 0, 0, 2] == 0).all()
    assert (hidden.manual[5:8, 0, 0] == C.HIDDEN_FLAG).all() and hidden.manual[8, 0, 0] == 0
    # a point the model missed, placed by hand
    missed = synthetic()
    missed.keypoints[60, 1, 0] = (np.nan, np.nan, 0.0)
    placed = C.apply(missed, C.move(missed, 1, 60, "nose", 300, 100, reach=3))
    np.testing.assert_array_equal(placed.keypoints[60, 1, 0], [300, 100, 1])
    # taking the corrections away gives the model's keypoints back
    back = C.apply(hidden, C.remove(hidden, 0, 0, 79))
    assert back.model_keypoints is None and back.manual is None and back.corrections is None
    np.testing.assert_array_equal(back.keypoints, synthetic().keypoints)


def test_bad_corrections_are_one_sentence():
    r = synthetic()
    with pytest.raises(CorrectionError, match="outside the picture"):
        C.move(r, 0, 10, "left_elbow", 500, 20)
    with pytest.raises(CorrectionError, match="no keypoint 'left_heel'"):
        C.move(r, 0, 10, "left_heel", 20, 20)
    with pytest.raises(CorrectionError, match="not in frame 10"):
        C.move(r, 1, 10, "left_elbow", 20, 20)
    with pytest.raises(CorrectionError, match="not in this clip"):
        C.move(r, 0, 500, "left_elbow", 20, 20)
    with pytest.raises(CorrectionError, match="Nothing of #0"):
        C.remove(r, 0, 0, 79)


def test_keys_follow_the_detection_through_an_id_swap():
    r = synthetic()
    r1 = drag(r, 1, 50, 300, 120, reach=2)
    ids = r1.person_ids.copy()
    ids[45:, 0], ids[45:, 1] = 1, 0  # the user swaps the two ids from frame 45
    import dataclasses

    swapped = C.apply(dataclasses.replace(r1, person_ids=ids), r1.corrections)
    np.testing.assert_array_equal(swapped.keypoints[50, 1, 2, :2], [300, 120])
    assert C.reach_of(swapped, 0, 2) == (48, 52) and C.reach_of(swapped, 1, 2) is None


def test_corrections_are_kept_in_the_analysis_file_and_old_files_load(tmp_path):
    from posestudio.core.analysis.result_file import load_result, save_result

    r = synthetic()
    old = load_result(save_result(r, tmp_path / "old.npz"))
    assert old.corrections is None and old.manual is None and old.model_keypoints is None
    fixed = drag(r, 0, 20, 150, 70, reach=4)
    back = load_result(save_result(fixed, tmp_path / "fixed.npz"))
    np.testing.assert_array_equal(back.keypoints, fixed.keypoints)
    np.testing.assert_array_equal(back.model_keypoints, r.keypoints)
    np.testing.assert_array_equal(back.manual, fixed.manual)
    assert len(back.corrections) == len(fixed.corrections) == 1
    np.testing.assert_array_equal(C.apply(back, back.corrections).keypoints, fixed.keypoints)


def test_exports_carry_the_corrected_positions_and_a_manual_flag(tmp_path):
    from posestudio.core.io.csv_format import write_csv, write_long_csv
    from posestudio.core.io.json_format import write_json

    fixed = drag(synthetic(), 0, 20, 150, 70, reach=1)
    k = NAMES.index("left_elbow")
    doc = json.loads(write_json(fixed, tmp_path / "a.json").read_text())
    person = doc["frames"][20]["people"][0]
    assert person["keypoints"][k][:2] == [150, 70] and person["manual"] == {"left_elbow": True}
    assert doc["frames"][19]["people"][0]["manual"] == {"left_elbow": True}   # carried over
    assert "manual" not in doc["frames"][25]["people"][0]
    rows = list(csv.DictReader(open(write_csv(fixed, tmp_path / "a.csv"))))
    row = next(x for x in rows if x["frame"] == "20" and x["person"] == "0")
    assert float(row["left_elbow_x"]) == 150 and row["left_elbow_manual"] == "1" and row["nose_manual"] == "0"
    long = list(csv.reader(open(write_long_csv(fixed, tmp_path / "b.csv"))))
    manual = [x for x in long if x[3].endswith("_manual")]
    assert sorted((x[0], x[3], x[4]) for x in manual) == [("19", "left_elbow_manual", "1"),
                                                         ("20", "left_elbow_manual", "1"),
                                                         ("21", "left_elbow_manual", "1")]
    plain = list(csv.reader(open(write_csv(synthetic(), tmp_path / "c.csv"))))
    assert not any(c.endswith("_manual") for c in plain[0])  # uncorrected files keep their columns


def test_the_video_rings_hand_placed_points():
    from posestudio.core.models.skeleton import keypoint_set
    from posestudio.core.render import HAND_RGB, FrameRenderer

    renderer = FrameRenderer(720, 720, keypoint_set("coco17"))
    people = np.full((1, 17, 3), np.nan, dtype=np.float32)
    people[0, 7] = (360, 360, 0.9)
    flags = np.zeros((1, 17), dtype=np.int8)
    plain = renderer.draw(np.zeros((720, 720, 3), np.uint8), time_s=0.0, people=people)
    flags[0, 7] = C.KEY
    ringed = renderer.draw(np.zeros((720, 720, 3), np.uint8), time_s=0.0, people=people, manual=flags)
    hand = (np.abs(ringed.astype(int) - HAND_RGB).sum(axis=2) < 60)
    assert hand.sum() > 20 and not (np.abs(plain.astype(int) - HAND_RGB).sum(axis=2) < 60).any()


def test_next_low_score_finds_the_start_of_each_unsure_stretch():
    r = synthetic()
    r.keypoints[30:35, 0, 3, 2] = 0.1
    r.keypoints[50, 0, 2, 2] = np.nan
    assert C.next_low_score(r, 0, 0, 1, 0.3, [2, 3]) == (30, 3)
    assert C.next_low_score(r, 0, 30, 1, 0.3, [2, 3]) == (50, 2)
    assert C.next_low_score(r, 0, 50, 1, 0.3, [2, 3]) is None
    assert C.next_low_score(r, 0, 50, -1, 0.3, [2, 3]) == (30, 3)


@pytest.mark.slow
def test_on_a_real_clip_two_drags_ten_frames_apart_interpolate_the_offset(videos_dir, require_model, tmp_path):
    """The gym clip's right wrist (found by BlazePose throughout frames 40-50): drag it at frames 40 and 50;
    every frame between moves by the linearly interpolated offset, within 0.5 px."""
    from posestudio.core.analysis.run import analyse_video

    require_model(MODEL)
    r = analyse_video(videos_dir / GYM, MODEL)
    pid = int(np.bincount(r.person_ids[r.person_ids >= 0]).argmax())
    k = r.keypoint_names.index("right_wrist")
    model = r.track(pid, in_picture=False)[:, k, :2].astype(float)
    assert np.isfinite(model[40:51]).all()
    d40, d50 = np.array([7.0, -3.0]), np.array([-2.0, 5.0])
    out = r
    for frame, d in ((40, d40), (50, d50)):
        keys = C.move(out, pid, frame, k, *(model[frame] + d))  # the default reach joins keys 10 frames apart
        out = C.apply(out, keys, only={(pid, i) for i in C.touched(out, k)})
    got = out.track(pid, in_picture=False)[:, k, :2]
    for f in range(40, 51):
        expected = model[f] + d40 + (d50 - d40) * (f - 40) / 10
        assert np.abs(got[f] - expected).max() < 0.5, (f, got[f], expected)
    lo, hi = 40 - C.DEFAULT_REACH, 50 + C.DEFAULT_REACH  # faded out beyond: the model's own track
    assert np.array_equal(got[:lo], model[:lo].astype(np.float32), equal_nan=True)
    assert np.array_equal(got[hi + 1:], model[hi + 1:].astype(np.float32), equal_nan=True)

    # the railing arm: four drags, and the jump at frame 20 is gone from the curves
    from posestudio.core.kinematics import angle_table
    from posestudio.core.kinematics.sudden import sudden_changes

    fixed = corrected(r, pid)
    assert len(fixed.corrections) >= 4
    before = [c.frame for c in sudden_changes(angle_table(r.track(pid), r.timestamps, r.keypoint_names))]
    after = [c.frame for c in sudden_changes(angle_table(fixed.track(pid), fixed.timestamps, fixed.keypoint_names))]
    assert 20 in before and 20 not in after, (before, after)

    # in between, the default keeps the model's wrong path (looked at: frames 8 and 12 put the elbow on her back,
    # right of the middle of her shoulders); following the body keeps it by her left side, as the video shows
    names = list(r.keypoint_names)
    body = corrected(r, pid, body=True)
    for result, side in ((fixed, 1), (body, -1)):
        kp = result.keypoints[:, 0]
        mid = (kp[:, names.index("left_shoulder"), :2] + kp[:, names.index("right_shoulder"), :2]) / 2
        for f in (8, 12):
            dx, dy = kp[f, names.index("left_elbow"), :2] - mid[f]
            assert side * dx > 5, (side, f, dx)
    kp = body.keypoints[:, 0]
    mid = (kp[:, names.index("left_shoulder"), :2] + kp[:, names.index("right_shoulder"), :2]) / 2
    elbow_at = kp[4:21, names.index("left_elbow"), :2] - mid[4:21]
    assert np.ptp(elbow_at, axis=0).max() < 2.0, elbow_at   # same place by her side throughout
    assert (body.manual[4:21, 0, names.index("left_elbow")] > 0).all() and not body.manual[21:, 0].any()

    # `posestudio export` of the clip uses the corrected cached analysis: numbers and drawn video
    from posestudio.cli import main
    from posestudio.core.analysis.cache import save_cached
    from posestudio.core.render import HAND_RGB
    from posestudio.core.video.source import VideoSource

    save_cached(fixed)
    out, data = tmp_path / "gym.mp4", tmp_path / "gym.json"
    assert main(["export", str(videos_dir / GYM), "-o", str(out), "--model", MODEL, "--end", "1", "--data",
                 str(data), "--quiet"]) == 0
    doc = json.loads(data.read_text())
    elbow = fixed.keypoint_names.index("left_elbow")
    person = next(p for p in doc["frames"][12]["people"] if p["id"] == pid)
    assert person["manual"]["left_elbow"] is True and "manual" not in doc["frames"][30]["people"][0]
    np.testing.assert_allclose(person["keypoints"][elbow][:2], fixed.keypoints[12, 0, elbow, :2], atol=0.01)
    with VideoSource(out) as video, VideoSource(videos_dir / GYM) as source:
        frame, plain = video.frame_at(12).astype(int), source.frame_at(12).astype(int)
    x, y = np.round(fixed.keypoints[12, 0, elbow, :2]).astype(int)

    def yellow(picture):  # the ring's colour after H.264 at 240p: bright red and green, little blue
        near = picture[max(0, y - 8):y + 9, max(0, x - 8):x + 9]
        return int(((near[..., 0] > 170) & (near[..., 1] > 170) & (near[..., 2] < 130)).sum())

    assert yellow(frame) >= 3 and yellow(plain) == 0, (yellow(frame), yellow(plain))   # a ring round the elbow
