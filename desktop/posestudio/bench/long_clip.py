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
    first = min(p.pts for p in packets)
    period = max(p.pts for p in packets) - first + (packets[1].pts - packets[0].pts if len(packets) > 1 else 1)
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
