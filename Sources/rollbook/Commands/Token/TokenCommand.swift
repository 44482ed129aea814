import ArgumentParser

/// `rollbook token`: personal API tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Personal API tokens.", subcommands: [Create.self])
}
