import Foundation

/// Finding bootwire.toml. probe-rs's cargo-embed reads Embed.toml from its work directory only
/// (probe-rs-tools/src/bin/probe-rs/cmd/cargo_embed/config/mod.rs: `Configs::new(work_dir)`
/// joins the work directory with each file name); figment, the loader it uses, searches a
/// *relative* name upward to the filesystem root. Bootwire goes upward too, so a command run in
/// `build/` or `firmware/app/` finds the project's file, but stops at the first folder holding
/// `.git` (the repository's root, searched itself): a bootwire.toml above a checkout belongs to
/// another project and must not aim this one's commands at its ports.
public enum ProjectFileSearch {
    /// The nearest bootwire.toml from `folder` upward, or nil.
    public static func find(from folder: String) -> String? {
        let fm = FileManager.default
        var current = URL(fileURLWithPath: folder).standardizedFileURL
        while true {
            let candidate = current.appendingPathComponent(ProjectFile.fileName).path
            var isFolder: ObjCBool = false
            if fm.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue { return candidate }
            if fm.fileExists(atPath: current.appendingPathComponent(".git").path) { return nil }
            let parent = current.deletingLastPathComponent().standardizedFileURL
            if parent.path == current.path { return nil }
            current = parent
        }
    }
}
