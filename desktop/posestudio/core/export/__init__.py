"""Annotated video export: the clip with skeleton, angles and plot burnt in."""
