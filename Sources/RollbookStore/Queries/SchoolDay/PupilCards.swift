import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// A pupil's card number (M037): scanned at reception to sign a late pupil in.
public final class PupilCardRow: Model, @unchecked Sendable {
    public static let schema = "pupil_cards"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "card_number") public var cardNumber: String
    @Field(key: "set_by") public var setBy: String
    @Field(key: "set_at") public var setAt: String
    public init() {}
}

extension Store {
    /// The pupil holding a card number at a school, if any.
    public func pupil(schoolID: Int, cardNumber: String) async throws -> PupilRow? {
        guard
            let card = try await PupilCardRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$cardNumber == cardNumber).first()
        else { return nil }
        return try await PupilRow.find(card.pupilID, on: db)
    }

    /// A pupil's card number, if one is set.
    public func cardNumber(pupilID: Int) async throws -> String? {
        try await PupilCardRow.query(on: db).filter(\.$pupilID == pupilID).first()?.cardNumber
    }

    /// Sets (or with nil removes) a pupil's card number. A number another pupil of the school holds is refused, naming
    /// the field; nothing changes then.
    public func setCardNumber(_ number: String?, pupil: PupilRow, by actor: Actor, at now: String) async throws {
        let pupilID = pupil.id!
        let schoolID = pupil.schoolID
        try await write { db in
            if let number,
                let other = try await PupilCardRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$cardNumber == number).first(),
                other.pupilID != pupilID
            {
                throw StoreError.invalid(ValidationError(field: "card_number", reason: "'\(number)' is already another pupil's card"))
            }
            let current = try await PupilCardRow.query(on: db).filter(\.$pupilID == pupilID).first()
            guard let number else {
                try await current?.delete(on: db)
                return
            }
            let row = current ?? PupilCardRow()
            row.schoolID = schoolID
            row.pupilID = pupilID
            row.cardNumber = number
            row.setBy = "\(actor.name), \(actor.position)"
            row.setAt = now
            try await row.save(on: db)
        }
    }
}

extension Store {
    /// Sets many pupils' cards from cards.csv, all or nothing: a UPN not on the register, or a card another pupil keeps
    /// (one not given a new card by the file), refuses the whole file, naming the line.
    public func importCards(schoolID: Int, file: String, rows: [Interchange.CardRow], by actor: Actor, at now: String) async throws {
        guard !rows.isEmpty else { return }
        var ids: [Int] = []
        for r in rows {
            guard let p = try await pupil(schoolID: schoolID, upn: r.upn) else {
                throw ImportError(file: file, line: r.line, column: "upn", reason: "\(r.upn) is not on the admission register")
            }
            ids.append(p.id!)
        }
        let pairs = zip(ids, rows).map { ($0, $1.cardNumber, $1.line) }
        try await write { db in
            let given = Set(pairs.map(\.0))
            let kept = try await PupilCardRow.query(on: db).filter(\.$schoolID == schoolID).all().filter { !given.contains($0.pupilID) }
            let keptCards = Dictionary(kept.map { ($0.cardNumber, $0.pupilID) }, uniquingKeysWith: { a, _ in a })
            for (_, card, line) in pairs where keptCards[card] != nil {
                throw ImportError(file: file, line: line, column: "card_number", reason: "'\(card)' is already another pupil's card")
            }
            // Cleared first, so cards may move between pupils in the file.
            try await PupilCardRow.query(on: db).filter(\.$pupilID ~~ Array(given)).delete()
            for (id, card, _) in pairs {
                let row = PupilCardRow()
                row.schoolID = schoolID
                row.pupilID = id
                row.cardNumber = card
                row.setBy = "\(actor.name), \(actor.position)"
                row.setAt = now
                try await row.create(on: db)
            }
        }
    }
}
