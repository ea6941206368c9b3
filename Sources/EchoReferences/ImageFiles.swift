import Foundation

/// Finds the image files to ingest: files given directly, and `.png`, `.jpg`, `.jpeg`
/// files (any case) anywhere under given directories, sorted by path. A symbolic link to
/// an image file counts as the file (the usual way to make dataset splits); links to
/// directories are not followed, so a link cycle cannot loop.
public enum ImageFiles {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The image files under `paths`, and the paths that do not exist.
    public static func collect(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(path)
                continue
            }
            if !isDirectory.boolValue {
                files.append(URL(fileURLWithPath: path).standardizedFileURL.path)
                continue
            }
            let root = URL(fileURLWithPath: path).standardizedFileURL
            guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let url as URL in walker where extensions.contains(url.pathExtension.lowercased()) {
                if (try? url.resolvingSymlinksInPath().resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    files.append(url.path)
                }
            }
        }
        return (Array(Set(files)).sorted(), missing)
    }
}
