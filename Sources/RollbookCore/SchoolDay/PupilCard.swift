import Foundation

/// A pupil's card number (reception sign-in): what staff type or a card reader sends, ending in Enter.
public enum PupilCard {
    /// The card number as stored: trimmed, letters upper-cased; 4 to 20 letters and digits. Anything else is refused,
    /// naming `field` and saying why.
    public static func parse(_ text: String, field: String = "card_number") throws(ValidationError) -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard !t.isEmpty else { throw ValidationError(field: field, reason: "is empty: scan the card or type its number") }
        guard t.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("A"..."Z").contains($0) }) else {
            throw ValidationError(field: field, reason: "'\(text)' is not a card number: only letters and digits")
        }
        guard (4...20).contains(t.count) else {
            throw ValidationError(field: field, reason: "'\(text)' is not a card number: 4 to 20 letters and digits")
        }
        return t
    }

    /// Whether a search looks like a scanned card rather than a name: letters and digits with at least one digit.
    public static func looksLikeCard(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.unicodeScalars.contains { ("0"..."9").contains($0) } && (try? parse(t)) != nil
    }
}

extension Interchange {
    /// cards.csv: `upn,card_number`, one pupil a line (`rollbook import cards`).
    public static let cardsHeader = ["upn", "card_number"]

    public struct CardRow: Sendable, Hashable {
        public var upn: String
        public var cardNumber: String
        public var line: Int
    }

    /// Reads cards.csv; the first bad line stops it, naming the line, the column and why. A UPN or a card number twice
    /// in the file is refused.
    public static func readCards(file: String, text: String) throws(ImportError) -> [CardRow] {
        let t = try CSVTable(file: file, text: text, expectedHeader: cardsHeader)
        var out: [CardRow] = []
        var upns: Set<String> = []
        var cards: Set<String> = []
        for r in rows(t) {
            let upn = r.value("upn")
            guard UPN.isValid(upn) else { throw r.fail("upn", "'\(upn)' is not a UPN") }
            let card: String
            do { card = try PupilCard.parse(r.value("card_number")) } catch { throw r.fail("card_number", error.reason) }
            guard upns.insert(upn).inserted else { throw r.fail("upn", "\(upn) appears twice in the file") }
            guard cards.insert(card).inserted else { throw r.fail("card_number", "\(card) appears twice in the file") }
            out.append(CardRow(upn: upn, cardNumber: card, line: r.line))
        }
        return out
    }
}
