/// What one run measured.
public struct BenchReport: Sendable {
    public var options: BenchOptions
    public var seconds: Double
    var histogram = LatencyHistogram()
    var operations = [Int](repeating: 0, count: OperationKind.allCases.count)
    var errors = [Int](repeating: 0, count: OperationKind.allCases.count)
    var entries = [Int](repeating: 0, count: OperationKind.allCases.count)
    public var connectionsOpened = 0
    public var connectionsLost = 0
    public var firstError: String?

    init(options: BenchOptions, seconds: Double) {
        self.options = options
        self.seconds = seconds
    }

    public var totalOperations: Int { operations.reduce(0, +) }
    public var totalErrors: Int { errors.reduce(0, +) }
    public var operationsPerSecond: Double { seconds > 0 ? Double(totalOperations - totalErrors) / seconds : 0 }

    /// Latency of the successful operations, in microseconds.
    public func percentileMicroseconds(_ fraction: Double) -> Double { Double(histogram.percentile(fraction)) / 1000 }

    var entriesPerSearch: Double {
        let searches = operations[OperationKind.searchUID.rawValue] + operations[OperationKind.phonebook.rawValue]
        let found = entries[OperationKind.searchUID.rawValue] + entries[OperationKind.phonebook.rawValue]
        return searches == 0 ? 0 : Double(found) / Double(searches)
    }

    public var text: String {
        func fixed(_ value: Double, _ decimals: Int) -> String {
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            let rounded = (value * scale).rounded() / scale
            var text = "\(rounded)"
            if let dot = text.firstIndex(of: ".") {
                let have = text.distance(from: dot, to: text.endIndex) - 1
                if have < decimals { text += String(repeating: "0", count: decimals - have) }
            }
            return decimals == 0 ? String(text.prefix { $0 != "." }) : text
        }
        var lines = [
            "\(options.workload.rawValue) against \(options.host):\(options.port), \(options.connections) connections, \(fixed(seconds, 1)) s measured after \(fixed(options.warmupSeconds, 1)) s warm-up",
            "  \(fixed(operationsPerSecond, 0)) ops/s   \(totalOperations) operations, \(totalErrors) errors, \(connectionsLost) connections lost",
            "  latency  p50 \(fixed(percentileMicroseconds(0.5), 0)) µs   p99 \(fixed(percentileMicroseconds(0.99), 0)) µs   p99.9 \(fixed(percentileMicroseconds(0.999), 0)) µs   max \(fixed(Double(histogram.maximum) / 1000, 0)) µs   mean \(fixed(histogram.mean / 1000, 0)) µs",
        ]
        if options.workload == .mix {
            let parts = OperationKind.allCases.map { "\($0.name) \(operations[$0.rawValue])" }
            lines.append("  mix: " + parts.joined(separator: ", "))
        }
        if entriesPerSearch > 0 { lines.append("  entries per search: \(fixed(entriesPerSearch, 1))") }
        if let firstError { lines.append("  first error: \(firstError)") }
        return lines.joined(separator: "\n")
    }

    /// One JSON object on one line.
    public var json: String {
        func string(_ value: String) -> String {
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default:
                    if scalar.value < 0x20 {
                        out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
        let fields: [(String, String)] = [
            ("workload", string(options.workload.rawValue)),
            ("server", string("\(options.host):\(options.port)")),
            ("connections", "\(options.connections)"),
            ("seconds", "\(seconds)"),
            ("ops", "\(totalOperations)"),
            ("errors", "\(totalErrors)"),
            ("ops_per_s", "\(operationsPerSecond)"),
            ("p50_us", "\(percentileMicroseconds(0.5))"),
            ("p99_us", "\(percentileMicroseconds(0.99))"),
            ("p999_us", "\(percentileMicroseconds(0.999))"),
            ("max_us", "\(Double(histogram.maximum) / 1000)"),
            ("mean_us", "\(histogram.mean / 1000)"),
            ("entries_per_search", "\(entriesPerSearch)"),
            ("connections_opened", "\(connectionsOpened)"),
            ("connections_lost", "\(connectionsLost)"),
            ("first_error", firstError.map(string) ?? "null"),
        ]
        return "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}
