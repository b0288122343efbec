"""The gym clip's railing arm, corrected by hand (BlazePose full): from frame 4 to 20 the model draws the
player's left arm raised along a railing behind her, while it hangs by her side (frames 4, 12, 20 and 21 looked
at, zoomed 4x: at frame 21 the model finds the arm again, elbow ~20 px and wrist ~36-42 px below the left
shoulder). Four drags over the range 4-20 selected on the timeline: elbow and wrist at frames 4 and 20."""

GYM = "mmaction2_basketball_gym_240p.mp4"
MODEL = "blazepose-full"
RANGE = (4, 20)
# (frame, keypoint, x, y): where the user drops the point, in the picture's pixels (426x240)
DRAGS = [
    (4, "left_elbow", 81.4, 146.2),
    (4, "left_wrist", 78.4, 162.2),
    (20, "left_elbow", 85.2, 160.7),
    (20, "left_wrist", 82.2, 180.7),
]


def corrected(result, person_id, body=False):
    """The result with the four drags applied as the window applies them (body: following the body)."""
    from posestudio.core.analysis import corrections

    for frame, name, x, y in DRAGS:
        k = corrections.keypoint_index(result, name)
        keys = corrections.move(result, person_id, frame, k, x, y, span=RANGE, body=body)
        result = corrections.apply(result, keys, only={(person_id, i) for i in corrections.touched(result, k)})
    return result
