"""The overlay drawn over the picture (VideoView): skeletons batched by colour, angle labels placed by the
exported video's rule, and the keypoints picked for a new angle."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QTransform

from posestudio.core.display import place_label_boxes
from posestudio.core.render import CENTER_RGB, SIDE_COLOURS, faded


def qcolor(rgb, alpha: int = 255) -> QColor:
    return QColor(rgb[0], rgb[1], rgb[2], alpha)


def draw_picked(p: QPainter, t: QTransform, overlay) -> None:
    if not overlay.picked:
        return
    ring = QPen(QColor(255, 230, 80), 3.0)
    p.setBrush(Qt.BrushStyle.NoBrush)
    metrics = p.fontMetrics()
    centres = [t.map(QPointF(x, y)) for x, y, _ in overlay.picked]
    p.setPen(QPen(QColor(255, 230, 80, 200), 2.0, Qt.PenStyle.DashLine))
    for a, b in zip(centres, centres[1:]):
        p.drawLine(a, b)
    for centre, (_, _, text) in zip(centres, overlay.picked):
        p.setPen(ring)
        p.drawEllipse(centre, 9.0, 9.0)
        text_box(p, metrics, centre + QPointF(12, -10), text, QColor(255, 230, 80))


def draw_person(p: QPainter, overlay, kp: np.ndarray, followed: bool) -> None:
    """Lines and joints batched by colour: a handful of Qt calls per person, not one per edge."""
    kset = overlay.keypoint_set
    if kset is None:
        return
    thr = overlay.threshold
    width = 3.0 if followed else 1.8
    ok = np.isfinite(kp[:, 0]) & np.isfinite(kp[:, 1])
    confident = ok & (np.nan_to_num(kp[:, 2]) >= thr)
    sides = [kset.side(i) for i in range(len(kset.names))]
    lines: dict[tuple[str, bool], list[QLineF]] = {}
    for a, b in kset.edges:
        if ok[a] and ok[b]:
            side = sides[a] if sides[a] == sides[b] else "center"
            sure = bool(confident[a] and confident[b])
            lines.setdefault((side, sure), []).append(QLineF(kp[a, 0], kp[a, 1], kp[b, 0], kp[b, 1]))
    outline = QPen(QColor(15, 15, 15, 200), width + 2.0)
    outline.setCosmetic(True)
    outline.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(outline)
    for (side, sure), group in lines.items():
        if sure:
            p.drawLines(group)
    for (side, sure), group in lines.items():
        rgb = SIDE_COLOURS.get(side, CENTER_RGB)
        pen = QPen(qcolor(rgb if sure else faded(rgb), 255 if sure else 150), width)
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawLines(group)
    radius = (4.0 if followed else 3.0) / max(p.transform().m11(), 1e-6)
    joints: dict[tuple[str, bool], list[int]] = {}
    for i in np.flatnonzero(ok):
        joints.setdefault((sides[i], bool(confident[i])), []).append(int(i))
    for (side, sure), group in joints.items():
        rgb = SIDE_COLOURS.get(side, CENTER_RGB)
        p.setPen(QPen(QColor(15, 15, 15, 220 if sure else 90), 0))
        p.setBrush(qcolor(rgb if sure else faded(rgb), 255 if sure else 110))
        for i in group:
            p.drawEllipse(QPointF(kp[i, 0], kp[i, 1]), radius, radius)


def draw_texts(p: QPainter, t: QTransform, overlay, base_font: QFont) -> None:
    font = QFont(base_font)
    font.setPointSizeF(max(font.pointSizeF(), 9.0))
    font.setBold(True)
    p.setFont(font)
    metrics = p.fontMetrics()
    if overlay.show_ids:
        for track_id, kp in overlay.people:
            ok = np.isfinite(kp[:, 1])
            if not ok.any():
                continue
            top = int(np.nanargmin(np.where(ok, kp[:, 1], np.inf)))
            pos = t.map(QPointF(kp[top, 0], kp[top, 1])) + QPointF(-10, -14)
            text_box(p, metrics, pos, f"#{track_id}",
                           QColor(255, 230, 80) if track_id == overlay.followed else QColor(235, 235, 235))
    # placed on screen by the exported video's rule: beside the joint, off the limbs and each other
    labels = overlay.labels
    rects = [QRectF(metrics.boundingRect(text)).adjusted(-3, -1, 3, 1) for text, *_ in labels]
    screen = [t.map(QPointF(x, y)) for _, x, y, _, _ in labels]
    limbs = [(a.x(), a.y(), b.x(), b.y()) for ax, ay, bx, by in overlay.limbs
             for a, b in ((t.map(QPointF(ax, ay)), t.map(QPointF(bx, by))),)]
    corners = place_label_boxes([(q.x(), q.y(), lab[4], r.width(), r.height())
                                 for q, lab, r in zip(screen, labels, rects)], limbs)
    for (text, _, _, side, _), r, (left, top) in zip(labels, rects, corners):
        text_box(p, metrics, QPointF(left - r.left(), top - r.top()), text,
                       qcolor(SIDE_COLOURS.get(side, CENTER_RGB)))


def text_box(p: QPainter, metrics, pos: QPointF, text: str, colour: QColor) -> None:
    rect = QRectF(metrics.boundingRect(text)).translated(pos).adjusted(-3, -1, 3, 1)
    p.fillRect(rect, QColor(0, 0, 0, 170))
    p.setPen(colour)
    p.drawText(pos, text)
