/// When to give a peer back the flow-control window its DATA used (RFC 9113 §6.9, §5.2): once a
/// quarter of the target is used, by what brings it back to the target. At half (nghttp2's
/// choice) a sender waits out a round trip unless the target is twice what a round trip carries;
/// at a quarter, four thirds of it are enough, for one WINDOW_UPDATE per quarter.
/// Bytes received but held (a stream whose reads are paused) are not given back until released:
/// that is how a slow upstream slows the client's upload.
struct HTTP2InboundWindow {
    let target: Int
    /// Bytes received and not yet handed on.
    private(set) var held = 0
    /// The window's size as NIO last reported it.
    private var size: Int?

    init(target: Int) {
        self.target = target
    }

    /// NIO reports the window's new size (DATA arrived, or an update went out): the increment to
    /// send now, if any.
    mutating func changed(to newSize: Int) -> Int? {
        size = newSize
        return increment()
    }

    mutating func hold(_ count: Int) {
        held += count
    }

    /// Held bytes handed on: the increment to send now, if any.
    mutating func release(_ count: Int) -> Int? {
        held -= count
        return increment()
    }

    private func increment() -> Int? {
        guard let size else { return nil }
        let open = size + held
        let missing = target - open
        // A negative window (SETTINGS shrank it) is past a quarter too.
        guard missing >= target / 4 else { return nil }
        return min(missing, Int(Int32.max))
    }
}
