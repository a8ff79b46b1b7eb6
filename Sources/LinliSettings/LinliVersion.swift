/// The release of this build, shown by `/version`, `linli --version` and the worker heartbeat.
public enum LinliVersion {
    public static let current = "0.1.0"
}
