import ArgumentParser

/// `echoctl`: the command line of Echo, a reference-image database and inspection
/// pipeline for industrial anomaly detection. Commands parse their arguments and
/// delegate to the Echo libraries.
@main
struct Echoctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echoctl",
        abstract: "Echo: reference images and inspection for industrial anomaly detection.",
        version: "0.1.0",
        subcommands: [
            Ingest.self, Query.self, Calibrate.self, Audit.self, Inspect.self, Reembed.self, Categories.self, List.self, Remove.self, RenameCategory.self, Verify.self, RebuildIndex.self, Stats.self,
            Knowledge.self, Eval.self, Serve.self, Embed.self, ImageCommand.self, Doctor.self,
        ]
    )
}
