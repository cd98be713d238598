//! The tally at its exact boundaries, end to end: quorum (inclusive), threshold (strictly
//! above half), veto (strictly above 0.334, burns the deposit), all-abstain, weighted votes
//! and revotes.

use cosmwasm_std::Uint256;
use kumo_governance::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{GovernanceParams, ProposalStatus, TallyOutcome, VoteOption};

use crate::suite::*;

/// A text proposal with the full deposit, voted on by `votes`, tallied at the end.
fn decide(s: &mut Suite, votes: &[(&str, VoteOption)]) -> u64 {
    let id = s.propose(vec![]).unwrap();
    for (who, option) in votes {
        s.vote(who, id, *option).unwrap();
    }
    s.end_voting(id).unwrap();
    id
}

fn outcome(s: &Suite, id: u64) -> (ProposalStatus, Option<TallyOutcome>) {
    let p = s.proposal(id);
    (p.status, p.outcome)
}

#[test]
fn exactly_half_yes_does_not_pass() {
    let mut s = Suite::with_stakers();
    let before = s.balance_of("proposer");
    let id = decide(
        &mut s,
        &[
            ("alice", VoteOption::Yes),
            ("dave", VoteOption::Yes),
            ("bob", VoteOption::No),
            ("carol", VoteOption::No),
        ],
    );
    assert_eq!(s.proposal(id).tally, tally(500, 500, 0, 0));
    assert_eq!(
        outcome(&s, id),
        (ProposalStatus::Rejected, Some(TallyOutcome::BelowThreshold))
    );
    // A plain rejection refunds.
    assert_eq!(s.balance_of("proposer"), before);

    // One unit more passes.
    let mut s = Suite::new();
    s.stake_all(&[("alice", 501), ("bob", 499)]);
    let id = decide(
        &mut s,
        &[("alice", VoteOption::Yes), ("bob", VoteOption::No)],
    );
    assert_eq!(
        outcome(&s, id),
        (ProposalStatus::Passed, Some(TallyOutcome::Passed))
    );
}

#[test]
fn exactly_the_quorum_passes_quorum() {
    let mut s = Suite::new();
    s.stake_all(&[("alice", 334), ("bob", 666)]);
    let id = decide(&mut s, &[("alice", VoteOption::Yes)]);
    assert_eq!(
        outcome(&s, id),
        (ProposalStatus::Passed, Some(TallyOutcome::Passed))
    );

    let mut s = Suite::new();
    s.stake_all(&[("alice", 333), ("bob", 667)]);
    let before = s.balance_of("proposer");
    let id = decide(&mut s, &[("alice", VoteOption::Yes)]);
    assert_eq!(
        outcome(&s, id),
        (ProposalStatus::Rejected, Some(TallyOutcome::NoQuorum))
    );
    // Without burn_deposit_on_no_quorum, a missed quorum refunds.
    assert_eq!(s.balance_of("proposer"), before);
}

#[test]
fn a_missed_quorum_burns_the_deposit_when_governance_says_so() {
    let mut s = Suite::with_params(GovernanceParams {
        burn_deposit_on_no_quorum: true,
        ..gov_params()
    });
    s.stake_all(&[("alice", 333), ("bob", 667)]);
    let supply = s.supply(DENOM);
    let before = s.balance_of("proposer");
    let id = s.propose(vec![]).unwrap();
    s.vote("alice", id, VoteOption::Yes).unwrap();
    let res = s.end_voting(id).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProposalTallied {
            id,
            status: ProposalStatus::Rejected,
            outcome: TallyOutcome::NoQuorum,
            burned: uakt(MIN_DEPOSIT),
        }]
    );
    assert_eq!(
        s.balance_of("proposer"),
        before - Uint256::from(MIN_DEPOSIT)
    );
    assert_eq!(s.supply(DENOM), supply - Uint256::from(MIN_DEPOSIT));
}

