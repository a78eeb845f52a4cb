/// One line of `bootwire doctor`'s checklist: a check, whether it passed, what was seen, and
/// what to do when it did not.
public struct DoctorFinding: Sendable, Equatable {
    public enum Status: String, Sendable { case pass, warn, fail, skip }

    public var check: String
    public var status: Status
    public var detail: String
    public var code: ErrorCode?
    public var hint: String?

    public init(_ check: String, _ status: Status, _ detail: String, code: ErrorCode? = nil, hint: String? = nil) {
        self.check = check
        self.status = status
        self.detail = detail
        self.code = code
        self.hint = hint
    }

    public init(_ check: String, failing error: BootwireError) {
        self.init(check, .fail, error.message, code: error.code, hint: error.hint)
    }

    /// The wiring to check when nothing answered, one item per clause, as its own line.
    public static func checklist(_ items: [String]) -> DoctorFinding {
        DoctorFinding("wiring checklist", .warn, items.joined(separator: "; "))
    }
}
