/// One row of the SPEC §9 route table.
///
/// Patterns: `P*` and `P/*` both mean P and everything below it on a segment boundary (the
/// remainder is appended to the internal prefix); `{x}` is exactly one segment; anything else is exact.
///
/// A class: every match and every plan carries its route, and a reference is one count where a
/// copy of the strings would be several.
public final class Route: Sendable {
    /// Who may call the route; checked on the row the matcher chose (SPEC §6, §8).
    public enum Access: Sendable, Equatable {
        case authenticated
        case `public`
        /// Authenticated and holding at least one of these roles (case-sensitive).
        case anyRole([String])
    }

    /// Where a matched request goes.
    public enum Target: Sendable, Equatable {
        case upstream(ServiceName, internalPath: String)
        case health
        case readiness
    }

    /// The public pattern as written in the table: the route's name in logs and metrics.
    public let pattern: String
    /// nil means every method.
    public let methods: [String]?
    public let target: Target
    public let access: Access
    /// What the gateway answers itself on this route, nil when it forwards: `target` without its
    /// strings, so the per-request test copies nothing (switching on `target` copied them).
    public let localAnswer: LocalAnswer?

    public enum LocalAnswer: Sendable {
        case health
        case readiness
    }

    /// `Route("POST /api/v1/agents/{id}/execute", .orchestration, "/execute")`: an optional
    /// method list before the path, as in SPEC §9.
    public convenience init(
        _ spec: String, _ service: ServiceName, _ internalPath: String, access: Access = .authenticated
    ) {
        let (methods, pattern) = Self.split(spec)
        self.init(
            pattern: pattern, methods: methods, target: .upstream(service, internalPath: internalPath), access: access)
    }

    /// A route the gateway answers itself.
    public convenience init(_ spec: String, answeredBy target: Target) {
        let (methods, pattern) = Self.split(spec)
        self.init(pattern: pattern, methods: methods, target: target, access: .public)
    }

    public init(pattern: String, methods: [String]?, target: Target, access: Access) {
        self.pattern = pattern
        self.methods = methods
        self.target = target
        self.access = access
        localAnswer =
            switch target {
            case .upstream: nil
            case .health: .health
            case .readiness: .readiness
            }
    }

    public var service: ServiceName? {
        if case .upstream(let service, _) = target { return service }
        return nil
    }

    private static func split(_ spec: String) -> ([String]?, String) {
        guard let space = spec.lastIndex(of: " ") else { return (nil, spec) }
        let methods = spec[..<space].split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        return (methods, String(spec[spec.index(after: space)...]))
    }
}
