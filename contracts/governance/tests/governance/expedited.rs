//! Expedited proposals: a higher deposit, a shorter vote and a higher threshold; on failure
//! they become regular proposals voting until the regular period's end.

use cosmwasm_std::Uint256;
use kumo_governance::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{ProposalStatus, TallyOutcome, VoteOption};

use crate::suite::*;

fn expedite(s: &mut Suite, deposit: u128) -> u64 {
    s.submit_with("proposer", vec![], true, &[uakt(deposit)])
        .unwrap()
}

#[test]
fn an_expedited_proposal_passes_at_its_short_end() {
    let mut s = Suite::with_stakers();
    let id = expedite(&mut s, EXPEDITED_MIN_DEPOSIT);
    let p = s.proposal(id);
    assert!(p.expedited);
    assert_eq!(
        p.voting_end_time,
        Some(
            p.voting_start_time
                .unwrap()
                .plus_seconds(EXPEDITED_VOTING_PERIOD)
        )
    );
    for who in ["alice", "bob", "carol"] {
        s.vote(who, id, VoteOption::Yes).unwrap();
    }
    s.vote("dave", id, VoteOption::No).unwrap();
    s.end_voting(id).unwrap();
    assert_eq!(s.proposal(id).status, ProposalStatus::Passed);
}

#[test]
fn the_min_deposit_of_expedited_proposals_is_higher() {
    let mut s = Suite::with_stakers();
    let id = expedite(&mut s, MIN_DEPOSIT * 2);
    assert_eq!(s.proposal(id).status, ProposalStatus::DepositPeriod);
    s.deposit("bob", id, EXPEDITED_MIN_DEPOSIT - MIN_DEPOSIT * 2)
        .unwrap();
    assert_eq!(s.proposal(id).status, ProposalStatus::VotingPeriod);
}

#[test]
fn a_failed_expedited_proposal_becomes_regular_and_is_tallied_again() {
    let mut s = Suite::with_stakers();
    let id = expedite(&mut s, EXPEDITED_MIN_DEPOSIT);
    let start = s.proposal(id).voting_start_time.unwrap();
    // 0.6 yes: enough for a regular proposal, not for an expedited one.
    s.vote("alice", id, VoteOption::Yes).unwrap();
    s.vote("carol", id, VoteOption::Yes).unwrap();
    s.vote("bob", id, VoteOption::No).unwrap();
    s.vote("dave", id, VoteOption::No).unwrap();

    let res = s.end_voting(id).unwrap();
    let regular_end = start.plus_seconds(VOTING_PERIOD);
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::ProposalTallied {
                id,
                status: ProposalStatus::VotingPeriod,
                outcome: TallyOutcome::BelowThreshold,
                burned: uakt(0),
            },
            KumoEvent::ExpeditedConverted {
                id,
                voting_end: regular_end,
            },
        ]
    );
    let p = s.proposal(id);
    assert!(!p.expedited);
    assert_eq!(p.status, ProposalStatus::VotingPeriod);
    assert_eq!(p.voting_end_time, Some(regular_end));
    assert_eq!(p.outcome, None);
    // The deposit stays held, and voting goes on.
    assert_eq!(s.deposits(id).len(), 1);
    s.vote("dave", id, VoteOption::Yes).unwrap();
    assert_eq!(s.tally_of(id).tally, tally(700, 300, 0, 0));
    assert_err(
        s.tally(id),
        ContractError::VotingRunning {
            id,
            ends_at: regular_end,
        },
    );

    let before = s.balance_of("proposer");
    s.advance_to(regular_end);
    let res = s.tally(id).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProposalTallied {
            id,
            status: ProposalStatus::Passed,
            outcome: TallyOutcome::Passed,
            burned: uakt(0),
        }]
    );
    assert_eq!(
        s.balance_of("proposer"),
        before + Uint256::from(EXPEDITED_MIN_DEPOSIT)
    );
    assert_eq!(
        s.proposal(id).executable_at,
        Some(regular_end.plus_seconds(TIMELOCK))
    );
}

#[test]
fn a_vetoed_expedited_proposal_is_burned_only_at_the_regular_tally() {
    let mut s = Suite::with_stakers();
    let id = expedite(&mut s, EXPEDITED_MIN_DEPOSIT);
    s.vote("alice", id, VoteOption::NoWithVeto).unwrap();
    s.vote("bob", id, VoteOption::Yes).unwrap();
    let supply = s.supply(DENOM);
    s.end_voting(id).unwrap();
    // Like x/gov: converted, nothing burned yet.
    assert_eq!(s.proposal(id).status, ProposalStatus::VotingPeriod);
    assert_eq!(s.supply(DENOM), supply);
    s.end_voting(id).unwrap();
    assert_eq!(s.proposal(id).status, ProposalStatus::Vetoed);
    assert_eq!(
        s.supply(DENOM),
        supply - Uint256::from(EXPEDITED_MIN_DEPOSIT)
    );
}
