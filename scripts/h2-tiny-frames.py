#!/usr/bin/env python3
"""An h2c client for scripts/h2-memory-probe.sh: opens STREAMS uploads (POST /api/v1/ingest/probe)
one after another on one connection and sends each FRAMES DATA frames of one byte (never
END_STREAM), 4096 frames per write; with SHIFT > 0 every write is SHIFT bytes out of step with
the frames, so each of the gateway's reads ends inside a frame header. A stream that takes no
bytes for 5 s (its window is full) is left for the next.

    h2-tiny-frames.py PORT JWT FRAMES STREAMS [SHIFT]
"""
import socket
import struct
import sys


def frame(kind, flags=0, stream=0, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def integer(value, prefix):
    limit = (1 << prefix) - 1
    if value < limit:
        return bytes([value])
    out = [limit]
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    return bytes(out + [value])


def field(name, value):
    name, value = name.encode(), value.encode()
    return b"\x00" + integer(len(name), 7) + name + integer(len(value), 7) + value


def main():
    port, jwt, frames, streams = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    shift = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    block = bytes([0x83, 0x86]) + field(":path", "/api/v1/ingest/probe") + field(":authority", "localhost") \
        + field("authorization", "Bearer " + jwt) + field("content-type", "application/octet-stream")
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4))
    for n in range(streams):
        stream = 2 * n + 1
        sock.sendall(frame(1, 0x4, stream, block))
        one = frame(0, 0, stream, b"x")
        batch = one * 4096
        if shift:
            sock.sendall(one[:shift])
            batch = one[shift:] + one * 4095 + one[:shift]
        sock.settimeout(5)
        sent = 0
        try:
            while sent < frames:
                sock.sendall(batch)
                sent += 4096
        except socket.timeout:
            pass
        print(f"stream {stream}: {sent} frames sent", flush=True)
    sock.close()


if __name__ == "__main__":
    main()