#[test]
fn a_veto_just_above_the_threshold_vetoes_and_burns() {
    let mut s = Suite::new();
    s.stake_all(&[("alice", 665), ("bob", 335)]);
    let supply = s.supply(DENOM);
    let id = s.propose(vec![]).unwrap();
    s.vote("alice", id, VoteOption::Yes).unwrap();
    s.vote("bob", id, VoteOption::NoWithVeto).unwrap();
    let res = s.end_voting(id).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProposalTallied {
            id,
            status: ProposalStatus::Vetoed,
            outcome: TallyOutcome::Vetoed,
            burned: uakt(MIN_DEPOSIT),
        }]
    );
    assert_eq!(s.supply(DENOM), supply - Uint256::from(MIN_DEPOSIT));
    assert_eq!(s.proposals(Some(ProposalStatus::Vetoed)), vec![id]);

    // Exactly 0.334 is no veto; 666 of 1000 passes.
    let mut s = Suite::new();
    s.stake_all(&[("alice", 666), ("bob", 334)]);
    let id = decide(
        &mut s,
        &[("alice", VoteOption::Yes), ("bob", VoteOption::NoWithVeto)],
    );
    assert_eq!(
        outcome(&s, id),
        (ProposalStatus::Passed, Some(TallyOutcome::Passed))
    );
}

#[test]
fn everyone_abstaining_fails_and_refunds() {
    let mut s = Suite::with_stakers();
    let before = s.balance_of("proposer");
    let votes: Vec<_> = STAKERS
        .iter()
        .map(|(w, _)| (*w, VoteOption::Abstain))
        .collect();
    let id = decide(&mut s, &votes);
    assert_eq!(s.proposal(id).tally, tally(0, 0, 1000, 0));
    assert_eq!(
        outcome(&s, id),
        (ProposalStatus::Rejected, Some(TallyOutcome::AllAbstain))
    );
    assert_eq!(s.balance_of("proposer"), before);
}

#[test]
fn weighted_votes_split_the_power() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    let alice = weighted(&[(VoteOption::Yes, "0.6"), (VoteOption::No, "0.4")]);
    s.vote_weighted("alice", id, alice.clone()).unwrap();
    let bob = weighted(&[(VoteOption::Yes, "0.5"), (VoteOption::NoWithVeto, "0.5")]);
    let res = s.vote_weighted("bob", id, bob.clone()).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::VoteCast {
            id,
            voter: s.addr("bob"),
            power: Uint256::from(300u128),
            options: bob,
        }]
    );
    // dave's 100 split in thirds: rounding goes to the last option, nothing is lost.
    let dave = weighted(&[
        (VoteOption::Yes, "0.333"),
        (VoteOption::No, "0.333"),
        (VoteOption::Abstain, "0.334"),
    ]);
    s.vote_weighted("dave", id, dave).unwrap();
    assert_eq!(
        s.tally_of(id).tally,
        tally(240 + 150 + 33, 160 + 33, 34, 150)
    );
    let stored = s.vote_of(id, "alice").vote.unwrap();
    assert_eq!(stored.options, alice);
    assert_eq!(stored.power, Uint256::from(400u128));

    // 800 voted; veto 150/800 is below 0.334; yes 423 of 766 deciding is above half.
    s.end_voting(id).unwrap();
    assert_eq!(
        outcome(&s, id),
        (ProposalStatus::Passed, Some(TallyOutcome::Passed))
    );
}

#[test]
fn revotes_replace_and_never_double_count() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    for _ in 0..3 {
        s.vote("alice", id, VoteOption::Yes).unwrap();
    }
    assert_eq!(s.tally_of(id).tally, tally(400, 0, 0, 0));
    s.vote("alice", id, VoteOption::No).unwrap();
    assert_eq!(s.tally_of(id).tally, tally(0, 400, 0, 0));
    s.vote_weighted(
        "alice",
        id,
        weighted(&[(VoteOption::Abstain, "0.25"), (VoteOption::Yes, "0.75")]),
    )
    .unwrap();
    s.vote("bob", id, VoteOption::NoWithVeto).unwrap();
    s.vote("bob", id, VoteOption::No).unwrap();
    assert_eq!(s.tally_of(id).tally, tally(300, 300, 100, 0));
    let votes: kumo_types::governance::VotesResponse = s
        .gov_query(&kumo_types::governance::QueryMsg::Votes {
            id,
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(votes.votes.len(), 2);
    // The live tally says what would happen now: 300 yes vs 300 no is not a pass.
    assert_eq!(s.tally_of(id).outcome, Some(TallyOutcome::BelowThreshold));
    assert_err(
        s.tally(id),
        ContractError::VotingRunning {
            id,
            ends_at: s.proposal(id).voting_end_time.unwrap(),
        },
    );
}
