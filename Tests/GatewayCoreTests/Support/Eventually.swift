/// Polls `condition` until it holds, for state that offers no event to await (a metric, a key in
/// Redis). Fails with what it waited for when `within` passes.
func eventually(
    _ what: String, within: Duration = .seconds(15), every pause: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + within
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestTimeoutError(waitingFor: what, after: within) }
        try await Task.sleep(for: pause)
    }
}
