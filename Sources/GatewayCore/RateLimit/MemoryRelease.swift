#if canImport(Glibc)
import Glibc
#endif

/// Hands memory freed by a large sweep back to the system.
///
/// glibc keeps freed heap pages for reuse; after a flood of distinct clients has been swept away
/// that would leave the process's resident size at its peak. `malloc_trim` releases them (looked
/// up at run time: Swift's Glibc module does not export `malloc.h`).
public enum MemoryRelease {
    @discardableResult
    public static func returnFreedMemory() -> Bool {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        // A symbol lookup (RTLD_DEFAULT) and a C call: no buffer is read or written here.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return false }
        return unsafeBitCast(symbol, to: Trim.self)(0) == 1
        #else
        return false
        #endif
    }
}
