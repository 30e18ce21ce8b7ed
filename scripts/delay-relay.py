#!/usr/bin/env python3
"""A TCP relay that delays every byte by DELAY_MS each way: a path with a round trip of
2 × DELAY_MS for a client on loopback, where netem is missing. Bytes are released in order once
their delay has passed, and the relay keeps no more than MAX_BYTES in flight each way (a link's
bandwidth-delay product: past it, it stops reading, and TCP slows the sender as a full link would).

    delay-relay.py LISTEN_PORT TARGET_PORT DELAY_MS [MAX_BYTES]
"""
import asyncio
import sys


class Direction(asyncio.Protocol):
    """One way of one connection: what `source` sends reaches `sink` DELAY_MS later."""

    def __init__(self, delay, max_bytes):
        self.delay = delay
        self.max_bytes = max_bytes
        self.source = None
        self.sink = None
        self.peer = None
        self.in_flight = 0
        self.reading = True
        self.sink_paused = False

    def connection_made(self, transport):
        self.source = transport

    def data_received(self, data):
        self.in_flight += len(data)
        loop = asyncio.get_running_loop()
        loop.call_later(self.delay, self.release, data)
        self.update_reading()

    def release(self, data):
        self.in_flight -= len(data)
        if self.sink is not None and not self.sink.is_closing():
            self.sink.write(data)
        self.update_reading()

    def eof_received(self):
        asyncio.get_running_loop().call_later(self.delay, self.release_eof)
        return True

    def release_eof(self):
        if self.sink is not None and not self.sink.is_closing() and self.sink.can_write_eof():
            try:
                self.sink.write_eof()
            except OSError:  # the other end has gone already
                self.sink.close()

    def connection_lost(self, exc):
        loop = asyncio.get_running_loop()
        loop.call_later(self.delay + 0.001, lambda: self.sink is not None and self.sink.close())

    # The sink's transport tells its own protocol (the other direction) to pause writing.
    def pause_writing(self):
        self.peer.sink_paused = True
        self.peer.update_reading()

    def resume_writing(self):
        self.peer.sink_paused = False
        self.peer.update_reading()

    def update_reading(self):
        want = self.in_flight < self.max_bytes and not self.sink_paused
        if want != self.reading and self.source is not None and not self.source.is_closing():
            self.reading = want
            (self.source.resume_reading if want else self.source.pause_reading)()


async def main():
    listen_port, target_port, delay_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    max_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else 64 << 20
    delay = delay_ms / 1000
    loop = asyncio.get_running_loop()

    def accepted():
        upward = Direction(delay, max_bytes)
        downward = Direction(delay, max_bytes)
        upward.peer, downward.peer = downward, upward

        async def connect():
            try:
                transport, _ = await loop.create_connection(lambda: downward, "127.0.0.1", target_port)
            except OSError:
                upward.source.close()
                return
            upward.sink = transport
            downward.sink = upward.source
            upward.source.resume_reading()

        def made(transport):
            Direction.connection_made(upward, transport)
            transport.pause_reading()
            loop.create_task(connect())

        upward.connection_made = made
        return upward

    server = await loop.create_server(accepted, "127.0.0.1", listen_port)
    print(f"relay {listen_port} -> {target_port}, {delay_ms} ms each way", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
