//! Tally math, pure: splitting a voter's power over its options, and x/gov's decision rules
//! in x/gov's order (quorum, all-abstain, veto, threshold). Ratios are compared exactly in
//! integers, so boundaries (exactly the quorum, exactly half) land where the rules say.

use cosmwasm_std::{Decimal, OverflowError, Uint256};
use kumo_types::governance::{
    GovernanceParams, TallyOutcome, TallyResult, VoteOption, WeightedVoteOption,
};

/// The fractions a tally is decided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TallyRules {
    pub quorum: Decimal,
    pub threshold: Decimal,
    pub veto_threshold: Decimal,
}

impl TallyRules {
    /// The rules for a proposal, with the expedited threshold for expedited ones.
    pub fn for_proposal(params: &GovernanceParams, expedited: bool) -> Self {
        Self {
            quorum: params.quorum,
            threshold: params.threshold_for(expedited),
            veto_threshold: params.veto_threshold,
        }
    }
}

/// `part / whole >= fraction`, exactly.
fn at_least(part: Uint256, whole: Uint256, fraction: Decimal) -> bool {
    let one = Uint256::from(Decimal::one().atomics());
    part.full_mul(one) >= whole.full_mul(fraction.atomics())
}

/// `part / whole > fraction`, exactly.
fn above(part: Uint256, whole: Uint256, fraction: Decimal) -> bool {
    let one = Uint256::from(Decimal::one().atomics());
    part.full_mul(one) > whole.full_mul(fraction.atomics())
}

/// Decides a tally against the total power at the start height.
pub fn outcome(tally: &TallyResult, total_power: Uint256, rules: &TallyRules) -> TallyOutcome {
    let voted = tally.total();
    if total_power.is_zero() || !at_least(voted, total_power, rules.quorum) {
        return TallyOutcome::NoQuorum;
    }
    // Abstentions count toward quorum and veto, never toward the threshold.
    let deciding = voted - tally.abstain;
    if deciding.is_zero() {
        return TallyOutcome::AllAbstain;
    }
    if above(tally.no_with_veto, voted, rules.veto_threshold) {
        return TallyOutcome::Vetoed;
    }
    if above(tally.yes, deciding, rules.threshold) {
        TallyOutcome::Passed
    } else {
        TallyOutcome::BelowThreshold
    }
}

/// A voter's power split over its options: each option gets its weight's share rounded
/// down, and the last one the remainder, so the parts add up to exactly the power.
pub fn split_power(power: Uint256, options: &[WeightedVoteOption]) -> TallyResult {
    let mut split = TallyResult::default();
    let mut left = power;
    for (i, part) in options.iter().enumerate() {
        let share = if i + 1 == options.len() {
            left
        } else {
            // A weight is at most 1, so the share fits and is at most what is left.
            power.mul_floor(part.weight).min(left)
        };
        left -= share;
        *slot(&mut split, part.option) += share;
    }
    split
}

fn slot(tally: &mut TallyResult, option: VoteOption) -> &mut Uint256 {
    match option {
        VoteOption::Yes => &mut tally.yes,
        VoteOption::No => &mut tally.no,
        VoteOption::Abstain => &mut tally.abstain,
        VoteOption::NoWithVeto => &mut tally.no_with_veto,
    }
}

pub fn add(tally: &mut TallyResult, votes: &TallyResult) -> Result<(), OverflowError> {
    tally.yes = tally.yes.checked_add(votes.yes)?;
    tally.no = tally.no.checked_add(votes.no)?;
    tally.abstain = tally.abstain.checked_add(votes.abstain)?;
    tally.no_with_veto = tally.no_with_veto.checked_add(votes.no_with_veto)?;
    Ok(())
}

