import EchoExperts
import Foundation

/// The JSON documents users hand Echo: knowledge in Echo's format or MMAD's
/// `domain_knowledge.json` (`echoctl knowledge import`), MMAD's `mmad.json` questions and
/// answers files (`echoctl eval mmad`, `eval mmad-score`). Echo's own JSON reader
/// (`JSONValue`, which keeps member order as MMAD's scorer does) is behind the last three.
enum JSONHarnesses {
    static let echoKnowledge = FuzzHarness(name: "echo-knowledge", summary: "knowledge import (Echo's format and MMAD's)") { bytes in
        do {
            let entries = try KnowledgeImporter.entries(from: Data(bytes), source: "fuzz.json")
            precondition(!entries.isEmpty, "an accepted knowledge file has no entries")
            return .accepted
        } catch {
            return .rejected("input")
        }
    }

    static let mmadKnowledge = FuzzHarness(name: "mmad-knowledge", summary: "MMAD domain_knowledge.json as --domain_knowledge reads it") { bytes in
        do {
            let knowledge = try MMADDomainKnowledge(data: Data(bytes), source: "fuzz.json")
            _ = knowledge.text(forImage: "MVTec-AD/bottle/test/good/000.png")
            return .accepted
        } catch {
            return .rejected("input")
        }
    }

    static let mmadQuestions = FuzzHarness(name: "mmad-questions", summary: "MMAD mmad.json question records") { bytes in
        do {
            let questions = try MMADQuestions(data: Data(bytes), source: "fuzz.json")
            for (path, record) in questions.records {
                _ = MMADQuestions.datasetAndClass(of: path)
                for question in record.conversation { _ = question.options.count }
            }
            return .accepted
        } catch {
            return .rejected("input")
        }
    }

    static let mmadAnswers = FuzzHarness(name: "mmad-answers", summary: "MMAD answers files (Echo's and MMAD's)") { bytes in
        do {
            _ = try MMADAnswerRecord.records(in: Data(bytes), source: "fuzz.json")
            return .accepted
        } catch {
            return .rejected("input")
        }
    }
}
