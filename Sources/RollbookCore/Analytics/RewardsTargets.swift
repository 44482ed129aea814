import Foundation

// Rewards judged against each pupil's own target (seed 004: pupils with health needs "not unfairly excluded from
// attendance rewards, e.g. by setting individualised targets"), and the "at or above" list of seed 004's termly raffle
// ("those with 100%, 96% and those with improved attendance").

extension Policy.Rewards {
    func validateMore() throws(ValidationError) {
        if let a = atLeast, !(a > 0 && a <= 1) {
            throw ValidationError(field: "rewards.at_least", reason: "must be a fraction more than 0 and at most 1, e.g. 0.96 for 96%")
        }
        if let p = postcards {
            guard !(p.fullAttendance ?? []).isEmpty || p.improving == true else {
                throw ValidationError(
                    field: "rewards.postcards", reason: "sends nothing: give full_attendance periods or improving: true, or leave it out")
            }
            var seen: Set<CadencePeriod> = []
            for (i, period) in (p.fullAttendance ?? []).enumerated() {
                guard period != .week else {
                    throw ValidationError(
                        field: "rewards.postcards.full_attendance[\(i)]",
                        reason: "must be half_term, term or year: postcards are not weekly")
                }
                guard seen.insert(period).inserted else {
                    throw ValidationError(field: "rewards.postcards.full_attendance[\(i)]", reason: "'\(period.rawValue)' is listed twice")
                }
            }
            if p.improving == true, improving == nil {
                throw ValidationError(
                    field: "rewards.postcards.improving", reason: "needs rewards.improving, which says what counts as improving attendance")
            }
        }
    }
}

/// A pupil at or above the target they are judged against.
public struct TargetPupil: Sendable, Hashable {
    public var now: PupilFigures
    /// The target, a fraction.
    public var target: Double
    /// True when it is the pupil's own (individual) target.
    public var own: Bool
}

extension AnalyticsRoll {
    /// Pupils (with a possible session over `range`) whose attendance is at or above their target: their own from
    /// `own` (by pupil id) where one is given, else `target`. Compared exactly to a tenth of a percent, like the
    /// threshold lists. By name.
    public func atTarget(_ range: DateRange, target: Double, own: [String: Double] = [:], filter: AnalyticsFilter? = nil)
        -> [TargetPupil]
    {
        let counts = pupilCounts(range, filter: filter)
        var out: [TargetPupil] = []
        for p in pupils.indices {
            guard let c = counts[p], c.possible > 0 else { continue }
            let mine = own.isEmpty ? nil : own[pupils[p].id]
            let t = mine ?? target
            if (c.present + c.approvedActivity) * 1000 >= Int((t * 1000).rounded()) * c.possible {
                out.append(TargetPupil(now: figures(p, c), target: t, own: mine != nil))
            }
        }
        return out.sorted { byName($0.now.pupil, $1.now.pupil) }
    }
}
