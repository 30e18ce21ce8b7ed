#!/usr/bin/env python3
"""An upstream for upload measurements (scripts/bench-rtt.sh, scripts/h2-memory-probe.sh): reads
each request's body whole (Content-Length or chunked), then answers 200 with the count.

    upload-sink.py PORT
"""
import socket
import sys
import threading


def read_exactly(stream, count):
    """Reads and drops `count` bytes; False if the connection ended first."""
    while count:
        data = stream.read(min(count, 1 << 20))
        if not data:
            return False
        count -= len(data)
    return True


def read_body(stream, fields):
    """The body's length, or None if the connection ended inside it."""
    if b"content-length" in fields:
        count = int(fields[b"content-length"])
        return count if read_exactly(stream, count) else None
    if fields.get(b"transfer-encoding", b"").lower() != b"chunked":
        return 0
    total = 0
    while True:
        line = stream.readline()
        if not line:
            return None
        size = int(line.split(b";")[0], 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b"\n", b""):
                pass
            return total
        if not read_exactly(stream, size + 2):
            return None
        total += size


def serve(connection):
    stream = connection.makefile("rb", buffering=1 << 20)
    while True:
        lines = []
        while True:
            line = stream.readline()
            if not line:
                return
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line)
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip()
        count = read_body(stream, fields)
        if count is None:
            return
        body = b'{"received":%d}' % count
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(sys.argv[1])))
    server.listen(128)
    while True:
        connection, _ = server.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
