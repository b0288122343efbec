"""Whole-video analysis: arrays, cancel, partial results, the saved file and the JSON/CSV writers."""

from __future__ import annotations

import csv
import json
import threading
import time

import numpy as np
import pytest

from posestudio.core.errors import Cancelled

CLIP = "sports2d_demo3_running_side.mp4"  # 47 frames, the runner leaves the picture near the end


@pytest.fixture(scope="module")
def lightning_result(shared_data, require_model):
    require_model("movenet-lightning")
    from posestudio.core.analysis.run import analyse_video

    calls, partial = [], []
    result = analyse_video(shared_data / "videos" / CLIP, "movenet-lightning",
                           progress=lambda d, t: calls.append((d, t)),
                           on_frames=lambda r, a, b: partial.append((a, b, int(r.analysed.sum()))))
    return result, calls, partial


def test_result_arrays_cover_every_frame(lightning_result):
    result, calls, partial = lightning_result
    assert result.frame_count == 47 and result.keypoints.shape == (47, 1, 17, 3)
    assert result.analysed.all()
    assert result.keypoint_set == "coco17" and result.keypoint_names[11] == "left_hip"
    assert np.all(np.diff(result.timestamps) > 0) and result.timestamps[0] == 0
    found = result.person_ids[:, 0] >= 0
    assert found[:30].all()                      # she runs through the first second
    assert np.isnan(result.keypoints[~found]).all() and np.isnan(result.person_scores[~found]).all()
    xy = result.keypoints[found, 0, :, :2]
    assert (xy[..., 0] > -5).all() and (xy[..., 0] < 485).all() and (xy[..., 1] < 357).all()
    assert calls[-1] == (47, 47) and [d for d, _ in calls] == list(range(1, 48))
    # partial results arrive in order, covering the clip, each after its frames were done
    assert partial[0][0] == 0 and partial[-1][1] == 47
    assert all(a < b <= done for a, b, done in partial)
    assert all(partial[i][1] == partial[i + 1][0] for i in range(len(partial) - 1))


def test_cancel_mid_video_is_prompt_and_stops_the_decoder(shared_data, require_model):
    require_model("movenet-lightning")
    from posestudio.core.analysis.run import analyse_video

    cancel = threading.Event()
    cancelled_at = []

    def progress(done, total):
        if done == 20:
            cancel.set()
            cancelled_at.append(time.monotonic())

    before = set(threading.enumerate())
    with pytest.raises(Cancelled):
        analyse_video(shared_data / "videos" / "sports2d_demo_walk_jumpingjacks_flip.mp4", "movenet-lightning",
                      progress=progress, cancel=cancel)
    assert time.monotonic() - cancelled_at[0] < 2.0
    leftovers = [t for t in threading.enumerate() if t not in before and t.name == "posestudio-decode"]
    assert not leftovers


def test_save_load_round_trip_and_cache(lightning_result, tmp_path, shared_data):
    from posestudio.core.analysis.cache import cached_result_path, load_cached, save_cached
    from posestudio.core.analysis.result_file import ResultFileError, load_result, save_result

    result = lightning_result[0]
    path = save_result(result, tmp_path / "run.npz")
    back = load_result(path)
    for name in ("keypoints", "person_scores", "person_ids", "timestamps", "analysed"):
        np.testing.assert_array_equal(getattr(back, name), getattr(result, name))
    assert back.world is None
    for name in ("model_id", "keypoint_names", "keypoint_set", "video_path", "fingerprint", "width", "height",
                 "fps", "frame_count", "note"):
        assert getattr(back, name) == getattr(result, name)
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]  # the atomic write left no temporary file

    video = shared_data / "videos" / CLIP
    assert load_cached(video, "movenet-lightning") is None
    cached = save_cached(result)
    assert cached == cached_result_path(result.fingerprint, "movenet-lightning")
    assert load_cached(video, "movenet-lightning").frame_count == 47
    assert load_cached(video, "movenet-thunder") is None
    cached.write_bytes(b"not an npz")
    assert load_cached(video, "movenet-lightning") is None
    with pytest.raises(ResultFileError):
        load_result(cached)


def test_json_has_every_frame_and_people_lists(lightning_result, tmp_path):
    from posestudio.core.io.json_format import write_json

    result = lightning_result[0]
    data = json.loads(write_json(result, tmp_path / "out.json").read_text())
    assert data["model"] == "movenet-lightning" and data["frame_count"] == 47
    assert (data["width"], data["height"]) == (480, 352) and data["fps"] == pytest.approx(29.97, abs=0.01)
    assert len(data["keypoint_names"]) == 17
    assert [f["index"] for f in data["frames"]] == list(range(47))
    for frame, found in zip(data["frames"], result.person_ids[:, 0] >= 0):
        assert len(frame["people"]) == int(found)
        for person in frame["people"]:
            assert person["id"] == 0 and 0 <= person["score"] <= 1
            assert len(person["keypoints"]) == 17 and all(len(k) == 3 for k in person["keypoints"])
    assert any(not f["people"] for f in data["frames"])  # the empty end of the clip is still there


def test_csv_one_row_per_frame_and_person(lightning_result, tmp_path):
    from posestudio.core.io.csv_format import write_csv

    result = lightning_result[0]
    with open(write_csv(result, tmp_path / "out.csv"), newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["frame", "time_s", "person", "nose_x", "nose_y", "nose_score"]
    assert header[-3:] == ["right_ankle_x", "right_ankle_y", "right_ankle_score"] and len(header) == 3 + 51
    assert [int(r[0]) for r in body] == list(range(47)) and all(len(r) == len(header) for r in body)
    first = body[0]
    assert first[2] == "0" and float(first[3]) == pytest.approx(result.keypoints[0, 0, 0, 0], abs=0.01)
    empty = [r for r in body if r[2] == ""]
    assert len(empty) == int((result.person_ids[:, 0] < 0).sum()) and all(c == "" for r in empty for c in r[3:])


@pytest.mark.slow
def test_multipose_ids_are_tracked(shared_data, require_model):
    require_model("movenet-multipose")
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.video.source import VideoSource

    with VideoSource(shared_data / "videos" / "mmaction2_basketball_gym_240p.mp4") as source:
        result = analyse_video(source, "movenet-multipose")
    assert result.keypoints.shape[1:] == (6, 17, 3)
    ids = result.person_ids
    assert (ids >= 0).sum(axis=1).max() >= 2
    # ids are unique within a frame, and the two players keep their ids over most of the 10 s clip
    for row in ids:
        present = row[row >= 0]
        assert len(present) == len(set(present.tolist()))
    lengths = sorted(int((ids == i).sum()) for i in result.person_ids_present())
    assert len(lengths) <= 8 and lengths[-2] >= 120
