/// A data row that a part or family states as another row with one fact changed
/// (`PageFlashFamily.g4 = l4.with { … }`), as probe-rs targets inherit a family's values.
public protocol STM32RowEditing {}

extension STM32RowEditing {
    /// This row with `change` applied.
    public func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}
