import Foundation
import NIOCore
import RESP
import Testing

/// The RESP fuzz target's seeds and crash inputs (`Fuzz/Corpus/FuzzRESP`, `Fuzz/Regressions/FuzzRESP`),
/// replayed in the main suite: each parses alike in one read and split anywhere.
@Suite struct RESPFuzzInputTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs() -> [(String, [UInt8])] {
        ["Corpus", "Regressions"].flatMap { folder -> [(String, [UInt8])] in
            let directory = root.appendingPathComponent("\(folder)/FuzzRESP")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.sorted().compactMap { name in
                (try? Data(contentsOf: directory.appendingPathComponent(name))).map { ("\(folder)/\(name)", Array($0)) }
            }
        }
    }

    private func parse(_ reads: [ArraySlice<UInt8>]) -> ([RESPValue], RESPParser.ProtocolError?) {
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        for read in reads {
            buffer.writeBytes(read)
            do {
                while let value = try RESPParser().next(from: &buffer) { values.append(value) }
            } catch {
                return (values, error)
            }
        }
        return (values, nil)
    }

    @Test func seedsAndRegressionsParseAlikeHoweverSplit() {
        let inputs = Self.inputs()
        #expect(inputs.count >= 7, "Fuzz/Corpus/FuzzRESP or Fuzz/Regressions/FuzzRESP went missing")
        for (name, bytes) in inputs {
            let whole = parse([bytes[...]])
            for cut in 1..<max(1, bytes.count) {
                let split = parse([bytes[..<cut], bytes[cut...]])
                #expect(split.0 == whole.0 && split.1 == whole.1, "\(name) split at \(cut)")
            }
        }
    }
}
