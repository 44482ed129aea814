import ArgumentParser

/// `rollbook messages`: the outbox from the command line.
struct MessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "The outbox: queue day-1 messages and deliver what is due (as the server does every 30 s), or list messages.",
        subcommands: [Run.self, List.self])
}
