"""The picture: the current frame scaled to fit, the skeleton overlay, wheel zoom, drag pan, click to pick."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QRegion, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from posestudio.app import keypoint_marks as marks
from posestudio.app import overlay_paint as paint
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

CLICK_SLOP_PX = 4
MIN_ZOOM, MAX_ZOOM = 1.0, 16.0


@dataclass
class Overlay:
    """What to draw over one frame, in image pixels."""

    keypoint_set: object = None                      # posestudio.core.models.skeleton.KeypointSet
    people: list[tuple[int, np.ndarray]] = field(default_factory=list)   # (track id, (K, 3))
    followed: int = -1
    show_ids: bool = False
    threshold: float = DEFAULT_MIN_SCORE
    # text, x, y, side ("left"/"right"/"center": the colour), outward (-1: write it left of the point, 1: right)
    labels: list[tuple[str, float, float, str, int]] = field(default_factory=list)
    # keypoints picked for a new custom angle: x, y, text ("1 left_shoulder")
    picked: list[tuple[float, float, str]] = field(default_factory=list)
    manual: dict = field(default_factory=dict)   # track id -> (K,) flags of what the user's hand made
    limbs: list = field(default_factory=list)    # the followed person's confident segments (ax, ay, bx, by)


class VideoView(QWidget):
    person_clicked = Signal(int)   # track id of the person nearest to a click
    point_clicked = Signal(QPointF)   # image pixels; instead of person_clicked while picking keypoints
    nobody_clicked = Signal(QPointF)  # image pixels: a click in the picture on no drawn person
    person_menu_requested = Signal(int, object)   # right-click on a person: track id, global QPoint
    keypoint_moved = Signal(int, int, QPointF)   # editable: a keypoint dragged: track id, keypoint, image pixels
    # editable: right-click on a person: track id, keypoint under the cursor (-1: none), image point, global QPoint
    keypoint_menu_requested = Signal(int, int, QPointF, object)
    picture_resized = Signal(object)   # picture_size() changed (zoom, the view's size): (width, height)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 160)
        self.setMouseTracking(True)  # the cursor shows which keypoint a drag would take
        # it paints every pixel itself, so Qt need not paint the widgets under it first at each frame
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.frame_index = -1
        self.overlay = Overlay()
        self.placeholder = "Drop a video here, or use File > Open (Ctrl+O)."
        self._frame: np.ndarray | None = None
        self._image: QImage | None = None
        self._size = (0, 0)   # the clip's width and height: overlay and mouse work in its pixels
        self._zoom = 1.0
        self._center: QPointF | None = None   # image point shown at the widget's centre
        self._press: QPointF | None = None
        self._dragged = False
        self.fast_scaling = False   # while playing: nearest-pixel scaling, no antialiasing of the skeleton
        self.picking = False        # clicks pick keypoints (point_clicked) instead of people
        self.editable = False       # keypoints can be dragged (a complete analysis, not picking)
        self._hover: tuple[int, int] | None = None   # (track id, keypoint) a press would take
        self._grab: tuple[int, int] | None = None    # the one being dragged
        self._grab_pos: QPointF | None = None        # where it is being dragged to (image pixels)
        self._told_size: tuple[int, int] | None = None   # the picture size last told through picture_resized

    def set_picking(self, on: bool) -> None:
        """Clicks pick keypoints (point_clicked) while on, people otherwise."""
        self.picking = on

    # content
    def set_frame(self, index: int, frame: np.ndarray) -> None:
        """An RGB frame, or a frame from the loader: its picture ready to paint (converted off the GUI
        thread), maybe scaled down while playing, with the clip's size it stands for (`source_size`)."""
        image = getattr(frame, "image", None)
        if image is None:
            frame = np.ascontiguousarray(frame)
            h, w = frame.shape[:2]
            image = QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        size = tuple(getattr(frame, "source_size", None) or (frame.shape[1], frame.shape[0]))
        size_changed = self._frame is None or self._size != size
        self._frame, self._image, self._size = frame, image, size  # the QImage borrows the frame's buffer
        self.frame_index = index
        if size_changed:
            self.reset_view()
        self.update()

    def set_fast_scaling(self, fast: bool) -> None:
        self.fast_scaling = fast
        self.update()

    def set_overlay(self, overlay: Overlay) -> None:
        self.overlay = overlay
        self.update()

    def clear(self, placeholder: str | None = None) -> None:
        self._frame = self._image = None
        self.frame_index = -1
        self.overlay = Overlay()
        if placeholder is not None:
            self.placeholder = placeholder
        self.update()

    def displayed_frame(self) -> np.ndarray | None:
        return self._frame

    def picture_size(self) -> tuple[int, int] | None:
        """The clip's picture as painted now, in device pixels (at most the clip's own size): while playing
        the frames kept for the view are scaled to it."""
        if self._image is None:
            return None
        iw, ih = self._size
        scale = min(1.0, self._transform().m11() * self.devicePixelRatioF())
        return max(1, round(iw * scale)), max(1, round(ih * scale))

    # geometry
    def reset_view(self) -> None:
        self._zoom = 1.0
        self._center = None
        self._tell_size()
        self.update()

    def _tell_size(self) -> None:
        size = self.picture_size()
        if size is not None and size != self._told_size:
            self._told_size = size
            self.picture_resized.emit(size)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._tell_size()

    def _transform(self) -> QTransform:
        """Image pixels -> widget pixels."""
        if self._image is None:
            return QTransform()
        iw, ih = self._size
        scale = min(self.width() / iw, self.height() / ih) * self._zoom
        center = self._center if self._center is not None else QPointF(iw / 2, ih / 2)
        t = QTransform()
        t.translate(self.width() / 2 - center.x() * scale, self.height() / 2 - center.y() * scale)
        t.scale(scale, scale)
        return t

    def map_to_image(self, pos: QPointF) -> QPointF:
        inverted, ok = self._transform().inverted()
        return inverted.map(pos) if ok else QPointF()

    def map_from_image(self, x: float, y: float) -> QPointF:
        return self._transform().map(QPointF(x, y))

    def _clamp_center(self, c: QPointF) -> QPointF:
        iw, ih = self._size
        return QPointF(min(max(c.x(), 0.0), iw), min(max(c.y(), 0.0), ih))

    # painting
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()  # not left to garbage collection: a live painter after paintEvent breaks the backing store

    def _paint(self, p: QPainter) -> None:
        background = QColor(24, 24, 26)
        if self._image is None:
            p.fillRect(self.rect(), background)
            p.setPen(QColor(170, 170, 170))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        t = self._transform()
        iw, ih = self._size
        # only the margins around the picture: filling under it too cost a third of the picture's own drawing
        shown = t.mapRect(QRectF(0, 0, iw, ih))
        inner = QRect(QPoint(math.ceil(shown.left()), math.ceil(shown.top())),
                      QPoint(math.floor(shown.right()) - 1, math.floor(shown.bottom()) - 1))
        for rect in QRegion(self.rect()).subtracted(QRegion(inner)):
            p.fillRect(rect, background)
        self._draw_picture(p, t, shown)
        p.setTransform(t)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, not self.fast_scaling)
        people = [(tid, self._dragged_points(tid, kp)) for tid, kp in self.overlay.people]
        for track_id, kp in people:
            paint.draw_person(p, self.overlay, kp, track_id == self.overlay.followed or len(people) == 1)
        p.resetTransform()
        marks.draw_manual(p, t, people, self.overlay.manual)
        paint.draw_texts(p, t, self.overlay, self.font())
        paint.draw_picked(p, t, self.overlay)
        self._draw_grab(p, t, people)

    def _draw_picture(self, p: QPainter, t: QTransform, shown: QRectF) -> None:
        """A picture already scaled to the painted size (playing) is copied pixel for pixel at the device pixel
        nearest its place: a third of the cost of scaling it here. Otherwise it is scaled onto the clip's
        pixels: smoothly for a still being shrunk, by nearest pixel while playing (Qt's smooth scaling
        spreads over its pool threads and costs more CPU in all)."""
        image, (iw, ih) = self._image, self._size
        dpr = self.devicePixelRatioF()
        if ((image.width(), image.height()) != (iw, ih) and abs(shown.width() * dpr - image.width()) < 1.0
                and abs(shown.height() * dpr - image.height()) < 1.0):
            image.setDevicePixelRatio(dpr)
            p.drawImage(QPointF(round(shown.left() * dpr) / dpr, round(shown.top() * dpr) / dpr), image)
            return
        p.setTransform(t)
        if not self.fast_scaling and t.m11() * dpr * iw / image.width() < 0.99:  # enlarged pixels stay crisp
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if (image.width(), image.height()) == (iw, ih):
            p.drawImage(QPointF(0, 0), image)
        else:  # a scaled picture at another size (the view changed while playing): over the clip's pixels
            p.drawImage(QRectF(0, 0, iw, ih), image)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)

    # mouse
    def wheelEvent(self, event) -> None:
        if self._image is None:
            return
        steps = event.angleDelta().y() / 120.0
        if not steps:
            return
        pos = event.position()
        anchor = self.map_to_image(pos)
        self._zoom = min(max(self._zoom * 1.2 ** steps, MIN_ZOOM), MAX_ZOOM)
        scale = self._transform().m11()
        offset = (pos - QPointF(self.width() / 2, self.height() / 2)) / scale
        self._center = self._clamp_center(anchor - offset)  # the point under the cursor stays put
        self._tell_size()
        self.update()
        event.accept()

    def contextMenuEvent(self, event) -> None:
        if self.picking:
            return
        point = self.map_to_image(QPointF(event.pos()))
        hit = self._keypoint_under(QPointF(event.pos())) if self.editable else None
        picked = hit[0] if hit is not None else self.person_at(point)
        if picked is not None and self.editable:
            self.keypoint_menu_requested.emit(picked, hit[1] if hit else -1, point, event.globalPos())
        elif picked is not None:
            self.person_menu_requested.emit(picked, event.globalPos())

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._dragged = False
            self._grab = self._keypoint_under(event.position()) if self.editable and not self.picking else None

    def mouseMoveEvent(self, event) -> None:
        if self._press is None or self._image is None:
            self._update_hover(event.position())
            return
        delta = event.position() - self._press
        if not self._dragged and abs(delta.x()) + abs(delta.y()) < CLICK_SLOP_PX:
            return
        self._dragged = True
        if self._grab is not None:  # dragging a keypoint, not the picture
            self._grab_pos = self.map_to_image(event.position())
            self.update()
            return
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        scale = self._transform().m11()
        iw, ih = self._size
        center = self._center if self._center is not None else QPointF(iw / 2, ih / 2)
        self._center = self._clamp_center(center - delta / scale)
        self._press = event.position()
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        clicked = not self._dragged
        self._press = None
        grab, to, self._grab, self._grab_pos = self._grab, self._grab_pos, None, None
        self.unsetCursor()
        self._update_hover(event.position())
        if grab is not None and to is not None:
            self.update()
            self.keypoint_moved.emit(grab[0], grab[1], to)
        elif clicked and self.picking:
            self.point_clicked.emit(self.map_to_image(event.position()))
        elif clicked:
            self._click_person(self.map_to_image(event.position()))

    def _click_person(self, point: QPointF) -> None:
        """A click on a drawn person picks them; anywhere else it may be on someone the model missed."""
        picked = self.person_at(point)
        if picked is not None:
            self.person_clicked.emit(picked)
        elif self._image is not None and QRectF(0, 0, *self._size).contains(point):
            self.nobody_clicked.emit(point)

    def mouseDoubleClickEvent(self, event) -> None:
        self.reset_view()

    # correcting keypoints by hand
    def set_editable(self, on: bool) -> None:
        """Keypoints can be dragged (and right-clicked) while on."""
        self.editable = on
        if not on:
            self._hover = self._grab = self._grab_pos = None
            self.unsetCursor()
        self.update()

    def _keypoint_under(self, pos: QPointF) -> tuple[int, int] | None:
        if self._image is None:
            return None
        return marks.keypoint_at(self.overlay.people, pos, self._transform(), self.overlay.followed)

    def _update_hover(self, pos: QPointF) -> None:
        hover = self._keypoint_under(pos) if self.editable and not self.picking else None
        if hover != self._hover:
            self._hover = hover
            if hover is None:
                self.unsetCursor()
            else:
                self.setCursor(Qt.CursorShape.CrossCursor)
            self.update()

    def _dragged_points(self, track_id: int, kp: np.ndarray) -> np.ndarray:
        """The person's points, the one being dragged where the cursor is (the skeleton follows the drag)."""
        if self._grab is None or self._grab_pos is None or self._grab[0] != track_id:
            return kp
        kp = kp.copy()
        kp[self._grab[1], :2] = (self._grab_pos.x(), self._grab_pos.y())
        kp[self._grab[1], 2] = 1.0
        return kp

    def _draw_grab(self, p: QPainter, t: QTransform, people) -> None:
        which = self._grab or self._hover
        kset = self.overlay.keypoint_set
        if which is None or kset is None:
            return
        kp = next((k for tid, k in people if tid == which[0]), None)
        if kp is None or which[1] >= len(kp) or not np.isfinite(kp[which[1], :2]).all():
            return
        marks.draw_grab(p, t, float(kp[which[1], 0]), float(kp[which[1], 1]),
                        f"#{which[0]} {kset.names[which[1]]}", self._grab_pos is not None)

    def person_at(self, point: QPointF) -> int | None:
        """The track whose keypoints' box (padded) contains the point, nearest centre first."""
        best, best_d = None, np.inf
        x, y = point.x(), point.y()
        for track_id, kp in self.overlay.people:
            ok = np.isfinite(kp[:, 0]) & np.isfinite(kp[:, 1])
            if not ok.any():
                continue
            xs, ys = kp[ok, 0], kp[ok, 1]
            pad = 0.15 * max(xs.max() - xs.min(), ys.max() - ys.min(), 20.0)
            if not (xs.min() - pad <= x <= xs.max() + pad and ys.min() - pad <= y <= ys.max() + pad):
                continue
            d = np.hypot(x - xs.mean(), y - ys.mean())
            if d < best_d:
                best, best_d = track_id, d
        return best
