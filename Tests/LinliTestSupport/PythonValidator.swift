import Foundation

/// Checks an exported file with an independent reader: a Python script in Validators/ using
/// `icalendar` (ICS) or `openpyxl` (XLSX), which `deploy/test.sh` installs with pip. When pip
/// could not install them (offline), test.sh sets LINLI_TEST_SKIP_PYTHON_VALIDATORS=1 and says
/// so; only then are these checks skipped. A missing module is a failure otherwise.
/// LINLI_TEST_PYTHON names the interpreter (test.sh may use a virtual environment).
public enum PythonValidator {
    public static let folder = TestDatabase.repositoryRoot.appendingPathComponent("Tests/LinliTestSupport/Validators")

    /// True when deploy/test.sh could not install the Python packages.
    public static var isSkipped: Bool {
        ProcessInfo.processInfo.environment["LINLI_TEST_SKIP_PYTHON_VALIDATORS"] == "1"
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `check_ics.py` on `file` and returns what it read.
    public static func icalendar(_ file: URL) throws -> [String: Any] {
        try run("check_ics.py", file)
    }

    /// Runs `check_xlsx.py` on `file` and returns what it read.
    public static func openpyxl(_ file: URL) throws -> [String: Any] {
        try run("check_xlsx.py", file)
    }

    static func run(_ script: String, _ file: URL) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let python = ProcessInfo.processInfo.environment["LINLI_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        process.arguments = [python, folder.appendingPathComponent(script).path, file.path]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            var message = "\(script) rejected \(file.lastPathComponent): \(errors)"
            if errors.contains("ModuleNotFoundError") {
                message += " — install the validators: python3 -m pip install icalendar openpyxl (deploy/test.sh does)"
            }
            throw Failure(description: message)
        }
        guard let object = try JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            throw Failure(description: "\(script) printed no JSON object")
        }
        return object
    }
}
