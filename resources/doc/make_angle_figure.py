"""Draw resources/doc/angles.png: one stick-figure panel per angle family, showing its zero and its sign.

Run from the repository root: `.venv/bin/python resources/doc/make_angle_figure.py`.
The angle values written on each panel are computed by posestudio.core.kinematics from the drawn points,
so the picture cannot drift from the code.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from posestudio.core.kinematics import BLAZEPOSE33_NAMES, compute_angles, make_angle

SCALE = 2                      # draw large, then shrink: smooth lines without a drawing library
PANEL = (300, 300)             # final width, height of one panel
GREY, INK, REF = (175, 175, 175), (40, 40, 40), (120, 120, 120)
HI, ARC = (0, 110, 220), (220, 90, 0)   # RGB: the segments that define the angle, the angle itself
FONT = cv2.FONT_HERSHEY_SIMPLEX

# a runner-like side view facing right (final-panel pixels, y down)
BASE = {
    "nose": (176, 52), "left_ear": (160, 52), "right_ear": (160, 52), "left_eye": (172, 48), "right_eye": (172, 48),
    "left_shoulder": (160, 78), "right_shoulder": (160, 78), "left_elbow": (160, 115), "right_elbow": (160, 115),
    "left_wrist": (160, 148), "right_wrist": (160, 148), "left_hip": (152, 148), "right_hip": (152, 148),
    "left_knee": (152, 190), "right_knee": (152, 190), "left_ankle": (152, 230), "right_ankle": (152, 230),
    "left_heel": (147, 237), "right_heel": (147, 237), "left_foot_index": (170, 237), "right_foot_index": (170, 237),
}
BONES = [("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"), ("left_shoulder", "left_hip"),
         ("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("left_heel", "left_foot_index"),
         ("left_ankle", "left_heel")]


def _p(xy) -> tuple[int, int]:
    return int(round(xy[0] * SCALE)), int(round(xy[1] * SCALE))


def _polar(origin, length, deg_up):
    """Point at `length` from origin in direction `deg_up` (counter-clockwise from +x, y up)."""
    r = math.radians(deg_up)
    return origin[0] + length * math.cos(r), origin[1] - length * math.sin(r)


def _dir(a, b) -> float:
    """Direction of a->b in degrees, y up."""
    return math.degrees(math.atan2(-(b[1] - a[1]), b[0] - a[0]))


def _dashed(img, a, b, color=REF):
    n = max(2, int(math.dist(a, b) / 6))
    for i in range(0, n, 2):
        p = (a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n)
        q = (a[0] + (b[0] - a[0]) * (i + 1) / n, a[1] + (b[1] - a[1]) * (i + 1) / n)
        cv2.line(img, _p(p), _p(q), color, 2 * SCALE // 2 + 1, cv2.LINE_AA)


def _arc(img, centre, radius, start_up, end_up, color=ARC, arrow=True):
    """Arc from direction start_up to end_up (degrees, y up, the short way), with an arrow head at the end."""
    sweep = (end_up - start_up + 180) % 360 - 180
    steps = max(2, int(abs(sweep) / 3))
    pts = [_polar(centre, radius, start_up + sweep * i / steps) for i in range(steps + 1)]
    cv2.polylines(img, [np.array([_p(p) for p in pts], np.int32)], False, color, 2 * SCALE, cv2.LINE_AA)
    if arrow and abs(sweep) > 8:
        tip = np.array(pts[-1])
        back = np.array(pts[-3])
        d = (tip - back) / (np.linalg.norm(tip - back) + 1e-9)
        n = np.array([-d[1], d[0]])
        head = [tip, tip - 9 * d + 5 * n, tip - 9 * d - 5 * n]
        cv2.fillPoly(img, [np.array([_p(h) for h in head], np.int32)], color, cv2.LINE_AA)


def _text(img, xy, text, color=INK, size=0.5, bold=1):
    cv2.putText(img, text, _p(xy), FONT, size * SCALE, color, bold * SCALE, cv2.LINE_AA)


def _figure(img, pts, highlight=()):
    head = np.add(pts["left_shoulder"], (6, -27))
    cv2.circle(img, _p(head), 11 * SCALE, GREY, 3 * SCALE, cv2.LINE_AA)
    cv2.line(img, _p(np.add(head, (10, 0))), _p(np.add(head, (17, 2))), GREY, 3 * SCALE, cv2.LINE_AA)  # nose
    for a, b in BONES:
        cv2.line(img, _p(pts[a]), _p(pts[b]), GREY, 5 * SCALE, cv2.LINE_AA)
    for a, b in highlight:
        cv2.line(img, _p(pts[a]), _p(pts[b]), HI, 6 * SCALE, cv2.LINE_AA)
    for a, b in highlight:
        for k in (a, b):
            cv2.circle(img, _p(pts[k]), 5 * SCALE, INK, -1, cv2.LINE_AA)


def _value(pts, angle) -> float:
    names = BLAZEPOSE33_NAMES
    kp = np.zeros((1, len(names), 3))
    for i, n in enumerate(names):
        kp[0, i] = (*pts.get(n, pts["nose"]), 1.0)
    defn = angle if not isinstance(angle, str) else angle
    return float(compute_angles(kp, names, [defn])[getattr(defn, "name", defn)][0])


def _panel(title: str, lines: list[str], draw) -> np.ndarray:
    w, h = PANEL
    img = np.full((h * SCALE, w * SCALE, 3), 255, np.uint8)
    draw(img)
    _text(img, (10, 22), title, INK, 0.6, 2)
    for i, line in enumerate(lines):
        _text(img, (10, h - 10 - 16 * (len(lines) - 1 - i)), line, INK, 0.42)
    cv2.rectangle(img, (0, 0), (w * SCALE - 1, h * SCALE - 1), (220, 220, 220), SCALE)
    return cv2.resize(img, PANEL, interpolation=cv2.INTER_AREA)


def knee_panel():
    pts = dict(BASE)
    pts["left_knee"] = _polar(pts["left_hip"], 42, -60)
    pts["left_ankle"] = _polar(pts["left_knee"], 40, -140)
    pts["left_heel"] = _polar(pts["left_ankle"], 7, -150)
    pts["left_foot_index"] = _polar(pts["left_heel"], 22, -40)
    v = _value(pts, "left_knee")

    def draw(img):
        _figure(img, pts, [("left_hip", "left_knee"), ("left_knee", "left_ankle")])
        _dashed(img, pts["left_knee"], _polar(pts["left_knee"], 45, -60))
        _arc(img, pts["left_knee"], 26, -60, -140)
        _text(img, _polar(pts["left_knee"], 46, -95), f"{v:.0f}", ARC, 0.5, 2)
    return _panel("Knee flexion", ["0 = straight leg: shank in line", "with the thigh; grows as it bends"], draw)


def hip_panel():
    pts = dict(BASE)
    pts["left_knee"] = _polar(pts["left_hip"], 42, -25)
    pts["left_ankle"] = _polar(pts["left_knee"], 40, -95)
    pts["left_heel"] = _polar(pts["left_ankle"], 7, -160)
    pts["left_foot_index"] = _polar(pts["left_heel"], 22, -5)
    trunk_dir = _dir(pts["left_shoulder"], pts["left_hip"])
    v = _value(pts, "left_hip")

    def draw(img):
        _figure(img, pts, [("left_shoulder", "left_hip"), ("left_hip", "left_knee")])
        _dashed(img, pts["left_hip"], _polar(pts["left_hip"], 55, trunk_dir))
        _arc(img, pts["left_hip"], 30, trunk_dir, -25)
        _text(img, _polar(pts["left_hip"], 48, -70), f"{v:.0f}", ARC, 0.5, 2)
    return _panel("Hip flexion", ["0 = thigh in line with the trunk", "line, shoulder to hip"], draw)


def elbow_panel():
    pts = dict(BASE)
    pts["left_elbow"] = _polar(pts["left_shoulder"], 37, -110)
    pts["left_wrist"] = _polar(pts["left_elbow"], 34, 10)
    v = _value(pts, "left_elbow")

    def draw(img):
        _figure(img, pts, [("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist")])
        _dashed(img, pts["left_elbow"], _polar(pts["left_elbow"], 38, -110))
        _arc(img, pts["left_elbow"], 22, -110, 10)
        _text(img, _polar(pts["left_elbow"], 34, -40), f"{v:.0f}", ARC, 0.5, 2)
    return _panel("Elbow flexion", ["0 = straight arm,", "grows as the elbow bends"], draw)


def shoulder_panel():
    pts = dict(BASE)
    pts["left_elbow"] = _polar(pts["left_shoulder"], 37, -20)
    pts["left_wrist"] = _polar(pts["left_elbow"], 34, 30)
    down = _dir(pts["left_shoulder"], pts["left_hip"])
    v = _value(pts, "left_shoulder")

    def draw(img):
        _figure(img, pts, [("left_shoulder", "left_hip"), ("left_shoulder", "left_elbow")])
        _arc(img, pts["left_shoulder"], 30, down, -20)
        _text(img, _polar(pts["left_shoulder"], 40, -55), f"{v:.0f}", ARC, 0.5, 2)
    return _panel("Shoulder elevation", ["0 = arm along the body, on the trunk", "line; 180 = arm straight up"], draw)


def ankle_panel():
    # zoomed on the lower leg
    pts = dict(BASE, left_knee=(120, 60), left_ankle=(120, 170), left_heel=(108, 188))
    pts["left_foot_index"] = _polar(pts["left_heel"], 80, 20)  # toes up
    shank = _dir(pts["left_knee"], pts["left_ankle"])
    square = shank + 90
    v = _value(pts, "left_ankle")

    def draw(img):
        for a, b in (("left_knee", "left_ankle"), ("left_ankle", "left_heel"), ("left_heel", "left_foot_index")):
            cv2.line(img, _p(pts[a]), _p(pts[b]), HI if a != "left_ankle" else GREY, 6 * SCALE, cv2.LINE_AA)
        for k in ("left_knee", "left_ankle", "left_heel", "left_foot_index"):
            cv2.circle(img, _p(pts[k]), 5 * SCALE, INK, -1, cv2.LINE_AA)
        _dashed(img, pts["left_heel"], _polar(pts["left_heel"], 100, square))
        _arc(img, pts["left_heel"], 60, square, 20)
        _text(img, _polar(pts["left_heel"], 70, 12), f"+{v:.0f}", ARC, 0.5, 2)
        _text(img, (132, 70), "knee", REF, 0.42)
        _text(img, (72, 172), "ankle", REF, 0.42)
        _text(img, (60, 205), "heel", REF, 0.42)
        _text(img, (170, 140), "toes", REF, 0.42)
    return _panel("Ankle, BlazePose only", ["shank vs heel-to-toes, 0 = square;",
                                           "+ toes up (dorsiflexion), - pointed"], draw)


def trunk_panel():
    pts = dict(BASE)
    hip = pts["left_hip"]
    top = _polar(hip, 72, 75)
    for side in ("left", "right"):
        pts[f"{side}_shoulder"] = top
        pts[f"{side}_elbow"] = _polar(top, 37, -80)
        pts[f"{side}_wrist"] = _polar(pts[f"{side}_elbow"], 34, -10)
    pts["nose"], pts["left_ear"], pts["right_ear"] = (top[0] + 20, top[1] - 30), (top[0], top[1] - 30), \
        (top[0], top[1] - 30)
    v = _value(pts, "trunk_lean")

    def draw(img):
        _figure(img, pts, [("left_hip", "left_shoulder")])
        _dashed(img, hip, _polar(hip, 80, 90))
        _arc(img, hip, 55, 90, 75)
        _text(img, (112, 102), f"+{v:.0f}", ARC, 0.5, 2)
    return _panel("Trunk lean", ["vs vertical: + leaning towards where", "the person faces, - leaning back"], draw)


def segment_panel():
    pts = dict(BASE)
    pts["left_knee"] = _polar(pts["left_hip"], 42, -50)
    pts["left_ankle"] = _polar(pts["left_knee"], 40, -110)
    pts["left_heel"] = _polar(pts["left_ankle"], 7, -160)
    pts["left_foot_index"] = _polar(pts["left_heel"], 22, -20)
    v = _value(pts, "left_thigh")

    def draw(img):
        _figure(img, pts, [("left_hip", "left_knee")])
        _dashed(img, pts["left_hip"], _polar(pts["left_hip"], 75, 0))
        _arc(img, pts["left_hip"], 36, 0, -50)
        _text(img, (pts["left_hip"][0] + 40, pts["left_hip"][1] - 8), f"thigh {v:.0f}", ARC, 0.5, 2)
        _text(img, (185, 60), "+ = anticlockwise", INK, 0.42)
        _text(img, (185, 76), "standing thigh -90", INK, 0.42)
        _text(img, (185, 92), "upright trunk +90", INK, 0.42)
    return _panel("Segment angles", ["thigh, shank, foot, upper arm, forearm,",
                                     "trunk vs horizontal; unwrapped in time"], draw)


def custom_panel():
    a, b, c = (70, 200), (150, 150), (230, 210)
    angle = make_angle("custom", "three_point", ("left_hip", "left_knee", "left_ankle"))
    v = _value({**BASE, "left_hip": a, "left_knee": b, "left_ankle": c}, angle)

    def draw(img):
        cv2.line(img, _p(a), _p(b), HI, 6 * SCALE, cv2.LINE_AA)
        cv2.line(img, _p(b), _p(c), HI, 6 * SCALE, cv2.LINE_AA)
        for k, name in ((a, "A"), (b, "B"), (c, "C")):
            cv2.circle(img, _p(k), 5 * SCALE, INK, -1, cv2.LINE_AA)
            _text(img, (k[0] - 5, k[1] - 12), name, INK, 0.55, 2)
        _arc(img, b, 30, _dir(b, a), _dir(b, c), arrow=False)
        _text(img, (b[0] - 12, b[1] + 48), f"{v:.0f}", ARC, 0.5, 2)
        _text(img, (30, 70), "NAME=A,B,C", INK, 0.45)
        _text(img, (30, 88), "NAME=A>B,C>D  two segments", INK, 0.45)
    return _panel("Custom angles", ["3 points: angle at B, 0 to 180;", "or between two segments, 0 to 180"], draw)


def main(out: Path) -> None:
    panels = [knee_panel(), hip_panel(), elbow_panel(), shoulder_panel(),
              ankle_panel(), trunk_panel(), segment_panel(), custom_panel()]
    grid = np.vstack([np.hstack(panels[:4]), np.hstack(panels[4:])])
    # few colours compress well; quantise the anti-aliasing ramp a little to stay small
    grid = (grid // 8 * 8 + 4).clip(0, 255).astype(np.uint8)
    cv2.imwrite(str(out), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"{out} {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(Path(__file__).resolve().parent / "angles.png")
