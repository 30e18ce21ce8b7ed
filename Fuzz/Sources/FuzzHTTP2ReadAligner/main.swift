import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Fuzz.http2ReadAligner(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}
