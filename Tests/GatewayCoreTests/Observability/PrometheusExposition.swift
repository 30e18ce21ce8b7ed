import Testing

/// One sample line of a Prometheus text exposition: `name{label="value",...} number`.
struct PrometheusSample: Sendable, CustomStringConvertible {
    var name: String
    var labels: [String: String]
    var value: Double

    var description: String {
        let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
        return "\(name){\(pairs.joined(separator: ","))} \(value)"
    }
}

/// A scraped `/metrics` body, parsed by hand (label escapes `\\`, `\"`, `\n` honoured) so the
/// tests check the wire text a Prometheus server would read.
struct PrometheusExposition: Sendable {
    let text: String
    let samples: [PrometheusSample]

    init(_ text: String) throws {
        self.text = text
        var samples: [PrometheusSample] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            samples.append(try Self.parse(Substring(line)))
        }
        self.samples = samples
    }

    /// Samples named `name` whose labels include every pair of `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [PrometheusSample] {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The value of the one sample named `name` with exactly `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum over samples named `name` whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples(name, labels).reduce(0) { $0 + $1.value }
    }

    /// Every label value of every sample.
    var allLabelValues: [String] { samples.flatMap { $0.labels.values } }

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "unparseable exposition line: \(line.debugDescription)" }
    }

    private static func parse(_ line: Substring) throws -> PrometheusSample {
        var rest = line
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest.removeFirst()
            while rest.first != "}" {
                guard let eq = rest.firstIndex(of: "=") else { throw ParseError(line: String(line)) }
                let key = String(rest[..<eq]).trimmingSpaces()
                rest = rest[rest.index(after: eq)...]
                guard rest.first == "\"" else { throw ParseError(line: String(line)) }
                rest.removeFirst()
                var value = ""
                while true {
                    guard let c = rest.first else { throw ParseError(line: String(line)) }
                    rest.removeFirst()
                    if c == "\"" { break }
                    if c == "\\" {
                        guard let escaped = rest.first else { throw ParseError(line: String(line)) }
                        rest.removeFirst()
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(c)
                    }
                }
                labels[key] = value
                if rest.first == "," { rest.removeFirst() }
            }
            rest.removeFirst()
        }
        let fields = rest.split(separator: " ")
        guard let first = fields.first, let value = Double(first) ?? Self.special(first) else {
            throw ParseError(line: String(line))
        }
        return PrometheusSample(name: name, labels: labels, value: value)
    }

    private static func special(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: nil
        }
    }
}

extension TestGateway {
    /// GET /metrics on the metrics listener (which flushes every loop first), parsed.
    func scrapeMetrics() async throws -> PrometheusExposition {
        let port = try #require(metricsPort, "gateway started without metrics")
        let response = try await RawHTTPClient.fetch(port: port, "GET", "/metrics")
        try #require(response.status == 200, "GET /metrics answered \(response.status)")
        return try PrometheusExposition(response.bodyString)
    }
}
