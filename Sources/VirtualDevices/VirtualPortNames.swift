import BootwireCore

/// Every name a `virtual:` port takes, and the answer to one that is none of them: a
/// `port-not-found` naming the nearest valid ports (the typo `virtual:stlink-l746` would
/// otherwise fall through to the module's route and end as an image error).
public enum VirtualPortNames {
    /// Serial devices, then USB devices, in catalogue order.
    public static var devices: [String] { VirtualPort.names + VirtualUSBPort.names }

    /// Checks the name of `spec` (`virtual:NAME[,options]`). A board (`nucleo-…`) is a port only
    /// where `boards` says so (`st67 update`); elsewhere its host's port is suggested.
    public static func check(_ spec: String, boards: Bool = false) throws {
        let name = String(spec.dropFirst(VirtualPort.prefix.count).prefix { $0 != "," })
        if devices.contains(name) || (boards && VirtualNucleoBoard.boards[name] != nil) { return }
        try VirtualUSBPort.refuseRouteless(name)
        // Board names are compared too, and stand for their host's port outside `st67 update`.
        let boardNames = VirtualNucleoBoard.boards.keys.sorted()
        let near = NearestNames.nearest(to: name, among: devices + boardNames).map { found in
            boards ? found : (VirtualNucleoBoard.boards[found] ?? found)
        }
        let suggestions = near.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let isBoard = VirtualNucleoBoard.boards[name] != nil
        throw BootwireError(
            .portNotFound,
            isBoard
                ? "virtual:\(name) is a board: only `st67 update` takes it"
                : "no virtual device called `\(name)`",
            hint: suggestions.isEmpty
                ? "use one of: " + devices.map { VirtualPort.prefix + $0 }.joined(separator: ", ")
                : "did you mean " + suggestions.map { "`--port \(VirtualPort.prefix)\($0)`" }.joined(separator: " or ")
                    + "?",
            evidence: ["port": spec, "nearest": suggestions.map { VirtualPort.prefix + $0 }.joined(separator: " ")])
    }
}
