"""Placing the timeline's rows in pyqtgraph's GraphicsLayout without laying it out at each item: its addItem
activates the layout every time (each activation resizes every row, whose linked views re-range the others),
and a row put between others would otherwise mean removing every row from the scene and adding it again.
New rows laid out together are then drawn one per turn (Veiled)."""

from __future__ import annotations

from contextlib import contextmanager

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer


@contextmanager
def one_activation(ci: pg.GraphicsLayout):
    """Items added inside are laid out once, at the end (pyqtgraph's addItem activates the layout each time)."""
    ci.layout.activate = lambda: None   # shadows the C++ method on this wrapper only
    try:
        yield
    finally:
        del ci.layout.activate
    ci.layout.activate()


def place(ci: pg.GraphicsLayout, cells: list[tuple[object, int, int]]) -> None:
    """Put each (item, row, col) in its cell: added when new, else moved there, staying in the scene (removing
    an item from the scene and adding it back costs pyqtgraph a walk over all its children). The items that
    move leave their cells first: a grid cell takes one item at a time."""
    moving = [(item, r, c) for item, r, c in cells if item in ci.items and ci.items[item] != [(r, c)]]
    for item, _r, _c in moving:
        for r, c in ci.items[item]:
            if ci.rows.get(r, {}).get(c) is item:
                del ci.rows[r][c]
        ci.layout.removeAt(ci.itemIndex(item))
    for item, r, c in moving:
        ci.layout.addItem(item, r, c)
        ci.items[item] = [(r, c)]
        ci.rows.setdefault(r, {})[c] = item
    for item, r, c in cells:
        if item not in ci.items:
            ci.addItem(item, row=r, col=c)


def take_out(ci: pg.GraphicsLayout, item) -> None:
    """Remove `item` from the layout and the scene (a row hidden or gone)."""
    if item in ci.items:
        ci.removeItem(item)


class Veiled:
    """Rows in the layout that are drawn one per event-loop turn, in order, once `start`ed (after the layout):
    until its turn a row has opacity 0, which Qt does not paint, so each turn's paint draws one row, not all."""

    def __init__(self, owner: QObject, interval_ms: int):
        self._owner, self._interval, self._rows, self._timed = owner, interval_ms, [], False

    def add(self, rows: list) -> None:
        for row in rows:
            self._show(row, False)
            self._rows.append(row)

    def drop(self, row) -> None:
        self._rows = [r for r in self._rows if r is not row]

    def start(self) -> None:
        if self._rows and not self._timed:
            self._timed = True
            QTimer.singleShot(self._interval, self._owner, self._next)

    def _next(self) -> None:
        self._timed = False
        if self._rows:
            self._show(self._rows.pop(0), True)
        self.start()

    @staticmethod
    def _show(row, on: bool) -> None:
        for item in (row.plot, row.label):
            item.setOpacity(1.0 if on else 0.0)
