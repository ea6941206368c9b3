import ArgumentParser
import EchoImaging
import EchoIndex

/// `echoctl doctor`: what native libraries Echo runs on, and whether they are the fast ones.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the native libraries: FAISS, BLAS, libpng, libjpeg.")

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var faissVersion: String
        var blas: String
        var blasIsOpenBLAS: Bool
        var faissThreads: Int
        var imagingLibraries: String
    }

    func run() throws {
        let blas = ComputeRuntime.blas
        let report = Report(
            faissVersion: ComputeRuntime.faissVersion,
            blas: blas.description,
            blasIsOpenBLAS: blas.isOpenBLAS,
            faissThreads: ComputeRuntime.faissThreadCount,
            imagingLibraries: ImagingLibraries.versions)
        if output.json {
            try printJSON(report)
        } else {
            print("FAISS      \(report.faissVersion) (OpenMP threads: \(report.faissThreads))")
            print("BLAS       \(report.blas)")
            print("imaging    \(report.imagingLibraries)")
            print(report.blasIsOpenBLAS ? "ok" : "warning: reference BLAS is slow; run `make setup`")
        }
        if !report.blasIsOpenBLAS { throw ExitCode(2) }
    }
}
