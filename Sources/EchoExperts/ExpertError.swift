import Foundation
import EchoMLLM
import EchoReferences
import EchoStore

/// An error from the experts: which layer failed, with its own typed error.
public enum ExpertError: Error, Sendable, CustomStringConvertible {
    /// Knowledge or a question file could not be read: what was wrong and what to do.
    case input(String)
    /// The store failed.
    case store(StoreError)
    /// The Reference Extractor or the vision expert failed.
    case references(ReferenceExtractorError)
    /// The MLLM failed.
    case mllm(MLLMError)

    public var description: String {
        switch self {
        case .input(let message): return message
        case .store(let error): return error.description
        case .references(let error): return error.description
        case .mllm(let error): return error.description
        }
    }
}

extension ExpertError {
    /// The bytes of the file at `path`, which holds `what` ("the image", "the answers").
    /// - Throws: `.input` naming the file and why it cannot be read.
    static func readFile(_ path: String, what: String) throws(ExpertError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .input("cannot read \(what) \(path): \(error.localizedDescription)")
        }
    }
}
