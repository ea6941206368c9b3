import Foundation

/// Which of a questions file's images an evaluation answers.
public enum MMADSubset: Sendable, Equatable {
    /// Every image, in the file's order (as MMAD's scripts iterate).
    case all
    /// The images named, in the order given (`--keys FILE`, one path per line).
    case keys([String])
    /// MMAD's debug subset, exactly: `random.seed(1); random.sample(list(chat_ad.keys()), 1600)`
    /// (`internvl_query.py --debug`), in the order that sample returns.
    case mmadDebug
    /// Up to `perClass` images of every dataset/class, drawn with `seed`, in file order:
    /// a quick run that still covers every class.
    case stratified(perClass: Int, seed: UInt32)

    /// The size of MMAD's debug subset.
    public static let mmadDebugCount = 1600

    /// The selected records.
    /// - Throws: `.input` when a named key is not in the file, or the file has fewer
    ///   images than MMAD's debug subset samples.
    public func select(_ records: [(path: String, record: MMADRecord)]) throws(ExpertError) -> [(path: String, record: MMADRecord)] {
        switch self {
        case .all:
            return records
        case .keys(let keys):
            let byPath = Dictionary(records.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            var seen = Set<String>()
            var selected: [(path: String, record: MMADRecord)] = []
            for key in keys where seen.insert(key).inserted {
                guard let record = byPath[key] else {
                    throw .input("the key \(key) is not an image of the questions file; keys are paths as mmad.json has them (DS-MVTec/bottle/image/...)")
                }
                selected.append(record)
            }
            return selected
        case .mmadDebug:
            guard records.count >= Self.mmadDebugCount else {
                throw .input("MMAD's debug subset samples \(Self.mmadDebugCount) images, but the questions file has \(records.count)")
            }
            var random = PythonRandom(seed: 1)
            return random.sample(records, count: Self.mmadDebugCount)
        case .stratified(let perClass, let seed):
            var byClass: [String: [Int]] = [:], order: [String] = []
            for (index, record) in records.enumerated() {
                let (dataset, className) = MMADQuestions.datasetAndClass(of: record.path)
                let key = dataset + "/" + className
                if byClass[key] == nil { order.append(key) }
                byClass[key, default: []].append(index)
            }
            var random = PythonRandom(seed: UInt64(seed))
            var chosen = Set<Int>()
            for key in order {
                let indices = byClass[key]!
                chosen.formUnion(indices.count <= perClass ? indices : random.sample(indices, count: perClass))
            }
            return records.indices.filter(chosen.contains).map { records[$0] }
        }
    }
}

/// Python's `random` module as far as `random.seed(int)` and `random.sample` go: the
/// Mersenne Twister MT19937 seeded by `init_by_array` with the integer's 32-bit words,
/// `_randbelow` by rejection on `getrandbits(n.bit_length())`, and `sample`'s two
/// algorithms (a shrinking pool, or a set of chosen positions for large populations),
/// chosen as Python chooses them. Same seed, same population: the same sample.
struct PythonRandom {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// As `random.seed(seed)` for a non-negative integer.
    init(seed: UInt64) {
        var key: [UInt32] = []
        var rest = seed
        repeat {
            key.append(UInt32(truncatingIfNeeded: rest))
            rest >>= 32
        } while rest > 0
        initialise(19_650_218)
        var i = 1, j = 0
        for _ in 0..<max(624, key.count) {
            let previous = state[i - 1] ^ (state[i - 1] >> 30)
            state[i] = (state[i] ^ (previous &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1
            j += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            let previous = state[i - 1] ^ (state[i - 1] >> 30)
            state[i] = (state[i] ^ (previous &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
        }
        state[0] = 0x8000_0000
        index = 624
    }

    private mutating func initialise(_ seed: UInt32) {
        state[0] = seed
        for i in 1..<624 { state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i) }
        index = 624
    }

    /// The next tempered 32-bit output (`genrand_uint32`).
    mutating func next() -> UInt32 {
        if index >= 624 {
            for k in 0..<624 {
                let y = (state[k] & 0x8000_0000) | (state[(k + 1) % 624] & 0x7FFF_FFFF)
                state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// `random._randbelow(n)` for 0 < n < 2³²: `getrandbits(n.bit_length())` until below n.
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0 && n < 1 << 32)
        let bits = Int.bitWidth - n.leadingZeroBitCount
        while true {
            let r = Int(next() >> UInt32(32 - bits))
            if r < n { return r }
        }
    }

    /// `random.sample(population, count)`.
    mutating func sample<T>(_ population: [T], count: Int) -> [T] {
        let n = population.count
        precondition(count >= 0 && count <= n)
        var setSize = 21
        if count > 5 { setSize += Int(pow(4, ceil(log(Double(count * 3)) / log(4)))) }
        var result: [T] = []
        result.reserveCapacity(count)
        if n <= setSize {
            var pool = population
            for i in 0..<count {
                let j = below(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            }
        } else {
            var selected = Set<Int>()
            for _ in 0..<count {
                var j = below(n)
                while selected.contains(j) { j = below(n) }
                selected.insert(j)
                result.append(population[j])
            }
        }
        return result
    }
}
