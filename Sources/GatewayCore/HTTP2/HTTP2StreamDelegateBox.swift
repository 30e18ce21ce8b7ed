import NIOCore
import NIOHTTP2

/// The connection manager's stream delegate behind one reference.
///
/// NIO keeps the delegate inside the multiplexer state it copies on every frame; the manager's
/// own delegate is a loop-bound struct of two references, so each copy cost two retains and two
/// releases, ~48 of each per proxied GET (callgrind). Boxed, a copy is one.
final class HTTP2StreamDelegateBox: NIOHTTP2StreamDelegate {
    private let delegate: NIOHTTP2ServerConnectionManagementHandler.HTTP2StreamDelegate

    init(_ delegate: NIOHTTP2ServerConnectionManagementHandler.HTTP2StreamDelegate) {
        self.delegate = delegate
    }

    func streamCreated(_ id: HTTP2StreamID, channel: any Channel) {
        delegate.streamCreated(id, channel: channel)
    }

    func streamClosed(_ id: HTTP2StreamID, channel: any Channel) {
        delegate.streamClosed(id, channel: channel)
    }
}
