import FluentSQLiteDriver
import Foundation
import SQLKit

/// A row of a hand-written query, read column by column as the type the column holds.
///
/// SQLiteKit's `SQLRow` decodes every column through `SQLiteDataDecoder`: a protocol conformance check, an `Optional`
/// metadata look-up and a dynamic cast, about 1,700 instructions a column (callgrind), which was most of reading a
/// whole roll. On SQLite a `Row` reads SQLiteNIO's values directly, and falls back to that decoder for anything but the
/// plain case; on PostgreSQL it reads through SQLKit. The query itself is the same SQLKit query on both.
struct Row {
    fileprivate enum Source {
        case sqlite(SQLiteRow)
        case sql(any SQLRow)
    }
    fileprivate let source: Source

    /// The column as `T`. On SQLite, `plain` takes the value from the storage class such a column usually holds (nil for
    /// any other, which goes through SQLiteKit's decoder as before); elsewhere SQLKit decodes it.
    private func read<T: Decodable>(_ column: String, _ plain: (SQLiteData) -> T?) throws -> T {
        switch source {
        case .sqlite(let row):
            guard let data = row.column(column) else { throw MissingColumn(column: column) }
            if let value = plain(data) { return value }
            return try SQLiteDataDecoder().decode(T.self, from: data)
        case .sql(let row): return try row.decode(column: column, as: T.self)
        }
    }

    func string(_ column: String) throws -> String {
        try read(column) { if case .text(let s) = $0 { s } else { nil } }
    }

    func optionalString(_ column: String) throws -> String? {
        try read(column) {
            switch $0 {
            case .text(let s): .some(s)
            case .null: .some(nil)
            default: nil
            }
        }
    }

    func int(_ column: String) throws -> Int {
        try read(column) { if case .integer(let n) = $0 { Int(n) } else { nil } }
    }

    func optionalInt(_ column: String) throws -> Int? {
        try read(column) {
            switch $0 {
            case .integer(let n): .some(Int(n))
            case .null: .some(nil)
            default: nil
            }
        }
    }

    func bool(_ column: String) throws -> Bool {
        try read(column) { if case .integer(let n) = $0, n == 0 || n == 1 { n == 1 } else { nil } }
    }

    func data(_ column: String) throws -> Data {
        try read(column) { if case .blob(let b) = $0 { Data(b.readableBytesView) } else { nil } }
    }

    struct MissingColumn: Error, CustomStringConvertible {
        let column: String
        var description: String { "the query's rows have no column \(column)" }
    }
}

extension SQLQueryFetcher {
    /// The query's rows as `Row`s, in order.
    func rows() async throws -> [Row] {
        if let sqlite = database as? any SQLiteDatabase {
            let (text, binds) = database.serialize(query)
            let encoder = SQLiteDataEncoder()
            return try await sqlite.query(text, try binds.map { try encoder.encode($0) }).map { Row(source: .sqlite($0)) }
        }
        return try await all().map { Row(source: .sql($0)) }
    }
}
