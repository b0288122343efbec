"""A long clip for the benchmarks: a short one played over and over, written into a folder the caller owns
(a temporary one; never the repository). Packets are copied, not re-encoded, so it takes seconds."""

from __future__ import annotations

from pathlib import Path


def loop_clip(video: Path, minutes: float, folder: Path) -> Path:
    """An MP4 of `video`'s video stream repeated until it lasts at least `minutes`; returns its path."""
    import av

    out_path = Path(folder) / f"{Path(video).stem}_loop{minutes:g}min.mp4"
    with av.open(str(video)) as src:
        stream = src.streams.video[0]
        packets = [p for p in src.demux(stream) if p.dts is not None]
    tb = stream.time_base
    pts = sorted(p.pts for p in packets)
    # one frame's duration after the last frame (packets come in decode order: B-frames make the first
    # two packets' difference several frames long, a gap at every repeat)
    step = min((b - a for a, b in zip(pts, pts[1:]) if b > a), default=1)
    period = pts[-1] - pts[0] + step
    repeats = max(1, int(round(minutes * 60.0 / float(period * tb) + 0.4999)))
    with av.open(str(video)) as src, av.open(str(out_path), "w") as dst:
        stream = src.streams.video[0]
        out = dst.add_stream_from_template(stream)
        for r in range(repeats):
            src.seek(0)
            for packet in src.demux(stream):
                if packet.dts is None:
                    continue
                packet.pts += r * period
                packet.dts += r * period
                packet.stream = out
                dst.mux(packet)
    return out_path
