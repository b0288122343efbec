"""What the video view needs for correcting keypoints by hand: which keypoint is under the cursor, and the
marks it draws (rings on hand-made points, the name of the point the cursor would take)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTransform

GRAB_PX = 10.0                      # how near (screen pixels) the cursor must be to take a keypoint
HAND_RGB = (255, 230, 80)           # the colour of what the user's hand made (as the picked points)
KEY_FLAG, CARRIED_FLAG = 1, 2       # core.analysis.corrections KEY and CARRIED


def keypoint_at(people, pos: QPointF, t: QTransform, followed: int = -1,
                max_px: float = GRAB_PX) -> tuple[int, int] | None:
    """(track id, keypoint) of the drawn keypoint nearest to widget position `pos`, within max_px; the
    followed person wins a tie."""
    best, best_d = None, max_px
    for track_id, kp in people:
        ok = np.flatnonzero(np.isfinite(kp[:, 0]) & np.isfinite(kp[:, 1]))
        for i in ok.tolist():
            q = t.map(QPointF(float(kp[i, 0]), float(kp[i, 1])))
            d = float(np.hypot(q.x() - pos.x(), q.y() - pos.y())) - (0.5 if track_id == followed else 0.0)
            if d <= best_d:
                best, best_d = (int(track_id), int(i)), d
    return best


def draw_manual(p: QPainter, t: QTransform, people, manual: dict) -> None:
    """A ring round every point the user placed (solid) or that a correction carried over (dotted)."""
    if not manual:
        return
    p.setBrush(Qt.BrushStyle.NoBrush)
    solid = QPen(QColor(*HAND_RGB), 2.0)
    dotted = QPen(QColor(*HAND_RGB, 220), 1.5, Qt.PenStyle.DotLine)
    for track_id, kp in people:
        flags = manual.get(track_id)
        if flags is None:
            continue
        for i in np.flatnonzero((flags == KEY_FLAG) | (flags == CARRIED_FLAG)).tolist():
            if not (np.isfinite(kp[i, 0]) and np.isfinite(kp[i, 1])):
                continue
            p.setPen(solid if flags[i] == KEY_FLAG else dotted)
            p.drawEllipse(t.map(QPointF(float(kp[i, 0]), float(kp[i, 1]))), 7.0, 7.0)


def draw_grab(p: QPainter, t: QTransform, x: float, y: float, name: str, dragging: bool) -> None:
    """The point the cursor takes (or is dragging): a ring and its name."""
    centre = t.map(QPointF(x, y))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor(*HAND_RGB), 2.5 if dragging else 1.5))
    p.drawEllipse(centre, 9.0, 9.0)
    if dragging:  # a cross hair: where it will be dropped, to the pixel
        p.drawLine(centre + QPointF(-14, 0), centre + QPointF(-4, 0))
        p.drawLine(centre + QPointF(4, 0), centre + QPointF(14, 0))
        p.drawLine(centre + QPointF(0, -14), centre + QPointF(0, -4))
        p.drawLine(centre + QPointF(0, 4), centre + QPointF(0, 14))
    metrics = p.fontMetrics()
    pos = centre + QPointF(14, -12)
    rect = QRectF(metrics.boundingRect(name)).translated(pos).adjusted(-3, -1, 3, 1)
    p.fillRect(rect, QColor(0, 0, 0, 180))
    p.setPen(QColor(*HAND_RGB))
    p.drawText(pos, name)
