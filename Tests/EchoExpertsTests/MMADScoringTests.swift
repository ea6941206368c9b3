import Foundation
import Testing
@testable import EchoExperts

/// MMAD's scorer rules (summary.py, transcribed in MMADSummaryTable's documentation),
/// each checked on answers whose table is computed here by hand.
@Suite("MMAD's table as its scorer computes it")
struct MMADScoringTests {
    static func answer(_ image: String, _ type: String, _ correct: String?, _ given: String?) -> MMADAnswerRecord {
        MMADAnswerRecord(image: image, questionType: type, correctAnswer: correct, gptAnswer: given)
    }

    static let normal = "MVTec-AD/bottle/test/good/000.png", defective = "MVTec-AD/bottle/test/broken/000.png"

    @Test("an answer whose letter is not A-E is dropped, and the answer after it is skipped, whatever it is")
    func droppedAndSkipped() {
        let answers = [
            Self.answer(Self.defective, "Defect Classification", "A", "A"),
            Self.answer(Self.defective, "Defect Classification", "A", "I cannot tell"),
            Self.answer(Self.defective, "Defect Classification", "A", "A"), // skipped
            Self.answer(Self.defective, "Defect Classification", "A", "B"),
            Self.answer(Self.defective, "Defect Classification", "F", "F"), // dropped: F is not a letter MMAD accepts
            Self.answer(Self.defective, "Defect Classification", "B", "B"), // skipped
            Self.answer(Self.defective, "Defect Classification", "B", ""), // dropped; nothing after it
        ]
        let table = MMADSummaryTable(answers)
        #expect(table.dropped == 3 && table.skipped == 2)
        let row = table.rows[0]
        #expect(row.values["Defect Classification"] == 50, "counted: right, wrong")
        // The strict table counts all seven: three right (F is no letter).
        let strict = MMADScores(answers)
        #expect(abs(strict.rows[0].accuracy["Defect Classification"]! - 3.0 / 7) < 1e-12 && strict.unanswered == 3)
    }

    @Test("a missing question type, and a missing Anomaly Detection side, score 0 and enter the average")
    func missingCellsAreZero() {
        let answers = [
            Self.answer("VisA/candle/test/bad/0.png", "Anomaly Detection", "A", "A"),
            Self.answer("VisA/candle/test/bad/0.png", "Defect Localization", "B", "B"),
            Self.answer("GoodsAD/drink/test/good/0.png", "Anomaly Detection", "B", "B"),
            Self.answer("GoodsAD/drink/test/good/0.png", "Object Details", "C", "A"),
            Self.answer("GoodsAD/drink/test/good/1.png", "Object Structure", "C", "C"),
        ]
        let table = MMADSummaryTable(answers)
        #expect(table.columns == ["Anomaly Detection", "Defect Localization", "Object Analysis", "Average", "Recall", "Precision", "F1", "Overkill", "Miss"])
        let visa = table.rows[0].values, goods = table.rows[1].values, average = table.rows[2].values
        #expect(table.rows.map(\.label) == ["VisA", "GoodsAD", "Average"])
        #expect(visa["Anomaly Detection"] == 50, "no normal image: that side is 0")
        #expect(visa["Object Analysis"] == 0 && abs(visa["Average"]! - 50) < 1e-12, "(50 + 100 + 0) / 3")
        #expect(visa["Overkill"] == 100 && visa["Miss"] == 0 && visa["Recall"] == 100 && visa["Precision"] == 100 && visa["F1"] == 100)
        #expect(goods["Anomaly Detection"] == 50 && goods["Defect Localization"] == 0 && goods["Object Analysis"] == 50)
        #expect(goods["Recall"] == 0 && goods["Precision"] == 0 && goods["F1"] == 0 && goods["Overkill"] == 0 && goods["Miss"] == 100)
        #expect(abs(average["Average"]! - (50 + 100.0 / 3) / 2) < 1e-12 && average["Miss"] == 50 && average["Anomaly Detection"] == 50)
        #expect(abs(table.headline - average["Average"]!) < 1e-12)
        // Echo's strict table: only the cells a dataset has.
        let strict = MMADScores(answers)
        #expect(strict.rows[0].accuracy == ["Anomaly Detection": 1, "Defect Localization": 1])
    }

