import Foundation

/// The answers of an evaluation in progress: appended one JSON line at a time to
/// `<out>.partial.jsonl` (flushed to disk every line), so a killed run resumes where it
/// stopped; `finish` writes the final JSON list atomically and removes the journal.
final class AnswerJournal: @unchecked Sendable {
    let outputPath: String
    var journalPath: String { outputPath + ".partial.jsonl" }
    private let lock = NSLock()
    private var handle: FileHandle?
    private var answers: [MMADAnswer] = []

    /// Opens the journal, reading answers already given: the finished output file, if
    /// one exists, and the lines of an interrupted run (a torn last line is dropped).
    /// - Throws: `.input` when the output cannot be read or the journal cannot be opened.
    init(outputPath: String) throws(ExpertError) {
        self.outputPath = outputPath
        let manager = FileManager.default
        if manager.fileExists(atPath: outputPath) {
            do {
                answers = try JSONDecoder().decode([MMADAnswer].self, from: Data(contentsOf: URL(fileURLWithPath: outputPath)))
            } catch {
                throw .input("\(outputPath) exists but is not an answers file Echo can resume (\(error)); move it away or pass another --out (`echoctl eval mmad-score` scores any answers file)")
            }
        }
        if let data = manager.contents(atPath: journalPath) {
            for line in data.split(separator: UInt8(ascii: "\n")) {
                if let answer = try? JSONDecoder().decode(MMADAnswer.self, from: Data(line)) { answers.append(answer) }
            }
        }
        // Keep the last answer per question, in first-asked order, minus the ones to ask again.
        var latest: [String: MMADAnswer] = [:], order: [String] = []
        for answer in answers {
            let key = Self.key(answer.image, answer.echo_index)
            if latest.updateValue(answer, forKey: key) == nil { order.append(key) }
        }
        answers = order.compactMap { latest[$0] }.filter { !$0.shouldRetry }
        do {
            let directory = (outputPath as NSString).deletingLastPathComponent
            if !directory.isEmpty { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            // Rewrite the journal with what is kept, then append to it.
            let kept = try answers.map { try JSONEncoder.lines.encode($0) + Data("\n".utf8) }.reduce(Data(), +)
            try kept.write(to: URL(fileURLWithPath: journalPath), options: .atomic)
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journalPath))
            try handle?.seekToEnd()
        } catch {
            throw .input("cannot write the answers journal \(journalPath): \(error.localizedDescription)")
        }
    }

    deinit {
        try? handle?.close()
    }

    /// An answer's identity: its image and its question's position in the record (two
    /// questions with the same text on one image stay apart).
    static func key(_ image: String, _ index: Int) -> String { image + "\u{1F}" + String(index) }

    /// The questions already answered.
    var answeredKeys: Set<String> { lock.withLock { Set(answers.map { Self.key($0.image, $0.echo_index) }) } }

    var all: [MMADAnswer] { lock.withLock { answers } }

    /// Records an answer and flushes it to disk.
    /// - Throws: `.input` when the journal cannot be written (a full disk).
    func append(_ answer: MMADAnswer) throws(ExpertError) {
        do {
            let line = try JSONEncoder.lines.encode(answer) + Data("\n".utf8)
            try lock.withLock {
                try handle?.write(contentsOf: line)
                try handle?.synchronize()
                answers.append(answer)
            }
        } catch {
            throw .input("cannot write the answers journal \(journalPath): \(error.localizedDescription); free some space and run again to resume")
        }
    }

    /// Writes every answer, in `order`'s order, as the final JSON list (temporary file,
    /// then rename) and removes the journal.
    /// - Throws: `.input` when the file cannot be written.
    func finish(order: [String]) throws(ExpertError) -> [MMADAnswer] {
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let sorted = all.sorted { (rank[Self.key($0.image, $0.echo_index)] ?? .max) < (rank[Self.key($1.image, $1.echo_index)] ?? .max) }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(sorted).write(to: URL(fileURLWithPath: outputPath), options: .atomic)
            try lock.withLock {
                try handle?.close()
                handle = nil
            }
            try FileManager.default.removeItem(atPath: journalPath)
        } catch {
            throw .input("cannot write the answers \(outputPath): \(error.localizedDescription); the journal \(journalPath) keeps them")
        }
        return sorted
    }
}

extension JSONEncoder {
    /// Compact, one object per line.
    static var lines: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
