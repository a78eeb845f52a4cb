/// Who ran a production station and on which lot: the project file's `operator` and `lot`
/// (bootwire.toml, `[target.NAME]`), carried as a typed value for the factory records (the
/// JSONL report, the per-unit log) so no layer reads them back out of text.
public struct StationFields: Sendable, Equatable, Codable {
    /// The person (or station id) running the job.
    public var `operator`: String?
    /// The production lot the units belong to.
    public var lot: String?

    public init(operator: String? = nil, lot: String? = nil) {
        self.operator = `operator`
        self.lot = lot
    }

    public var isEmpty: Bool { `operator` == nil && lot == nil }
}
