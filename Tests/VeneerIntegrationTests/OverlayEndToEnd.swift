import Testing

/// The overlay suites against slapd and the `veneer` binary, one test at a time: each starts
/// servers and runs many client processes, and the rest of the package's tests (TLS handshakes
/// and timeouts measured in seconds) share the same 2 cores.
@Suite("Overlay end to end", .serialized)
enum OverlayEndToEnd {}
