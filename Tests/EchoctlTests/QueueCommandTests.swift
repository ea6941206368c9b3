import EchoImaging
import EchoTestSupport
import Foundation
import Testing

/// `echoctl inspect --queue`, `echoctl worker` and `echoctl runs show` as real processes on
/// a real PostgreSQL: a worker killed with SIGKILL while it holds leases, its jobs taken
/// over by another once the leases lapse, every image recorded once.
@Suite("echoctl queued inspection", .serialized)
struct QueueCommandTests {
    /// A store with golden crops of the real photo, calibrated, and a folder of images to
    /// inspect (clean crops and two painted scratches).
    static func prepare(_ store: [String], _ directory: TemporaryDirectory, images: Int) throws -> String {
        let golden = directory.path + "/golden", line = directory.path + "/line"
        for folder in [golden, line] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for i in 0..<6 { try ImageEncoder.writePNG(try PaintedDataset.crop(dx: (i % 3) * 3, dy: (i / 3) * 3), toPath: "\(golden)/\(i).png") }
        for i in 0..<images {
            let crop = try PaintedDataset.crop(dx: 1 + i % 5, dy: 1 + i / 5)
            let image = i < 2 ? try PaintedDataset.scratched(crop, box: (60, 60, 150, 150)) : crop
            try ImageEncoder.writePNG(image, toPath: String(format: "%@/%02d.png", line, i))
        }
        let ingested = try CommandRunner.run(["ingest", golden, "-c", "parts"] + store)
        #expect(ingested.status == 0, "\(ingested.stderr)")
        let calibrated = try CommandRunner.run(["calibrate", "-c", "parts"] + store)
        #expect(calibrated.status == 0, "\(calibrated.stderr)")
        return line
    }