    @Test("precision, recall and F1 are of the anomalous class on Anomaly Detection; 'good' anywhere in the path is normal")
    func detectionColumns() {
        let answers = [
            Self.answer("MVTec-LOCO/box/test/good/0.png", "Anomaly Detection", "B", "A"), // false positive
            Self.answer("MVTec-LOCO/box/test/good/1.png", "Anomaly Detection", "B", "B"),
            Self.answer("MVTec-LOCO/box/test/logical/0.png", "Anomaly Detection", "A", "A"), // true positive
            Self.answer("MVTec-LOCO/box/test/logical/1.png", "Anomaly Detection", "A", "A"),
            Self.answer("MVTec-LOCO/box/test/logical/2.png", "Anomaly Detection", "A", "B"), // miss
            Self.answer("MVTec-LOCO/goodies/test/bad/0.png", "Anomaly Detection", "B", "B"), // "good" in the class name: normal
        ]
        let row = MMADSummaryTable(answers).rows[0].values
        #expect(abs(row["Anomaly Detection"]! - (2.0 / 3 + 2.0 / 3) / 2 * 100) < 1e-9)
        #expect(abs(row["Recall"]! - 200.0 / 3) < 1e-9 && abs(row["Precision"]! - 200.0 / 3) < 1e-9 && abs(row["F1"]! - 200.0 / 3) < 1e-9)
        #expect(abs(row["Overkill"]! - 100.0 / 3) < 1e-9 && abs(row["Miss"]! - 100.0 / 3) < 1e-9)
    }

    @Test("the CSV has MMAD's _accuracy.csv layout: an unnamed index column, Python's float digits")
    func csvLayout() {
        let answers = [
            Self.answer(Self.defective, "Anomaly Detection", "A", "A"),
            Self.answer(Self.normal, "Anomaly Detection", "B", "A"),
            Self.answer(Self.normal, "Object Structure", "A", "A"),
            Self.answer(Self.defective, "Defect Analysis", "B", "A"),
            Self.answer(Self.defective, "Defect Analysis", "B", "B"),
            Self.answer(Self.defective, "Defect Analysis", "B", "B"),
        ]
        let lines = MMADSummaryTable(answers).csv().split(separator: "\n").map(String.init)
        #expect(lines[0] == ",Anomaly Detection,Object Analysis,Defect Analysis,Average,Recall,Precision,F1,Overkill,Miss")
        // Python: (0+1)/2*100 = 50.0; 2/3*100 = 66.66666666666666; (50+100+66.66666666666666)/3 = 72.22222222222221.
        #expect(lines[1] == "MVTec-AD,50.0,100.0,66.66666666666666,72.22222222222221,100.0,50.0,66.66666666666666,100.0,0.0")
        #expect(lines[2].hasPrefix("Average,50.0,100.0,66.66666666666666,72.22222222222221,"))
        #expect(MMADSummaryTable(answers).csv(columns: ["Average"]).hasPrefix(",Average\nMVTec-AD,72.22222222222221\n"))
    }

    @Test("MMAD's own answers files are read: question as a dict or as text, a non-text answer is not a letter; other files are clear errors")
    func readsAnswerFiles() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/answers_1_shot_model.json"
        try Data("""
            [{"image": "DS-MVTec/bottle/image/broken_large/000.png", "question": {"type": "text", "text": "Question 1: Is there any defect? \\nA. Yes.\\nB. No.\\n", "options": {"A": "Yes.", "B": "No."}}, "question_type": "Anomaly Detection", "correct_answer": "A", "gpt_answer": "A"},
             {"image": "DS-MVTec/bottle/image/good/000.png", "question": "Question 1: Is there any defect?", "question_type": "Anomaly Detection", "correct_answer": "B", "gpt_answer": null},
             {"image": "DS-MVTec/bottle/image/good/001.png", "question": "Question 1: Is there any defect?", "question_type": "Anomaly Detection", "correct_answer": "B", "gpt_answer": "B", "class": "bottle"}]
            """.utf8).write(to: URL(fileURLWithPath: path))
        let answers = try MMADAnswerRecord.read(path: path)
        #expect(answers.count == 3 && answers[0].questionText?.hasPrefix("Question 1") == true && answers[1].gptAnswer == nil)
        let table = MMADSummaryTable(answers)
        #expect(table.dropped == 1 && table.skipped == 1)
        #expect(table.rows[0].values["Anomaly Detection"] == 50, "the defective side only; the normal side has no counted answer")
        for (text, expected) in [("{}", "not a list of answers"), ("[{\"image\": \"a\"}]", "answer 0: missing \"question_type\""),
                                 ("[{\"image\": 3, \"question_type\": \"t\"}]", "answer 0.image: a number, not text"), ("[", "not JSON")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: ExpertError.self) { try MMADAnswerRecord.read(path: path) }
            do { _ = try MMADAnswerRecord.read(path: path) } catch { #expect(error.description.contains(expected), "\(error)") }
        }
    }
}

