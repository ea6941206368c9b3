import Foundation
import PackagePlugin

/// Embeds the package's migrations into the target as Swift source: `Migrations/*.sql`
/// for the SQLite store, `Migrations/postgres/*.sql` for the PostgreSQL backend.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let postgres = target.name == "EchoStorePostgres"
        var directory = context.package.directoryURL.appendingPathComponent("Migrations")
        if postgres { directory = directory.appendingPathComponent("postgres") }
        let enumName = postgres ? "EmbeddedPostgresMigrations" : "EmbeddedMigrations"
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("\(enumName).swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations into \(target.name)",
                executable: try context.tool(named: "migration-embedder").url,
                arguments: ["--enum", enumName, output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