    /// A TCP port that accepts connections and never answers: an MLLM that hangs.
    static func blackHole() throws -> (socket: Int32, url: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/v1")
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    @Test("a worker killed while it holds leases: another takes its jobs when they lapse; every image recorded once; the run finishes")
    func killedWorkersJobsAreReclaimed() throws {
        let database = try TestDatabase()
        let directory = try TemporaryDirectory(), cache = try TemporaryDirectory(), cacheW1 = try TemporaryDirectory(), cacheW2 = try TemporaryDirectory()
        let store = ["--store", database.url, "--cache", cache.path]
        let line = try Self.prepare(store, directory, images: 8)

        let enqueued = try CommandRunner.run(["inspect", line, "-c", "parts", "--queue", "--mllm", "--json"] + store)
        #expect(enqueued.status == 0, "\(enqueued.stderr)")
        let run = try #require(Self.json(enqueued.stdout)["runID"] as? Int, "\(enqueued.stdout)")
        #expect(Self.json(enqueued.stdout)["queued"] as? Int == 8)
        let pending = try CommandRunner.run(["runs", "show", "\(run)"] + store)
        #expect(pending.status == 2 && pending.stdout.contains("running, 0 of 8 recorded"), "\(pending.stdout) \(pending.stderr)")

        // Worker 1 claims two jobs and hangs in the MLLM review; it is killed holding them.
        let hole = try Self.blackHole()
        defer { close(hole.socket) }
        let worker1 = Process()
        worker1.executableURL = URL(fileURLWithPath: try #require(CommandRunner.binary))
        worker1.arguments = ["worker", "--name", "w1", "--batch", "2", "--lease", "3", "--mllm-url", hole.url, "--mllm-model", "m",
                             "--store", database.url, "--cache", cacheW1.path]
        worker1.standardOutput = FileHandle.nullDevice
        worker1.standardError = FileHandle.nullDevice
        try worker1.run()
        var held: [String] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, held.count < 2 {
            held = try database.psql("SELECT id FROM inspection_jobs WHERE lease_owner = 'w1' AND NOT done ORDER BY id").split(separator: "\n").map(String.init)
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(held.count == 2, "worker 1 claimed its batch")
        kill(worker1.processIdentifier, SIGKILL)
        worker1.waitUntilExit()
        #expect(worker1.terminationReason == .uncaughtSignal)

        // Worker 2 (no MLLM here: the vision expert decides, marked so) waits out the leases.
        let worker2 = try CommandRunner.run(["worker", "--name", "w2", "--exit-when-idle", "--lease", "3", "--poll", "0.2", "--json",
                                             "--store", database.url, "--cache", cacheW2.path])
        #expect(worker2.status == 0, "\(worker2.stderr)")
        let summary = Self.json(worker2.stdout)
        #expect(summary["recorded"] as? Int == 8 && summary["lost"] as? Int == 0 && (summary["runsFinished"] as? [Int]) == [run], "\(worker2.stdout)")
        let attempts = try database.psql("SELECT attempts FROM inspection_jobs WHERE id IN (\(held.joined(separator: ","))) ORDER BY id")
        #expect(attempts.split(separator: "\n").map(String.init) == ["2", "2"], "the killed worker's jobs were claimed again")
        #expect(try database.psql("SELECT count(*), count(DISTINCT job_id) FROM run_results WHERE run_id = \(run)") .trimmingCharacters(in: .whitespacesAndNewlines) == "8|8")

        let shown = try CommandRunner.run(["runs", "show", "\(run)", "--json"] + store)
        #expect(shown.status == 3, "finished, with the two scratches anomalous: \(shown.stdout) \(shown.stderr)")
        let status = try #require(Self.json(shown.stdout)["status"] as? [String: Any])
        #expect(status["state"] as? String == "finished" && status["recorded"] as? Int == 8 && status["images"] as? Int == 8)
        #expect((status["summary"] as? [String: Int])?["anomalous"] == 2, "\(status)")
        let details = (Self.json(shown.stdout)["results"] as? [[String: Any]] ?? []).compactMap { $0["details"] as? String }
        #expect(details.count == 8 && details.allSatisfy { $0.contains("no MLLM configured") }, "reviews asked for, decided by the vision expert alone")
    }

    @Test("the service enqueues: a run started on node A, images added, sealed; a worker inspects it; node B shows it finished")
    func serviceEnqueues() async throws {
        let database = try TestDatabase()
        let directory = try TemporaryDirectory(), cache = try TemporaryDirectory(), cacheA = try TemporaryDirectory(), cacheB = try TemporaryDirectory()
        let line = try Self.prepare(["--store", database.url, "--cache", cache.path], directory, images: 3)
        let (a, baseA, printedA) = try ClusterCommandTests.node(database.url, cache: cacheA)
        defer { ClusterCommandTests.stop(a) }
        let (b, baseB, _) = try ClusterCommandTests.node(database.url, cache: cacheB)
        defer { ClusterCommandTests.stop(b) }
        let (created, run, _) = try await ClusterCommandTests.send("POST", baseA + "/v1/categories/parts/runs?neighbours=2")
        #expect(created == 201 && (run as? [String: Any])?["state"] as? String == "enqueuing", "\(run) \(printedA())")
        let id = try #require((run as? [String: Any])?["id"] as? Int)
        let (emptySeal, _, _) = try await ClusterCommandTests.send("POST", baseA + "/v1/runs/\(id)/seal")
        #expect(emptySeal == 400, "a run without images is not sealed")
        for name in try FileManager.default.contentsOfDirectory(atPath: line).sorted() {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(line)/\(name)"))
            let (added, body, _) = try await ClusterCommandTests.send("POST", baseA + "/v1/runs/\(id)/images?name=\(name)", body: bytes)
            #expect(added == 202, "\(body)")
        }
        let (notImage, wrong, _) = try await ClusterCommandTests.send("POST", baseA + "/v1/runs/\(id)/images", body: Data("no image".utf8))
        #expect(notImage == 400 && ClusterCommandTests.values("code", in: wrong) == ["bad_image"])
        let (sealed, status, _) = try await ClusterCommandTests.send("POST", baseB + "/v1/runs/\(id)/seal")
        #expect(sealed == 200 && (status as? [String: Any])?["state"] as? String == "running" && (status as? [String: Any])?["images"] as? Int == 3)
        let (late, _, _) = try await ClusterCommandTests.send("POST", baseA + "/v1/runs/\(id)/images", body: try Data(contentsOf: URL(fileURLWithPath: "\(line)/00.png")))
        #expect(late == 400, "a sealed run takes no more images")

        let worker = try CommandRunner.run(["worker", "--exit-when-idle", "--poll", "0.2", "--store", database.url, "--cache", cache.path])
        #expect(worker.status == 0 && worker.stdout.contains("3 recorded"), "\(worker.stdout) \(worker.stderr)")
        let (shown, progress, _) = try await ClusterCommandTests.send("GET", baseB + "/v1/runs/\(id)")
        let shownStatus = (progress as? [String: Any])?["status"] as? [String: Any]
        #expect(shown == 200 && shownStatus?["state"] as? String == "finished" && shownStatus?["recorded"] as? Int == 3, "\(progress)")
        let images = ((progress as? [String: Any])?["results"] as? [[String: Any]] ?? []).compactMap { $0["image"] as? String }.sorted()
        #expect(images == ["00.png", "01.png", "02.png"])
        #expect((shownStatus?["summary"] as? [String: Int])?["anomalous"] == 2, "the two painted scratches: \(progress)")
    }

    @Test("a SQLite store has no queue: inspect --queue and worker exit 69 saying so; runs show reads a local run")
    func sqliteSaysUnsupported() throws {
        let directory = try TemporaryDirectory()
        let store = ["--store", directory.path + "/store"]
        let line = try Self.prepare(store, directory, images: 2)
        let queued = try CommandRunner.run(["inspect", line, "-c", "parts", "--queue"] + store)
        #expect(queued.status == 69 && queued.stderr.contains("unsupported") && queued.stderr.contains("PostgreSQL"), "\(queued.stderr)")
        let worker = try CommandRunner.run(["worker", "--exit-when-idle"] + store)
        #expect(worker.status == 69, "\(worker.stderr)")
        let local = try CommandRunner.run(["inspect", line, "-c", "parts", "--json"] + store)
        let run = try #require(Self.json(local.stdout)["runID"] as? Int, "\(local.stdout)")
        let shown = try CommandRunner.run(["runs", "show", "\(run)"] + store)
        #expect(shown.status == 3 && shown.stdout.contains("finished, 2 of 2 recorded"), "\(shown.stdout) \(shown.stderr)")
        #expect(try CommandRunner.run(["runs", "show", "999"] + store).status == 66)
    }
}
