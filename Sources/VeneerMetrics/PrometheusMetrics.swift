import CoreMetrics
import Prometheus

/// The process's metrics backend: swift-metrics calls anywhere in Veneer (counters in the
/// engine and client, timers in the listener) land in one Prometheus registry, which the
/// operator endpoint prints. Installed once per process by `veneer serve`; without it every
/// metric is a no-op (tests that run servers in-process, the CLI's other commands).
public enum PrometheusMetrics {
    /// Bootstraps swift-metrics with a Prometheus factory and returns its registry.
    /// Histogram buckets suit LDAP: most operations take well under a millisecond against a
    /// replica, a few milliseconds against an upstream, seconds only when something is wrong.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry: registry))
        return registry
    }

    /// The factory `bootstrap` installs (also used directly by tests, without the global).
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        return factory
    }

    static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
}
