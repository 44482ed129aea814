import Foundation
import RollbookCore

/// Letters to parents: a template per action with merge fields, rendered to HTML and kept on the pupil's timeline
/// exactly as sent. Every merged value is escaped with SVGChart.escape.
enum Letters {
    struct Template {
        var subject: String
        /// Paragraphs with merge fields in braces: {parents}, {pupil}, {forename}, {school}, {date}, {attendance},
        /// {target}, {sessions_missed}, {possible}, {reason}, {sessions}, {next_step}, {signatory}, {position}.
        var paragraphs: [String]
    }

    /// The template for a policy action; a stage's own letter id picks the wording where there is one.
    static func template(for action: Policy.ActionKind) -> Template {
        switch action {
        case .meeting, .attendanceContract, .earlyHelpPlan:
            Template(subject: "Invitation to a meeting about {forename}'s attendance", paragraphs: [
                "We are writing because {pupil}'s attendance this year is {attendance}, below the school's target of {target}. {forename} has missed {sessions_missed} of {possible} sessions.",
                "{reason}",
                "We would like to meet you to agree together how we can help {forename} attend every day. Please contact the school office to arrange a time within the next week.",
                "{next_step}",
            ])
        case .noticeToImprove:
            Template(subject: "Notice to Improve: {forename}'s attendance", paragraphs: [
                "{pupil} has missed sessions without authorisation: {reason}",
                "The sessions were: {sessions}.",
                "This notice gives you the chance to improve {forename}'s attendance before a penalty notice is considered. During the improvement period every session must be attended unless the absence is authorised.",
                "{next_step}",
            ])
        case .penaltyNotice:
            Template(subject: "{forename}'s unauthorised absence: penalty notice", paragraphs: [
                "{reason}",
                "The sessions were: {sessions}.",
                "{next_step}",
            ])
        case .evidenceRequest:
            Template(subject: "Medical evidence for {forename}'s absence", paragraphs: [
                "{reason}",
                "Please send us medical evidence (for example an appointment card, a prescription or a letter from the GP) so that the absence can be authorised. Without it the school may record the sessions as unauthorised.",
            ])
        default:
            Template(subject: "{forename}'s attendance", paragraphs: [
                "We are writing about {pupil}'s attendance, which is {attendance} this year against the school's target of {target}. {forename} has missed {sessions_missed} of {possible} sessions.",
                "{reason}",
                "Every day in school matters. If there is anything making it hard for {forename} to attend, please talk to us: we want to help.",
                "{next_step}",
            ])
        }
    }

    /// Fills the template's fields (unknown fields are left as they are) and returns the letter as an HTML fragment.
    static func render(_ t: Template, fields: [String: String], school: String, date: String) -> String {
        func merge(_ text: String) -> String {
            var out = xmlEscaped(text)
            for (k, v) in fields { out = out.replacingOccurrences(of: "{\(k)}", with: xmlEscaped(v)) }
            return out
        }
        var html = "<article class=\"letter\">\n<header><p class=\"from\">\(xmlEscaped(school))</p><p class=\"date\">\(xmlEscaped(date))</p>"
        html += "<p class=\"to\">\(merge("{parents}"))</p></header>\n<h1>\(merge(t.subject))</h1>\n<p>Dear \(merge("{parents}")),</p>\n"
        for p in t.paragraphs {
            let text = merge(p)
            if !text.trimmingCharacters(in: .whitespaces).isEmpty { html += "<p>\(text)</p>\n" }
        }
        html += "<p>Yours sincerely,</p>\n<p class=\"signature\">\(merge("{signatory}"))<br>\(merge("{position}"))</p>\n</article>"
        return html
    }

    /// A letter's text for an email: paragraphs kept, tags dropped, the escapes undone.
    static func plainText(_ html: String) -> String {
        var t = html
        for tag in ["</p>", "</h1>", "</h2>", "</h3>", "</li>", "<br>", "<br/>", "</address>", "</div>"] {
            t = t.replacingOccurrences(of: tag, with: tag + "\n")
        }
        t = t.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        for (e, c) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            t = t.replacingOccurrences(of: e, with: c)
        }
        let lines = t.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.split(separator: "", omittingEmptySubsequences: true).map { $0.joined(separator: "\n") }.joined(separator: "\n\n")
    }

    /// A letter's subject line: the first heading of the rendered letter, else a plain one.
    static func subject(_ html: String, fallback: String) -> String {
        guard let r = html.range(of: "<h1[^>]*>[^<]*</h1>", options: .regularExpression) else { return fallback }
        let s = plainText(String(html[r])).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? fallback : s
    }
}
