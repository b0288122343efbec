"""`posestudio eval` on the COCO images: five `name: value` lines, accuracy in a sane range."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def test_eval_prints_five_lines(shared_data, require_model, tmp_path):
    require_model("movenet-lightning")
    env = dict(os.environ, POSESTUDIO_LOGS=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "posestudio", "eval",
                          str(shared_data / "keypoints" / "coco" / "test_coco.json"), "--model", "movenet-lightning"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    values = dict(line.split(": ") for line in out.stdout.strip().splitlines())
    assert list(values) == ["pck_0.2_torso", "pck_0.1_bbox", "persons", "keypoints", "missed_persons"]
    assert 0 <= float(values["pck_0.2_torso"]) <= 1 and 0 <= float(values["pck_0.1_bbox"]) <= 1
    assert int(values["persons"]) == 12  # 12 annotated people, all with 5+ labelled keypoints
    assert int(values["keypoints"]) >= 5 * 12
    assert 0 <= int(values["missed_persons"]) <= 12
    # a working model on people it is handed one by one gets most keypoints right
    assert float(values["pck_0.1_bbox"]) > 0.5


def test_torso_size_and_missing_file(tmp_path):
    import numpy as np

    from posestudio.bench.accuracy import AnnotationError, load_annotations, torso_size

    kps = np.zeros((17, 3))
    kps[5] = (0, 0, 2)     # left shoulder
    kps[12] = (30, 40, 2)  # right hip
    assert torso_size(kps) == pytest.approx(50)
    kps[6], kps[11] = (10, 0, 1), (10, 60, 2)  # right shoulder, left hip: diagonal of 60
    assert torso_size(kps) == pytest.approx(55)
    with pytest.raises(AnnotationError):
        load_annotations(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(AnnotationError):
        load_annotations(tmp_path / "bad.json")
