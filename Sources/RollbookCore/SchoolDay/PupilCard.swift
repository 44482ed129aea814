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
