#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only memory mapping of a whole file. Weights stay in the page cache and are read
/// in place; nothing is copied until a tensor is converted for use.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The file's contents, valid while this object lives (empty for an empty file).
    public let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    /// Maps the whole file at `path` read-only.
    ///
    /// - Throws: ``FileFormatError`` when the file cannot be opened, examined or mapped, or is a
    ///   directory.
    public init(path: String) throws(FileFormatError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw FileFormatError(file: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FileFormatError(file: path, message: "cannot stat: \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw FileFormatError(file: path, message: "is a directory, expected a file")
        }
        let size = Int(info.st_size)
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw FileFormatError(file: path, message: "cannot map: \(String(cString: strerror(errno)))")
        }
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }
}

/// A malformed or unreadable model file: names the file and, where known, the tensor or key.
public struct FileFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path of the file concerned.
    public let file: String
    /// What is wrong with it, without the path.
    public let message: String
    /// An error about `file`; `description` prints it as `file: message`.
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    /// The file and what is wrong with it, on one line.
    public var description: String { "\(file): \(message)" }
}
