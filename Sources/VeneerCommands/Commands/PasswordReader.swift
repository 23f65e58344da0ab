// Reading a password without echo (getpass-like, with termios) or from standard input.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum PasswordReader {
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// From the terminal on standard input, echo off, asked twice; `Refusal` when standard
    /// input is not a terminal (a password must never come from argv or a pipe by accident).
    static func fromTerminal(prompt: String) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            throw Refusal(description: "standard input is not a terminal: type the password at a terminal, or pipe it in with --password-stdin")
        }
        let first = try readLineWithoutEcho(prompt: prompt)
        let second = try readLineWithoutEcho(prompt: "Again: ")
        guard first == second else { throw Refusal(description: "the two passwords differ; nothing was changed") }
        return first
    }

    /// The first line of standard input (without its line break).
    static func fromStandardInput() throws -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(STDIN_FILENO, &byte, 1) == 1 {
            if byte == 0x0A { break }
            bytes.append(byte)
            if bytes.count > 4096 { throw Refusal(description: "the password is longer than 4096 bytes") }
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        defer { for index in bytes.indices { bytes[index] = 0 } }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Refusal(description: "the password is not UTF-8 text") }
        return text
    }

    /// One line read byte by byte with echo, canonical mode and signal characters off, as
    /// getpass does: Ctrl-C arrives as a byte and cancels (so the terminal settings are always
    /// restored), backspace and Ctrl-U edit, Ctrl-D on an empty line ends the input.
    private static func readLineWithoutEcho(prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw Refusal(description: "cannot read the terminal's settings") }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        withUnsafeMutableBytes(of: &quiet.c_cc) { characters in
            characters[Int(VMIN)] = 1
            characters[Int(VTIME)] = 0
        }
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 else { throw Refusal(description: "cannot turn the terminal's echo off") }
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        var bytes: [UInt8] = []
        defer { for index in bytes.indices { bytes[index] = 0 } }
        var byte: UInt8 = 0
        reading: while true {
            guard read(STDIN_FILENO, &byte, 1) == 1 else { break }
            switch byte {
            case 0x0A, 0x0D: break reading
            case 0x03, 0x1C: throw Refusal(description: "cancelled; nothing was changed")  // Ctrl-C, Ctrl-\
            case 0x04: if bytes.isEmpty { break reading }  // Ctrl-D
            case 0x7F, 0x08: if !bytes.isEmpty { bytes.removeLast() }  // backspace (one byte; enough for ASCII)
            case 0x15: bytes.removeAll()  // Ctrl-U
            default:
                bytes.append(byte)
                if bytes.count > 4096 { throw Refusal(description: "the password is longer than 4096 bytes") }
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Refusal(description: "the password is not UTF-8 text") }
        return text
    }
}
