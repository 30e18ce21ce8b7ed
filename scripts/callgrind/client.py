# A keep-alive client for scripts/callgrind/per-request.sh: N GETs over 4 connections, each answer checked.
import socket, sys
port, n, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
req = ("GET /api/v1/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n" % token).encode()
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
def read_one(c):
    buf = b""
    while b"\r\n\r\n" not in buf: buf += c.recv(65536)
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(rest) < length: rest += c.recv(65536)
    assert head.startswith(b"HTTP/1.1 200"), head
for i in range(n // 4):
    for c in conns: c.sendall(req)
    for c in conns: read_one(c)
