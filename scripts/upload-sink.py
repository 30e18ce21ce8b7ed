#!/usr/bin/env python3
"""An upstream for upload measurements (scripts/bench-rtt.sh): reads each request's body whole
(Content-Length or chunked), then answers 200 with the count.

    upload-sink.py PORT
"""
import socket, threading, sys
port = int(sys.argv[1])
def serve(c):
    f = c.makefile('rb', buffering=1 << 20)
    while True:
        head = b""
        while True:
            line = f.readline()
            if not line: return
            if line in (b"\r\n", b"\n"): break
            head += line
        h = {l.split(b":",1)[0].strip().lower(): l.split(b":",1)[1].strip() for l in head.split(b"\r\n")[1:] if b":" in l}
        n = 0
        if b"content-length" in h:
            left = int(h[b"content-length"])
            while left:
                d = f.read(min(left, 1 << 20)); left -= len(d); n += len(d)
                if not d: return
        elif h.get(b"transfer-encoding", b"").lower() == b"chunked":
            while True:
                size = int(f.readline().split(b";")[0], 16)
                if size == 0:
                    while f.readline() not in (b"\r\n", b"\n", b""): pass
                    break
                left = size
                while left:
                    d = f.read(min(left, 1 << 20)); left -= len(d); n += len(d)
                f.readline()
        body = b'{"received":%d}' % n
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(128)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
