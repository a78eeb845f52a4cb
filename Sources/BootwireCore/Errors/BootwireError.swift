/// A failure with a stable code, a one-line message, what to do about it, and the evidence it
/// was concluded from (bytes seen, timings, addresses).
public struct BootwireError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var hint: String?
    public var evidence: [String: String]
    /// What the device said, typed, where it said something (`evidence` shows it).
    public var cause: ErrorCause?

    public init(
        _ code: ErrorCode, _ message: String, hint: String? = nil, evidence: [String: String] = [:],
        cause: ErrorCause? = nil
    ) {
        self.code = code
        self.message = message
        // A place with nothing more precise to say still gives the code's way forward.
        self.hint = hint ?? code.hint
        self.evidence = evidence
        self.cause = cause
    }

    public var description: String {
        var line = "error[\(code.rawValue)]: \(message)"
        if let hint { line += " (\(hint))" }
        return line
    }

    /// Wraps anything thrown into a BootwireError, keeping one that already is.
    public static func wrap(_ error: any Error) -> BootwireError {
        if let error = error as? BootwireError { return error }
        if let error = error as? any DiagnosedError { return error.error }
        return BootwireError(.internalError, "\(error)", hint: "please report this with --trace output")
    }
}

extension BootwireError {
    /// Errors from a syscall on a port, with errno decoded.
    static func posix(_ code: ErrorCode, _ what: String, errno value: Int32, hint: String? = nil) -> BootwireError {
        BootwireError(code, "\(what): \(String(cString: strerror(value)))", hint: hint, evidence: ["errno": "\(value)"])
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lower layer's error that knows its diagnosis (an ST-LINK fault with its address): `wrap`
/// keeps its code wherever it escapes, instead of calling it an internal error.
public protocol DiagnosedError: Error {
    var error: BootwireError { get }
}
