import EchoEmbedding
import Foundation
import Testing
@testable import EchoStore

@Suite("Calibration exclusions and run drift in the store")
struct AuditAndDriftStorageTests {
    static func store(_ directory: TemporaryDirectory) throws -> (ReferenceStore, [Int64]) {
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        _ = try store.ensureCategory("cap", embedder: StoreFixture.identity)
        let ids = StoreFixture.addedIDs(try store.add((0..<5).map { StoreFixture.reference($0) }, to: "bottle"))
        _ = try store.add([StoreFixture.reference(99)], to: "cap")
        return (store, ids)
    }

    @Test("an exclusion is kept with its reason, counted in stats, and readmitting removes it")
    func excludeAndReadmit() throws {
        let directory = try TemporaryDirectory()
        let (store, ids) = try Self.store(directory)
        try store.excludeFromCalibration([ids[1]: "audit: z 9.0", ids[3]: "audit: z 4.0"], in: "bottle")
        let exclusions = try store.calibrationExclusions(in: "bottle")
        #expect(Set(exclusions.keys) == [ids[1], ids[3]])
        #expect(exclusions[ids[1]]?.reason == "audit: z 9.0")
        #expect(try store.statistics(category: "bottle", measuringRecall: false).first?.excludedFromCalibration == 2)
        #expect(try store.calibrationExclusions(in: "cap").isEmpty)
        #expect(try store.readmitToCalibration([ids[1], ids[2]], in: "bottle") == [ids[1]])
        #expect(Set(try store.calibrationExclusions(in: "bottle").keys) == [ids[3]])
    }

    @Test("excluding an id that is not a live golden sample of the category changes nothing and names it")
    func unknownIDsRejected() throws {
        let directory = try TemporaryDirectory()
        let (store, ids) = try Self.store(directory)
        let capID = try #require(try store.list(category: "cap").first?.id)
        #expect {
            try store.excludeFromCalibration([ids[0]: "x", capID: "y", 12345: "z"], in: "bottle")
        } throws: { error in
            let error = error as? StoreError
            return error?.code == .invalidArgument && error?.message.contains("\(capID), 12345") == true
        }
        #expect(try store.calibrationExclusions(in: "bottle").isEmpty)
    }

    @Test("a removed golden sample leaves the exclusions")
    func removedSampleLeaves() throws {
        let directory = try TemporaryDirectory()
        let (store, ids) = try Self.store(directory)
        try store.excludeFromCalibration([ids[2]: "audit"], in: "bottle")
        _ = try store.remove(ids: [ids[2]])
        #expect(try store.calibrationExclusions(in: "bottle").isEmpty)
    }

    @Test("a run's drift is stored with it, and recent scores and background levels are those since a time, newest first")
    func runDriftAndRecentScores() throws {
        let directory = try TemporaryDirectory()
        let (store, _) = try Self.store(directory)
        let drift = ScoreDrift(normalScores: 3, calibrationScores: 5, ksStatistic: 0.4, pValue: 0.5, normalMedian: 1.1,
                               calibrationMedian: 1.0, medianShift: 0.1, normalShare: 0.5, calibrationNormalShare: 0.9,
                               backgroundImages: 4, calibrationBackgrounds: 5, backgroundKSStatistic: nil, backgroundPValue: nil,
                               backgroundMedian: 0.4, calibrationBackgroundMedian: 0.5, drifted: false, message: "not judged (few)")
        let run = try store.beginRun(category: "bottle", threshold: 2)
        try store.recordResults([0.5, 3.0, 0.7, 1.9].enumerated().map {
            RunResultRecord(imagePath: "/q/\($0.offset).png", verdict: $0.element < 1.8 ? "normal" : "anomalous", score: $0.element,
                            background: $0.element / 2, details: "{}")
        }, run: run)
        try store.finishRun(run, summary: ["normal": 2], drift: drift)
        #expect(try store.drift(ofRun: run) == drift)
        let untracked = try store.beginRun(category: "bottle", threshold: 2)
        try store.finishRun(untracked, summary: [:])
        #expect(try store.drift(ofRun: untracked) == nil)
        #expect { try store.drift(ofRun: 999) } throws: { ($0 as? StoreError)?.code == .invalidArgument }
        let recent = try store.recentScores(of: "bottle", since: "2000-01-01T00:00:00Z")
        #expect(recent.map(\.score) == [1.9, 0.7, 3.0, 0.5])
        #expect(recent.map(\.background) == [0.95, 0.35, 1.5, 0.25])
        #expect(try store.recentScores(of: "bottle", since: "2000-01-01T00:00:00Z", limit: 1).map(\.score) == [1.9])
        #expect(try store.recentScores(of: "bottle", since: "2999-01-01T00:00:00Z").isEmpty)
        #expect(try store.recentScores(of: "cap", since: "2000-01-01T00:00:00Z").isEmpty)
        #expect(try store.results(ofRun: run).map(\.background) == [0.25, 1.5, 0.35, 0.95])
    }
}
