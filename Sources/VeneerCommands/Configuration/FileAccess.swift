#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File reads with the system's reason on failure ("No such file or directory", "Permission
/// denied"), which is what an operator needs to fix a path.
enum FileAccess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Files this large are not configuration; refuse rather than read a log by mistake.
    static let maximumSize = 4 * 1024 * 1024

    static func contents(of path: String) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: reason()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Failure(description: reason()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw Failure(description: "not a regular file") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: reason())
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= maximumSize else { throw Failure(description: "larger than \(maximumSize) bytes") }
        }
    }

    static func readText(_ path: String) throws(Failure) -> String {
        String(decoding: try contents(of: path), as: UTF8.self)
    }

    /// Nil when `path` is a readable regular file, else the reason.
    static func problemReading(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return reason() }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return reason() }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return "not a regular file" }
        return nil
    }

    /// Whether group or others may read the file (for secrets: worth a warning).
    static func isReadableByOthers(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        return status.st_mode & (S_IRGRP | S_IROTH) != 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    /// Nil when this process may create or write the file `path` (absolute): the file, if
    /// it exists, and its directory (SQLite adds -wal and -shm files there), or the nearest
    /// existing parent that would hold the new directories, are writable; else why not.
    static func problemCreating(_ path: String) -> String? {
        var directory = parent(path)
        while directory != "/", !exists(directory) { directory = parent(directory) }
        for candidate in exists(path) ? [path, directory] : [directory] where access(candidate, W_OK) != 0 {
            return "\(candidate) is not writable by this user (uid \(getuid())): \(reason())"
        }
        return nil
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// `path` made absolute against `directory` (the configuration file's directory) unless it
    /// already is; a leading `~/` means the home directory.
    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/"), let home = getenv("HOME") {
            return String(cString: home) + "/" + path.dropFirst(2)
        }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    /// The directory of `file`, absolute.
    static func directory(of file: String) -> String {
        let absolute = file.hasPrefix("/") ? file : currentDirectory() + "/" + file
        guard let slash = absolute.lastIndex(of: "/") else { return "." }
        let directory = String(absolute[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func reason() -> String {
        String(cString: strerror(errno))
    }
}
