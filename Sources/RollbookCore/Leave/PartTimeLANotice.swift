// The LA told when a part-time timetable (C2) starts and ends (DfE Working together to improve school attendance, 2024:
// schools keep the LA informed of every pupil on a part-time timetable). The worklist's `inform_la` action for
// `part_time.inform_la` becomes this message, which goes to the policy's `local_authority.email` through the outbox.

public enum PartTimeLANotice {
    public enum Edge: String, Sendable { case start, end }

    /// The grant's first day and the edge an `inform_la` action for `part_time.inform_la` is about, read from its key;
    /// nil for any other action.
    public static func about(_ a: DueAction) -> (from: LocalDate, edge: Edge)? {
        guard a.kind == .informLA, a.rule == LeaveFollowUp.partTimeInformRule else { return nil }
        let parts = a.key.split(separator: "|").map(String.init)
        guard parts.count == 5, let from = LocalDate(iso: parts[3]), let edge = Edge(rawValue: parts[4]) else { return nil }
        return (from, edge)
    }

    /// Who the message is about, as the admission register has them.
    public struct Pupil: Sendable {
        public var name, upn, yearGroup: String
        public var dateOfBirth: LocalDate
        public init(name: String, upn: String, yearGroup: String, dateOfBirth: LocalDate) {
            self.name = name
            self.upn = upn
            self.yearGroup = yearGroup
            self.dateOfBirth = dateOfBirth
        }
    }

    /// The message to the LA in plain words: the pupil, the dates, the sessions not expected each week, any agreed
    /// times, the sessions coded C2 and the review date. `from` is the school's sender line.
    public static func message(
        _ edge: Edge, grant g: LeaveGrant, pupil p: Pupil, codedSessions: Int, school: String, laName: String?, from: String
    ) -> (subject: String, body: String) {
        let subject = "Part-time timetable \(edge == .start ? "starting" : "ended"): \(p.name) (\(p.upn)), \(school)"
        var body = "Dear \(laName ?? "colleague"),\n\n"
        body +=
            edge == .start
            ? "\(school) is telling you that \(p.name) (UPN \(p.upn), born \(EvalWords.date(p.dateOfBirth)), year \(p.yearGroup)) "
                + "is on a temporary part-time timetable (code C2) from \(EvalWords.date(g.from)) to \(EvalWords.date(g.to)).\n"
            : "\(school) is telling you that the temporary part-time timetable (code C2) of \(p.name) (UPN \(p.upn), born "
                + "\(EvalWords.date(p.dateOfBirth)), year \(p.yearGroup)), which started on \(EvalWords.date(g.from)), ended on "
                + "\(EvalWords.date(g.to)).\n"
        if let off = g.notExpected, !off.isEmpty {
            body +=
                "Each week the pupil \(edge == .start ? "is" : "was") not expected in school on: "
                + "\(off.map(LeaveGrant.weeklyWords).joined(separator: ", ")).\n"
        }
        if let a = g.agreedTimesWords { body += "Agreed times: \(a).\n" }
        body += "Sessions coded C2 over the timetable: \(codedSessions).\n"
        if let review = g.reviewDate {
            body +=
                edge == .start ? "It will be reviewed on \(EvalWords.date(review)).\n" : "Its review date was \(EvalWords.date(review)).\n"
        }
        body += "\n\(from)"
        return (subject, body)
    }
}
