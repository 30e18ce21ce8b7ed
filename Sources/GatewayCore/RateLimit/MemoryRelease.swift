#if canImport(Glibc)
    import Glibc

    /// glibc's `malloc_trim`, bound by name: Swift's Glibc module does not export `malloc.h`.
    @_silgen_name("malloc_trim")
    private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// Hands memory freed by a large sweep back to the system.
///
/// glibc keeps freed heap pages for reuse; after a flood of distinct clients has been swept away
/// that would leave the process's resident size at its peak. `malloc_trim` releases them.
public enum MemoryRelease {
    @discardableResult
    public static func returnFreedMemory() -> Bool {
        #if canImport(Glibc)
            return glibcMallocTrim(0) == 1
        #else
            return false
        #endif
    }
}
