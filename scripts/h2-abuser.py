#!/usr/bin/env python3
"""HTTP/2 abusers for scripts/bench-h2-abuse.sh: each kind reconnects in a loop and sends its
abuse (rapid reset, CONTINUATION flood, PING flood, SETTINGS flood) until killed; prints how
many connections ended with a GOAWAY and how many were closed before a byte came back (the
gateway refuses a banned address at accept). SOURCE is the local address to connect from
(default 127.0.0.1): abusers are other clients than the one measured.

    h2-abuser.py PORT KIND [SECONDS] [SOURCE]
"""
import socket
import struct
import sys
import time


def frame(kind, flags=0, stream=0, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(text):
    data = text.encode()
    return bytes([len(data)]) + data


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4)
BLOCK = bytes([0x82, 0x86, 0x04]) + literal("/health") + bytes([0x01]) + literal("x")


def payload(kind):
    if kind == "reset":
        return PREFACE + b"".join(
            frame(1, 0x5, 2 * i + 1, BLOCK) + frame(3, 0, 2 * i + 1, struct.pack(">I", 8)) for i in range(400))
    if kind == "continuation":
        return PREFACE + frame(1, 0, 1, BLOCK) + b"".join(
            frame(9, 0, 1, b"\x00" + literal("x-a") + literal("b")) for _ in range(2000))
    if kind == "ping":
        return PREFACE + b"".join(frame(6, 0, 0, bytes(8)) for _ in range(2000))
    if kind == "settings":
        return PREFACE + b"".join(frame(4) for _ in range(2000))
    raise SystemExit("unknown kind " + kind)


def main():
    port, kind = int(sys.argv[1]), sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 1e9
    source = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    data = payload(kind)
    end = time.time() + seconds
    connections = goaways = refused = 0
    while time.time() < end:
        received = b""
        try:
            sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
        except OSError:
            continue
        try:
            sock.settimeout(5)
            sock.sendall(data)
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except socket.timeout:
            sock.close()
            continue
        except OSError:
            pass  # closed by the gateway while we were still sending: what we want
        sock.close()
        connections += 1
        if not received:
            refused += 1
        index = 0
        while index + 9 <= len(received):
            length = int.from_bytes(received[index:index + 3], "big")
            if received[index + 3] == 7:
                goaways += 1
                break
            index += 9 + length
    print(f"{kind}: {connections} connections, {goaways} ended with GOAWAY, {refused} closed before a byte")


if __name__ == "__main__":
    main()
