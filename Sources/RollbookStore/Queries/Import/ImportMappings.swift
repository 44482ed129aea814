import FluentKit
import Foundation
import RollbookCore
import SQLKit

extension Store {
    /// The school's saved mapping for a kind of file, if any.
    public func importMapping(schoolID: Int, kind: GuidedImport.Kind) async throws -> GuidedImport.Mapping? {
        guard
            let r = try await sql.select().column("columns").from("import_mappings").where("school_id", .equal, SQLBind(schoolID))
                .where("kind", .equal, SQLBind(kind.rawValue)).first()
        else { return nil }
        let text = try r.decode(column: "columns", as: String.self)
        return try? JSONDecoder().decode(GuidedImport.Mapping.self, from: Data(text.utf8))
    }

    /// Saves (replaces) the school's mapping for a kind of file.
    public func saveImportMapping(schoolID: Int, kind: GuidedImport.Kind, _ mapping: GuidedImport.Mapping, by actor: Actor, at now: String)
        async throws
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(mapping.filter { !$0.value.isEmpty }), as: UTF8.self)
        try await write { db in
            try await (db as! any SQLDatabase).insert(into: "import_mappings").columns(
                "school_id", "kind", "columns", "saved_by", "saved_at"
            )
            .values(SQLBind(schoolID), SQLBind(kind.rawValue), SQLBind(text), SQLBind("\(actor.name), \(actor.position)"), SQLBind(now))
            .onConflict(with: ["school_id", "kind"]) {
                $0.set(excludedValueOf: "columns").set(excludedValueOf: "saved_by").set(excludedValueOf: "saved_at")
            }
            .run()
        }
    }
}
