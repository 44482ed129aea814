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

    private func sqlite(_ row: SQLiteRow, _ column: String) throws -> SQLiteData {
        guard let data = row.column(column) else { throw MissingColumn(column: column) }
        return data
    }

    func string(_ column: String) throws -> String {
        switch source {
        case .sqlite(let row):
            let data = try sqlite(row, column)
            if case .text(let s) = data { return s }
            return try SQLiteDataDecoder().decode(String.self, from: data)
        case .sql(let row): return try row.decode(column: column, as: String.self)
        }
    }

    func optionalString(_ column: String) throws -> String? {
        switch source {
        case .sqlite(let row):
            switch try sqlite(row, column) {
            case .text(let s): return s
            case .null: return nil
            case let data: return try SQLiteDataDecoder().decode(String?.self, from: data)
            }
        case .sql(let row): return try row.decode(column: column, as: String?.self)
        }
    }

    func int(_ column: String) throws -> Int {
        switch source {
        case .sqlite(let row):
            let data = try sqlite(row, column)
            if case .integer(let n) = data { return Int(n) }
            return try SQLiteDataDecoder().decode(Int.self, from: data)
        case .sql(let row): return try row.decode(column: column, as: Int.self)
        }
    }

    func optionalInt(_ column: String) throws -> Int? {
        switch source {
        case .sqlite(let row):
            switch try sqlite(row, column) {
            case .integer(let n): return Int(n)
            case .null: return nil
            case let data: return try SQLiteDataDecoder().decode(Int?.self, from: data)
            }
        case .sql(let row): return try row.decode(column: column, as: Int?.self)
        }
    }

    func bool(_ column: String) throws -> Bool {
        switch source {
        case .sqlite(let row):
            let data = try sqlite(row, column)
            if case .integer(let n) = data, n == 0 || n == 1 { return n == 1 }
            return try SQLiteDataDecoder().decode(Bool.self, from: data)
        case .sql(let row): return try row.decode(column: column, as: Bool.self)
        }
    }

    func data(_ column: String) throws -> Data {
        switch source {
        case .sqlite(let row):
            let data = try sqlite(row, column)
            if case .blob(let b) = data { return Data(b.readableBytesView) }
            return try SQLiteDataDecoder().decode(Data.self, from: data)
        case .sql(let row): return try row.decode(column: column, as: Data.self)
        }
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