/// Takes back votes that were added before (a revote).
pub fn subtract(tally: &mut TallyResult, votes: &TallyResult) -> Result<(), OverflowError> {
    tally.yes = tally.yes.checked_sub(votes.yes)?;
    tally.no = tally.no.checked_sub(votes.no)?;
    tally.abstain = tally.abstain.checked_sub(votes.abstain)?;
    tally.no_with_veto = tally.no_with_veto.checked_sub(votes.no_with_veto)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn rules() -> TallyRules {
        TallyRules {
            quorum: d("0.334"),
            threshold: d("0.5"),
            veto_threshold: d("0.334"),
        }
    }

    fn t(yes: u128, no: u128, abstain: u128, veto: u128) -> TallyResult {
        TallyResult {
            yes: yes.into(),
            no: no.into(),
            abstain: abstain.into(),
            no_with_veto: veto.into(),
        }
    }

    fn decide(tally: TallyResult, total: u128) -> TallyOutcome {
        outcome(&tally, total.into(), &rules())
    }

    #[test]
    fn quorum_is_inclusive() {
        assert_eq!(decide(t(334, 0, 0, 0), 1000), TallyOutcome::Passed);
        assert_eq!(decide(t(333, 0, 0, 0), 1000), TallyOutcome::NoQuorum);
        // Abstentions count toward quorum.
        assert_eq!(decide(t(1, 0, 333, 0), 1000), TallyOutcome::Passed);
        // 1/3 is below 0.334 even though it rounds to 0.333...
        assert_eq!(decide(t(1, 0, 0, 0), 3), TallyOutcome::NoQuorum);
        assert_eq!(decide(t(0, 0, 0, 0), 0), TallyOutcome::NoQuorum);
        // A huge total stays exact.
        let big = Uint256::MAX / Uint256::from(2u8);
        let quorum = big.mul_floor(d("0.334"));
        let tally = TallyResult {
            yes: quorum,
            ..Default::default()
        };
        assert_eq!(outcome(&tally, big, &rules()), TallyOutcome::NoQuorum);
        let tally = TallyResult {
            yes: quorum + Uint256::one(),
            ..Default::default()
        };
        assert_eq!(outcome(&tally, big, &rules()), TallyOutcome::Passed);
    }

    #[test]
    fn everyone_abstaining_fails() {
        assert_eq!(decide(t(0, 0, 1000, 0), 1000), TallyOutcome::AllAbstain);
    }

    #[test]
    fn veto_is_strictly_above_and_counts_abstentions() {
        assert_eq!(decide(t(666, 0, 0, 334), 1000), TallyOutcome::Passed);
        assert_eq!(decide(t(665, 0, 0, 335), 1000), TallyOutcome::Vetoed);
        // Abstentions are part of the base: 335 of 1003 is below 0.334.
        assert_eq!(
            decide(t(0, 0, 668, 335), 1003),
            TallyOutcome::BelowThreshold
        );
        // Veto wins over a yes majority.
        assert_eq!(decide(t(600, 0, 0, 400), 1000), TallyOutcome::Vetoed);
    }

    #[test]
    fn threshold_is_strictly_above_and_ignores_abstentions() {
        assert_eq!(
            decide(t(500, 500, 0, 0), 1000),
            TallyOutcome::BelowThreshold
        );
        assert_eq!(decide(t(501, 499, 0, 0), 1000), TallyOutcome::Passed);
        // NoWithVeto counts against: 300 / (300 + 200 + 100) is exactly half.
        assert_eq!(
            decide(t(300, 200, 100, 100), 1000),
            TallyOutcome::BelowThreshold
        );
        // Abstentions don't count against: 2 yes, 1 no, 997 abstain passes.
        assert_eq!(decide(t(2, 1, 997, 0), 1000), TallyOutcome::Passed);
    }

    #[test]
    fn expedited_threshold() {
        let mut params_rules = rules();
        params_rules.threshold = d("0.667");
        let decide = |tally: TallyResult| outcome(&tally, 1000u128.into(), &params_rules);
        assert_eq!(decide(t(667, 333, 0, 0)), TallyOutcome::BelowThreshold);
        assert_eq!(decide(t(668, 332, 0, 0)), TallyOutcome::Passed);
    }

    #[test]
    fn splits_add_up_to_the_power() {
        let w = |o, s: &str| WeightedVoteOption::new(o, d(s));
        let split = split_power(
            Uint256::from(10u8),
            &[
                w(VoteOption::Yes, "0.333"),
                w(VoteOption::No, "0.333"),
                w(VoteOption::NoWithVeto, "0.334"),
            ],
        );
        assert_eq!(split, t(3, 3, 0, 4));
        assert_eq!(split.total(), Uint256::from(10u8));
        let split = split_power(
            Uint256::from(400u16),
            &[w(VoteOption::Yes, "0.6"), w(VoteOption::No, "0.4")],
        );
        assert_eq!(split, t(240, 160, 0, 0));
        assert_eq!(
            split_power(Uint256::from(7u8), &[w(VoteOption::Abstain, "1")]),
            t(0, 0, 7, 0)
        );
    }

    #[test]
    fn revotes_subtract_exactly() {
        let w = |o, s: &str| WeightedVoteOption::new(o, d(s));
        let first = [w(VoteOption::Yes, "0.7"), w(VoteOption::No, "0.3")];
        let mut tally = t(5, 5, 5, 5);
        add(&mut tally, &split_power(Uint256::from(99u8), &first)).unwrap();
        subtract(&mut tally, &split_power(Uint256::from(99u8), &first)).unwrap();
        assert_eq!(tally, t(5, 5, 5, 5));
        assert!(subtract(&mut tally, &t(6, 0, 0, 0)).is_err());
    }
}