@Suite("MMAD's letter extraction, Python's difflib and random, order-keeping JSON")
struct MMADParsingTests {
    static func options(_ texts: [String]) -> [MultipleChoiceQuestion.Option] {
        texts.enumerated().map { .init(letter: String(UnicodeScalar(UInt8(65 + $0.offset))), text: $0.element) }
    }

    @Test("the last standalone A-E as Python's \\b([A-E])\\b finds it (values from python3's re)")
    func standaloneLetter() {
        let cases: [(String, String?)] = [
            ("After comparing, the answer is (C).", "C"), ("A jagged break", "A"), ("Answer: B. Because", "B"), ("The answer is D_", nil),
            ("É B", "B"), ("x²B", nil), ("B²", nil), ("CAT", nil), ("e.g. E.", "E"), ("", nil), ("B or C", "C"),
        ]
        for (text, expected) in cases { #expect(MMADLetterExtraction.lastStandaloneLetter(in: text) == expected, "\(text)") }
    }

    @Test("with no letter, the option difflib.get_close_matches picks (values from python3's difflib, autojunk included)")
    func closestOption() {
        #expect(MMADLetterExtraction.letter(in: "I cannot tell.", options: Self.options(["Top right.", "Top left.", "Center.", "Bottom right."]))! == ("C", true))
        #expect(MMADLetterExtraction.letter(in: "", options: Self.options(["Yes.", "No."]))! == ("A", true), "all 0: the greater text, 'Yes.'")
        #expect(MMADLetterExtraction.letter(in: "zz", options: Self.options(["ab", "cd"]))! == ("B", true))
        let long = String(repeating: "the defect is a scratch near the top right corner of the object and it looks like a long thin line. ", count: 3)
        let texts = ["A long thin scratch.", "A round hole.", "A stain of oil on the surface near the corner.", "Nothing."]
        // difflib: [0.00625, 0.01278, 0.00578, 0.006494] -> 'A round hole.' (the reply is over 200 characters: popular ones cannot start a match)
        let matcher = SequenceMatcher(second: Array(long.unicodeScalars))
        let ratios = texts.map { (matcher.ratio(first: Array($0.unicodeScalars)) * 1e6).rounded() / 1e6 }
        #expect(ratios == [0.00625, 0.012780, 0.005780, 0.006494].map { ($0 * 1e6).rounded() / 1e6 })
        #expect(MMADLetterExtraction.letter(in: long, options: Self.options(texts))! == ("B", true))
        #expect(MMADLetterExtraction.letter(in: "no idea", options: []) == nil)
    }

    @Test("Python's random.seed and random.sample, both of sample's algorithms (values from python3)")
    func pythonRandom() {
        var random = PythonRandom(seed: 1)
        #expect([random.next(), random.next(), random.next()] == [577_090_037, 2_444_712_010, 3_639_700_191])
        var large = PythonRandom(seed: 1)
        #expect(large.sample(Array(0..<100_000), count: 10) == [17611, 74606, 8271, 33432, 15455, 64937, 99740, 58915, 61898, 85405])
        var small = PythonRandom(seed: 7)
        #expect(small.sample(Array(0..<30), count: 4) == [10, 4, 12, 20])
    }

    @Test("objects keep their members' order; escapes, numbers and nesting limits as JSON defines them")
    func orderedJSON() throws {
        let value = try JSONValue.parse(Data(#"{"z": 1, "a": [true, null, -2.5e1], "m": "\u00e9\ud83d\ude00\n\"", "k": {}}"#.utf8))
        #expect(value.members?.map(\.key) == ["z", "a", "m", "k"])
        #expect(value["a"] == .array([.bool(true), .null, .number(-25)]) && value["m"]?.stringValue == "é😀\n\"")
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Data(deep.utf8)) }
        for bad in ["{\"a\" 1}", "[1,]", "\"\u{01}\"", "01x", "{\"a\": tru}", "[1] 2", "\"\\x\""] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSONValue.parse(Data(bad.utf8)) }
        }
    }
}
