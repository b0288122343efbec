"""The stall bench's rounds: every mode measured each round, the order reversed every other round."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from posestudio.bench import stall


def test_rounds_measure_every_mode_and_alternate_their_order(monkeypatch):
    order = []
    monkeypatch.setattr(stall, "cli_run", lambda *a: order.append("cli") or {"mode": "cli"})
    monkeypatch.setattr(stall, "window_run", lambda app, settings, video, playing, cache, limit:
                        order.append("played" if playing else "paused") or {"mode": "w", "cache": cache})

    class Settings:
        model_id = ""

    args = Namespace(repeat=3, cli_priority="same", max_seconds=1.0)
    case = stall.measure_case(None, Settings(), Path("clip.mp4"), "m", Path("/tmp/x"), args, "t")
    assert order == ["cli", "paused", "played", "played", "paused", "cli", "cli", "paused", "played"]
    assert [len(case[m]) for m in ("cli", "paused", "played")] == [3, 3, 3]
    caches = [r["cache"].name for r in case["paused"] + case["played"]]
    assert len(set(caches)) == 6, "each window run analyses from scratch in a cache of its own"
