"""Placing the timeline's rows in pyqtgraph's GraphicsLayout without laying it out at each item: its addItem
activates the layout every time (each activation resizes every row, whose linked views re-range the others),
and a row put between others would otherwise mean removing every row from the scene and adding it again."""

from __future__ import annotations

from contextlib import contextmanager

import pyqtgraph as pg


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
