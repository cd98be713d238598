//! Staking and voting power: the snapshot at the start height (no flash-staking), unstaking
//! that keeps tokens locked past the vote and its timelock, claims and their bounds.

use cosmwasm_std::{coin, Uint256};
use kumo_governance::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{Claim, ProposalStatus, VoteOption};

use crate::suite::*;

#[test]
fn stake_counts_from_the_next_block() {
    let mut s = Suite::new();
    let h = s.height();
    s.stake("alice", 400).unwrap();
    assert_eq!(s.power("alice", Some(h)), Uint256::zero());
    assert_eq!(s.power("alice", None), Uint256::from(400u128));
    assert_eq!(s.power("alice", Some(h + 1)), Uint256::from(400u128));
    assert_eq!(s.total_power(Some(h)), Uint256::zero());
    assert_eq!(s.total_power(Some(h + 1)), Uint256::from(400u128));

    s.next_block();
    s.stake("alice", 100).unwrap();
    s.stake("bob", 50).unwrap();
    s.next_block();
    s.unstake("alice", 200).unwrap();
    // History stays queryable.
    assert_eq!(s.power("alice", Some(h + 1)), Uint256::from(400u128));
    assert_eq!(s.power("alice", Some(h + 2)), Uint256::from(500u128));
    assert_eq!(s.power("alice", None), Uint256::from(300u128));
    assert_eq!(s.total_power(Some(h + 2)), Uint256::from(550u128));
    assert_eq!(s.total_power(None), Uint256::from(350u128));
}

#[test]
fn stake_added_once_voting_started_has_no_power() {
    let mut s = Suite::with_stakers();
    let id = s.submit(vec![], 250).unwrap();
    s.next_block();
    let start = s.height();
    // Staked in the block voting starts in, before the deposit that starts it.
    s.stake("eve", 10_000).unwrap();
    s.deposit("bob", id, 750).unwrap();
    assert_eq!(s.proposal(id).start_height, Some(start));
    assert_eq!(s.proposal(id).total_power, Uint256::from(1000u128));
    assert_err(
        s.vote("eve", id, VoteOption::Yes),
        ContractError::NoVotingPower {
            id,
            voter: s.addr("eve").to_string(),
            height: start,
        },
    );
    // Nor does stake added later.
    s.next_block();
    s.stake("eve", 10_000).unwrap();
    s.next_block();
    assert_err(
        s.vote("eve", id, VoteOption::Yes),
        ContractError::NoVotingPower {
            id,
            voter: s.addr("eve").to_string(),
            height: start,
        },
    );
    assert_eq!(s.power("eve", Some(start)), Uint256::zero());
    assert_eq!(s.power("eve", None), Uint256::from(20_000u128));

    // Unstaking doesn't take power away on a running vote: the snapshot decides.
    s.unstake("bob", 300).unwrap();
    s.vote("bob", id, VoteOption::No).unwrap();
    assert_eq!(s.tally_of(id).tally, tally(0, 300, 0, 0));
}

#[test]
fn unstaking_after_voting_keeps_the_vote_and_locks_the_tokens() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    s.vote("alice", id, VoteOption::Yes).unwrap();
    let unstaked_at = s.now();
    let res = s.unstake("alice", 400).unwrap();
    let release_at = unstaked_at.plus_seconds(UNBONDING);
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::Unstaked {
            staker: s.addr("alice"),
            amount: uakt(400),
            release_at,
        }]
    );
    assert_eq!(
        s.stake_of("alice").claims,
        vec![Claim {
            amount: 400u128.into(),
            release_at,
        }]
    );
    // The vote still counts with its start-height power.
    assert_eq!(s.tally_of(id).tally, tally(400, 0, 0, 0));
    s.end_voting(id).unwrap();
    assert_eq!(s.proposal(id).status, ProposalStatus::Passed);

    // Locked through the end of voting and the timelock, until the unbonding period.
    let executable_at = s.proposal(id).executable_at.unwrap();
    assert!(release_at >= executable_at);
    s.advance_to(executable_at);
    assert_err(s.claim("alice"), ContractError::NothingToClaim);
    s.advance_to(release_at.minus_seconds(1));
    assert_err(s.claim("alice"), ContractError::NothingToClaim);
    s.advance_to(release_at);
    let before = s.balance_of("alice");
    let res = s.claim("alice").unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::StakeClaimed {
            staker: s.addr("alice"),
            amount: uakt(400),
        }]
    );
    assert_eq!(s.balance_of("alice"), before + Uint256::from(400u128));
    assert_eq!(s.stake_of("alice").claims, vec![]);
    assert_err(s.claim("alice"), ContractError::NothingToClaim);
}

#[test]
fn unstakes_and_claims_are_bounded() {
    let mut s = Suite::with_stakers();
    assert_err(s.unstake("alice", 0), ContractError::ZeroAmount);
    assert_err(
        s.unstake("alice", 401),
        ContractError::UnstakeExceedsStake {
            amount: 401u128.into(),
            staked: 400u128.into(),
        },
    );
    for _ in 0..7 {
        s.unstake("alice", 1).unwrap();
    }
    assert_err(s.unstake("alice", 1), ContractError::TooManyClaims);
    // Matured claims are paid together and free their slots.
    s.advance(UNBONDING);
    s.unstake("bob", 1).unwrap();
    let before = s.balance_of("alice");
    s.claim("alice").unwrap();
    assert_eq!(s.balance_of("alice"), before + Uint256::from(7u128));
    s.unstake("alice", 1).unwrap();
    assert_eq!(s.stake_of("alice").staked, uakt(392));
    assert_eq!(s.stake_of("alice").claims.len(), 1);
}

#[test]
fn stakes_are_paid_in_the_staking_denom() {
    let mut s = Suite::new();
    assert_err(
        s.gov_exec("alice", &kumo_types::governance::ExecuteMsg::Stake {}, &[]),
        "invalid funds: No funds sent",
    );
    assert_err(
        s.gov_exec(
            "alice",
            &kumo_types::governance::ExecuteMsg::Stake {},
            &[coin(5, USDC)],
        ),
        "invalid funds: Must send reserve token 'uakt'",
    );
    assert_err(
        s.gov_exec(
            "alice",
            &kumo_types::governance::ExecuteMsg::Stake {},
            &[uakt(5), coin(5, USDC)],
        ),
        "invalid funds: Sent more than one denomination",
    );
}
