import Foundation

/// Where Echo looks for the converted EfficientNet-Lite0 weights.
public enum WeightsLocation {
    /// The weights file's name inside the data directory.
    public static let fileName = "efficientnet-lite0.echow"

    /// The command that installs (or repairs) the weights file.
    public static let installCommand = "make weights   (or: scripts/setup.sh --weights)"

    /// The weights path: `$ECHO_WEIGHTS` if set; else `$ECHO_DATA_DIR/efficientnet-lite0.echow`;
    /// else `${XDG_DATA_HOME:-~/.local/share}/echo/efficientnet-lite0.echow`.
    public static func resolve(environment: [String: String]) -> String {
        if let explicit = environment["ECHO_WEIGHTS"], !explicit.isEmpty { return explicit }
        return dataDirectory(environment: environment) + "/" + fileName
    }

    /// Echo's data directory: `$ECHO_DATA_DIR`, else `${XDG_DATA_HOME:-~/.local/share}/echo`.
    public static func dataDirectory(environment: [String: String]) -> String {
        if let directory = environment["ECHO_DATA_DIR"], !directory.isEmpty { return directory }
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return base + "/echo"
    }
}
