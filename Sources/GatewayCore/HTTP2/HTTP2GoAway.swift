import NIOCore
import NIOHTTP2

/// Ends an HTTP/2 connection at once with a GOAWAY naming the reason (RFC 9113 §6.8).
enum HTTP2GoAway {
    static func send(_ code: HTTP2ErrorCode, andClose connection: any Channel) {
        let frame = HTTP2Frame(
            streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: code, opaqueData: nil))
        connection.writeAndFlush(frame).whenComplete { _ in connection.close(promise: nil) }
    }
}

extension HTTP2GoAway {
    /// A stream could not send for the progress timeout (SPEC §10, 60 s): the client does not open its window.
    static func clientStalled(_ connection: any Channel) { send(.enhanceYourCalm, andClose: connection) }
}
