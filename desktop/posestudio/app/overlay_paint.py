"""The overlay drawn over the picture (VideoView): skeletons batched by colour, angle labels placed by the
exported video's rule, and the keypoints picked for a new angle."""

from __future__ import annotations

import math
from functools import lru_cache

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


@lru_cache(maxsize=16)
def _sides(kset) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Each keypoint's side, and each edge with the side it is drawn in: worked out once per keypoint set."""
    sides = [kset.side(i) for i in range(len(kset.names))]
    return sides, [(a, b, sides[a] if sides[a] == sides[b] else "center") for a, b in kset.edges]


@lru_cache(maxsize=64)
def _pen(rgb: tuple[int, int, int], alpha: int, width: float) -> QPen:
    """Flat ends: every line ends at a joint whose circle (wider than the outline) covers it, and Qt strokes
    round caps at three to four times the cost (0.5 of the 0.8 ms a person took)."""
    pen = QPen(qcolor(rgb, alpha), width)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def draw_person(p: QPainter, overlay, kp: np.ndarray, followed: bool) -> None:
    """Lines and joints batched by colour: a handful of Qt calls per person, not one per edge. The points are
    read as Python floats once (indexing the array per edge and per joint cost more than the drawing)."""
    kset = overlay.keypoint_set
    if kset is None:
        return
    thr = overlay.threshold
    width = 3.0 if followed else 1.8
    sides, edges = _sides(kset)
    points = kp[:, :3].tolist()
    ok = [math.isfinite(x) and math.isfinite(y) for x, y, _ in points]
    # a missing score counts as 0, as np.nan_to_num has it
    confident = [good and (score if score == score else 0.0) >= thr for good, (_, _, score) in zip(ok, points)]
    lines: dict[tuple[str, bool], list[QLineF]] = {}
    for a, b, side in edges:
        if ok[a] and ok[b]:
            pa, pb = points[a], points[b]
            lines.setdefault((side, confident[a] and confident[b]), []).append(QLineF(pa[0], pa[1], pb[0], pb[1]))
    p.setPen(_pen((15, 15, 15), 200, width + 2.0))   # the outline under the confident lines
    for (side, sure), group in lines.items():
        if sure:
            p.drawLines(group)
    for (side, sure), group in lines.items():
        rgb = SIDE_COLOURS.get(side, CENTER_RGB)
        p.setPen(_pen(tuple(rgb) if sure else faded(rgb), 255 if sure else 150, width))
        p.drawLines(group)
    radius = (4.0 if followed else 3.0) / max(p.transform().m11(), 1e-6)
    joints: dict[tuple[str, bool], list[int]] = {}
    for i, good in enumerate(ok):
        if good:
            joints.setdefault((sides[i], confident[i]), []).append(i)
    for (side, sure), group in joints.items():
        rgb = SIDE_COLOURS.get(side, CENTER_RGB)
        p.setPen(QPen(QColor(15, 15, 15, 220 if sure else 90), 0))
        p.setBrush(qcolor(rgb if sure else faded(rgb), 255 if sure else 110))
        for i in group:
            p.drawEllipse(QPointF(points[i][0], points[i][1]), radius, radius)


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
    if not labels:
        return
    rects = [QRectF(metrics.boundingRect(text)).adjusted(-3, -1, 3, 1) for text, *_ in labels]
    screen = _on_screen(t, [(x, y) for _, x, y, _, _ in labels])
    ends = _on_screen(t, [(ax, ay) for ax, ay, _, _ in overlay.limbs] + [(bx, by) for _, _, bx, by in overlay.limbs])
    half = len(overlay.limbs)
    limbs = [(a[0], a[1], b[0], b[1]) for a, b in zip(ends[:half], ends[half:])]
    corners = place_label_boxes([(x, y, lab[4], r.width(), r.height())
                                 for (x, y), lab, r in zip(screen, labels, rects)], limbs)
    for (text, _, _, side, _), r, (left, top) in zip(labels, rects, corners):
        text_box(p, metrics, QPointF(left - r.left(), top - r.top()), text,
                       qcolor(SIDE_COLOURS.get(side, CENTER_RGB)))


def _on_screen(t: QTransform, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points mapped by `t` as QTransform.map does (x * m11 + dx for the view's scale and shift), without a
    QPointF per point."""
    if t.type().value > QTransform.TransformationType.TxScale.value:
        return [(q.x(), q.y()) for q in (t.map(QPointF(x, y)) for x, y in points)]
    m11, m22, dx, dy = t.m11(), t.m22(), t.dx(), t.dy()
    return [(x * m11 + dx, y * m22 + dy) for x, y in points]


def text_box(p: QPainter, metrics, pos: QPointF, text: str, colour: QColor) -> None:
    rect = QRectF(metrics.boundingRect(text)).translated(pos).adjusted(-3, -1, 3, 1)
    p.fillRect(rect, QColor(0, 0, 0, 170))
    p.setPen(colour)
    p.drawText(pos, text)
