/// A log-linear latency histogram in the spirit of HdrHistogram: 64 linear sub-buckets per
/// power of two, so every recorded value is kept to within 1/64 (1.6 %) of its true value
/// whatever its magnitude, in a fixed 30 KB and O(1) per sample.
public struct LatencyHistogram: Sendable {
    static let subBucketBits = 7  // values below 2^7 are exact; above, 64 sub-buckets per octave
    static let bucketCount = 128 + 57 * 64

    private(set) var counts: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var maximum: UInt64 = 0
    private(set) var sum: Double = 0

    public init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    static func index(of value: UInt64) -> Int {
        let bits = 64 - value.leadingZeroBitCount
        if bits <= subBucketBits { return Int(value) }
        let shift = bits - subBucketBits
        return 128 + (shift - 1) * 64 + Int(value >> UInt64(shift)) - 64
    }

    /// The middle of the bucket at `index`.
    static func value(at index: Int) -> UInt64 {
        if index < 128 { return UInt64(index) }
        let shift = (index - 128) / 64 + 1
        let sub = UInt64((index - 128) % 64 + 64)
        return (sub << UInt64(shift)) + (UInt64(1) << UInt64(shift)) / 2
    }

    public mutating func record(_ value: UInt64) {
        counts[Self.index(of: value)] += 1
        count += 1
        sum += Double(value)
        if value > maximum { maximum = value }
    }

    public mutating func add(_ other: LatencyHistogram) {
        for index in counts.indices where other.counts[index] != 0 {
            counts[index] += other.counts[index]
        }
        count += other.count
        sum += other.sum
        maximum = max(maximum, other.maximum)
    }

    /// The value at or below which `fraction` (0...1) of the samples lie.
    public func percentile(_ fraction: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((fraction * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for index in counts.indices {
            seen += counts[index]
            if seen >= rank { return min(Self.value(at: index), maximum) }
        }
        return maximum
    }

    public var mean: Double { count == 0 ? 0 : sum / Double(count) }
}
