import Foundation
import Testing
@testable import EchoEmbedding

@Suite("A missing or damaged weights file is a clear error")
struct WeightsErrorTests {
    func realWeights() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment))))
    }

    func loadError(_ bytes: [UInt8]?, verify: Bool = true) throws -> EmbeddingError? {
        let directory = try TemporaryDirectory()
        let path = directory.file("w.echow")
        if let bytes { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
        do {
            _ = try ImageEmbedder(weightsPath: path, verifyChecksum: verify)
            return nil
        } catch {
            return error
        }
    }

    @Test("a missing file names the path and the command that installs it")
    func missingFile() throws {
        let error = try #require(try loadError(nil))
        #expect(error.code == .weightsMissing)
        #expect(error.message.contains("make weights"))
    }

    @Test("a file with the wrong magic is damaged")
    func wrongMagic() throws {
        var bytes = try realWeights()
        bytes[0] = UInt8(ascii: "X")
        #expect(try loadError(bytes)?.code == .weightsDamaged)
    }

    @Test("a truncated file is damaged, even without the checksum")
    func truncated() throws {
        let bytes = try realWeights()
        for length in [0, 12, 400, bytes.count / 2, bytes.count - 100] {
            #expect(try loadError(Array(bytes.prefix(length)), verify: false)?.code == .weightsDamaged, "length \(length)")
        }
    }

    @Test("one flipped bit in the payload fails the SHA-256 check")
    func flippedBit() throws {
        var bytes = try realWeights()
        bytes[bytes.count - 100] ^= 0x01
        let error = try #require(try loadError(bytes))
        #expect(error.code == .weightsDamaged)
        #expect(error.message.contains("SHA-256"))
    }

    @Test("a well-formed file with a tensor of the wrong shape is a mismatch naming the tensor")
    func wrongShape() throws {
        let crafted = WeightsFile.serialise([
            (name: "_conv_stem.weight", shape: [16, 3, 3, 3], values: [Float](repeating: 0, count: 16 * 27)),
        ])
        let error = try #require(try loadError(crafted, verify: false))
        #expect(error.code == .weightsMismatch)
        #expect(error.message.contains("_conv_stem.weight"))
    }

    @Test("the real file loads and reports its pinned SHA-256 in the embedder identity")
    func identityCarriesHash() throws {
        let identity = try SharedEmbedder.get().identity
        #expect(identity.weightsSHA256 == WeightsFile.pinnedSHA256)
        #expect(identity.id == "efficientnet-lite0/echo-1")
        #expect(identity.globalDimension == 1280 && identity.patchDimension == 152)
    }
}

@Suite("Weights location")
struct WeightsLocationTests {
    @Test("ECHO_WEIGHTS wins, then ECHO_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share")
    func resolutionOrder() {
        #expect(WeightsLocation.resolve(environment: ["ECHO_WEIGHTS": "/w/x.echow", "ECHO_DATA_DIR": "/d"]) == "/w/x.echow")
        #expect(WeightsLocation.resolve(environment: ["ECHO_DATA_DIR": "/d", "XDG_DATA_HOME": "/x"]) == "/d/efficientnet-lite0.echow")
        #expect(WeightsLocation.resolve(environment: ["XDG_DATA_HOME": "/x", "HOME": "/h"]) == "/x/echo/efficientnet-lite0.echow")
        #expect(WeightsLocation.resolve(environment: ["HOME": "/h"]) == "/h/.local/share/echo/efficientnet-lite0.echow")
    }
}
