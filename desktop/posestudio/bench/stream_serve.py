"""Serve a video file as a live MPEG-TS stream on 127.0.0.1, paced at its real-time rate.

For the live tests and the latency benchmark: a stand-in for a network camera. The video packets are
remuxed, not re-encoded (no CPU taken from the pipeline being measured), and sent when the wall clock
reaches their decode timestamp. Audio is left out.

    python -m posestudio.bench.stream_serve CLIP tcp://127.0.0.1:PORT [--seconds N]

A tcp URL listens and waits for one client; a udp URL sends datagrams whether anyone listens or not.
Only loopback addresses are accepted.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from urllib.parse import urlsplit

import av


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    """Whether a TCP socket listens on 127.0.0.1:port, read from /proc on Linux (connecting would take the
    one connection the server accepts)."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as fh:
        return any(f[1] == wanted and f[3] == "0A" for f in (line.split() for line in fh.readlines()[1:]))


def _check_loopback(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "udp") or parts.hostname != "127.0.0.1" or not parts.port:
        raise SystemExit(f"stream_serve: {url} is not a tcp:// or udp:// URL on 127.0.0.1 with a port.")
    if parts.scheme == "tcp":
        return url + ("&" if "?" in url else "?") + "listen=1"
    return url + ("&" if "?" in url else "?") + "pkt_size=1316"


def serve(clip: str, url: str, seconds: float | None = None, loop: bool = False, delay: float = 0.0) -> int:
    """Send `clip`'s video to `url` in real time for `seconds` (None: to the end), starting after `delay`
    seconds (time for a udp receiver to start listening). Returns packets sent."""
    target = _check_loopback(url)
    sent = 0
    time.sleep(delay)
    with av.open(clip) as src, av.open(target, "w", format="mpegts") as out:
        ins = src.streams.video[0]
        outs = out.add_stream_from_template(ins)
        start = time.monotonic()
        offset = 0.0  # seconds added on each loop of the clip
        dts0 = None   # the clip's first decode timestamp (before its first pts when it has B-frames)
        while True:
            last = None
            for packet in src.demux(ins):
                if packet.dts is None:
                    continue
                dts0 = packet.dts if dts0 is None else dts0
                t = float((packet.dts - dts0) * ins.time_base) + offset
                last = t
                if seconds is not None and t >= seconds:
                    return sent
                wait = start + t - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                shift = int(round(offset / ins.time_base))
                packet.dts += shift
                packet.pts = None if packet.pts is None else packet.pts + shift
                packet.stream = outs
                out.mux(packet)
                sent += 1
            if not loop or last is None:
                return sent
            offset = last + float(1 / (ins.average_rate or 30))
            src.seek(0, stream=ins)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stream_serve", description=__doc__.splitlines()[0])
    p.add_argument("clip")
    p.add_argument("url", help="tcp://127.0.0.1:PORT (waits for one client) or udp://127.0.0.1:PORT")
    p.add_argument("--seconds", type=float, help="stop after this much of the clip")
    p.add_argument("--loop", action="store_true", help="start the clip again at its end")
    p.add_argument("--delay", type=float, default=0.0, help="seconds to wait before sending (udp)")
    args = p.parse_args(argv)
    try:
        serve(args.clip, args.url, args.seconds, args.loop, args.delay)
    except (av.FFmpegError, OSError) as exc:  # the client went away: normal end for a server
        print(f"stream_serve: stopped ({exc}).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
