"""Keypoint sets: names in the documented order, edges, sides, and the BlazePose -> COCO map."""

from __future__ import annotations

import pytest

from posestudio.core.models.skeleton import BLAZEPOSE33, BLAZEPOSE_TO_COCO, COCO17, keypoint_set

COCO_ORDER = ("nose left_eye right_eye left_ear right_ear left_shoulder right_shoulder left_elbow right_elbow "
              "left_wrist right_wrist left_hip right_hip left_knee right_knee left_ankle right_ankle").split()


def test_coco_names_follow_the_coco_order():
    assert COCO17.names == tuple(COCO_ORDER)
    assert COCO17.index("left_hip") == 11


def test_blazepose_has_33_mediapipe_names():
    assert len(BLAZEPOSE33.names) == 33 == len(set(BLAZEPOSE33.names))
    assert BLAZEPOSE33.names[:4] == ("nose", "left_eye_inner", "left_eye", "left_eye_outer")
    assert BLAZEPOSE33.names[-4:] == ("left_heel", "right_heel", "left_foot_index", "right_foot_index")
    assert BLAZEPOSE33.index("left_shoulder") == 11 and BLAZEPOSE33.index("right_hip") == 24


def test_blazepose_to_coco_maps_same_names():
    assert len(BLAZEPOSE_TO_COCO) == 17
    for coco_i, bp_i in enumerate(BLAZEPOSE_TO_COCO):
        assert BLAZEPOSE33.names[bp_i] == COCO17.names[coco_i]


@pytest.mark.parametrize("kset", [COCO17, BLAZEPOSE33])
def test_edges_connect_every_body_keypoint_and_sides_are_consistent(kset):
    touched = {i for e in kset.edges for i in e}
    for name in ("left_shoulder", "right_hip", "left_ankle", "right_wrist", "nose"):
        assert kset.index(name) in touched
    assert len(set(kset.edges)) == len(kset.edges)
    for i, name in enumerate(kset.names):
        expected = "left" if "left" in name else "right" if "right" in name else "center"
        assert kset.side(i) == expected
    # a left limb edge never jumps to the right side except across the body (shoulders, hips, face, mouth)
    cross = [(a, b) for a, b in kset.edges if {kset.side(a), kset.side(b)} == {"left", "right"}]
    assert all({kset.names[a].split("_")[-1], kset.names[b].split("_")[-1]} & {"shoulder", "hip", "left", "right"}
               for a, b in cross)


def test_keypoint_set_by_name():
    assert keypoint_set("coco17") is COCO17
    assert keypoint_set("blazepose33") is BLAZEPOSE33
    with pytest.raises(KeyError):
        keypoint_set("mpii16")
    with pytest.raises(KeyError):
        COCO17.index("left_heel")
