import ArgumentParser

/// `rollbook ctf`: Common Transfer Files (docs/ctf.md).
struct CTFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctf", abstract: "Common Transfer Files: a pupil's CTF out, other schools' CTFs in.",
        subcommands: [Export.self, ImportCTF.self, SchoolNumbers.self])
}
