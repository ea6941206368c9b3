import ArgumentParser
import EchoImaging

/// `echoctl image`: image utilities.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Inspect image files the way Echo decodes them.",
        subcommands: [Info.self])

    /// `echoctl image info FILE...`: decode each file and report its size and format,
    /// or why it cannot be used.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode PNG/JPEG files and print their size and pixel format, or the reason they fail.")

        @Argument(help: "Image files (.png, .jpg, .jpeg).")
        var files: [String]

        @Option(help: "Largest width × height accepted.")
        var maxPixels = 100_000_000

        @OptionGroup var output: OutputOptions

        struct Row: Codable {
            var file: String
            var width: Int?
            var height: Int?
            var format: String?
            var error: String?
        }

        func run() throws {
            let decoder = ImageDecoder(maxPixels: maxPixels)
            var rows: [Row] = []
            for file in files {
                do {
                    let image = try decoder.decodeFile(atPath: file)
                    rows.append(Row(file: file, width: image.width, height: image.height, format: "\(image.format)"))
                } catch {
                    rows.append(Row(file: file, error: error.description))
                }
            }
            if output.json {
                try printJSON(rows)
            } else {
                for row in rows {
                    if let error = row.error {
                        print("\(row.file): \(error)")
                    } else {
                        print("\(row.file): \(row.width!)x\(row.height!) \(row.format!)")
                    }
                }
            }
            if rows.contains(where: { $0.error != nil }) { throw ExitCode(1) }
        }
    }
}
