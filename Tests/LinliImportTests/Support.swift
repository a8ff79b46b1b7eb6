import Foundation

@testable import LinliImport

/// Loads a committed fixture from Fixtures/ next to this file (not a SwiftPM resource).
func fixture(_ name: String, filePath: String = #filePath) throws -> Data {
    let folder = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    return try Data(contentsOf: folder.appendingPathComponent(name))
}

/// Reads CSV text given as a Swift string (UTF-8).
func csv(_ text: String) throws -> TabularFile {
    try TabularFile.read(Data(text.utf8), fileName: "test.csv")
}

/// Encodes text as GB18030 with the system's iconv command (independent of the code under test).
func gb18030(_ text: String) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
    process.arguments = ["-f", "UTF-8", "-t", "GB18030"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}
