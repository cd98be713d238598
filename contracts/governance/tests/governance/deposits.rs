//! Deposits: minimums, top-ups by anyone, the start of voting, the bounded depositor list,
//! expiry with refunds, and cancellation with a burn.

use cosmwasm_std::{coin, Uint256};
use kumo_governance::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{ProposalStatus, QueryMsg, VoteOption, MAX_DEPOSITORS};

use crate::suite::*;

#[test]
fn an_expired_deposit_period_refunds_and_deletes() {
    let mut s = Suite::with_stakers();
    let before = (s.balance_of("proposer"), s.balance_of("bob"));
    let id = s.submit(vec![], 250).unwrap();
    s.deposit("bob", id, 100).unwrap();
    let deposit_end = s.proposal(id).deposit_end_time;
    assert_eq!(deposit_end, s.now().plus_seconds(DEPOSIT_PERIOD));

    s.advance_to(deposit_end.minus_seconds(1));
    assert_err(
        s.expire(id),
        ContractError::DepositPeriodRunning {
            id,
            ends_at: deposit_end,
        },
    );
    s.advance_to(deposit_end);
    assert_err(
        s.deposit("carol", id, 650),
        ContractError::DepositPeriodEnded {
            id,
            ended_at: deposit_end,
        },
    );
    let res = s.expire(id).unwrap();
    assert_eq!(kumo_events(&res), vec![KumoEvent::ProposalExpired { id }]);
    assert_eq!((s.balance_of("proposer"), s.balance_of("bob")), before);
    assert_err(
        s.gov_query::<kumo_types::governance::ProposalResponse>(&QueryMsg::Proposal { id }),
        ContractError::ProposalNotFound { id },
    );
    assert_eq!(s.proposals(None), Vec::<u64>::new());
    assert_eq!(s.balance(&s.gov, DENOM), Uint256::from(1000u128));
    assert_err(s.expire(id), ContractError::ProposalNotFound { id });
}

#[test]
fn only_a_deposit_period_expires() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    s.advance(DEPOSIT_PERIOD);
    assert_err(
        s.expire(id),
        ContractError::WrongStatus {
            id,
            status: "voting_period",
            expected: "deposit_period",
        },
    );
}

#[test]
fn deposits_have_minimums_and_the_staking_denom() {
    let mut s = Suite::with_stakers();
    assert_err(
        s.submit(vec![], 249),
        ContractError::InitialDepositTooSmall {
            amount: 249u128.into(),
            min: 250u128.into(),
            denom: DENOM.into(),
        },
    );
    assert_err(
        s.submit_with("proposer", vec![], true, &[uakt(1249)]),
        ContractError::InitialDepositTooSmall {
            amount: 1249u128.into(),
            min: 1250u128.into(),
            denom: DENOM.into(),
        },
    );
    assert_err(
        s.submit_with("proposer", vec![], false, &[coin(1000, USDC)]),
        "invalid funds: Received unsupported denom 'uusdc'",
    );
    let id = s.submit(vec![], 250).unwrap();
    assert_err(
        s.deposit("bob", id, 9),
        ContractError::DepositTooSmall {
            amount: 9u128.into(),
            min: 10u128.into(),
            denom: DENOM.into(),
        },
    );
    assert_err(
        s.gov_exec(
            "bob",
            &kumo_types::governance::ExecuteMsg::Deposit { id },
            &[coin(100, USDC)],
        ),
        "invalid funds: Must send reserve token 'uakt'",
    );
    assert_err(
        s.deposit("bob", 42, 100),
        ContractError::ProposalNotFound { id: 42 },
    );
    s.deposit("bob", id, 10).unwrap();
    assert_eq!(
        s.deposits(id),
        vec![
            (s.addr("proposer"), Uint256::from(250u128)),
            (s.addr("bob"), Uint256::from(10u128)),
        ]
    );
}

#[test]
fn top_ups_during_voting_are_held_and_refunded() {
    let mut s = Suite::with_stakers();
    let id = s.submit(vec![], 600).unwrap();
    s.deposit("proposer", id, 400).unwrap();
    assert_eq!(s.proposal(id).status, ProposalStatus::VotingPeriod);
    // One entry per depositor; more during voting.
    s.deposit("bob", id, 200).unwrap();
    assert_eq!(s.proposal(id).total_deposit, uakt(1200));
    assert_eq!(
        s.deposits(id),
        vec![
            (s.addr("proposer"), Uint256::from(1000u128)),
            (s.addr("bob"), Uint256::from(200u128)),
        ]
    );
    let bob = s.balance_of("bob");
    s.vote("alice", id, VoteOption::Yes).unwrap();
    s.end_voting(id).unwrap();
    assert_eq!(s.balance_of("bob"), bob + Uint256::from(200u128));
    assert_err(
        s.deposit("bob", id, 200),
        ContractError::WrongStatus {
            id,
            status: "passed",
            expected: "deposit_period or voting_period",
        },
    );
}

#[test]
fn the_depositor_list_is_bounded() {
    let mut s = Suite::with_stakers();
    let id = s.submit(vec![], 250).unwrap();
    // The proposer is the first of MAX_DEPOSITORS.
    let names: Vec<String> = (1..=MAX_DEPOSITORS)
        .map(|i| format!("depositor{i}"))
        .collect();
    for name in &names {
        let addr = s.addr(name);
        s.send("donor", &addr, vec![uakt(100)]);
    }
    for name in &names[..MAX_DEPOSITORS - 1] {
        s.deposit(name, id, 10).unwrap();
    }
    assert_err(
        s.deposit(&names[MAX_DEPOSITORS - 1], id, 10),
        ContractError::TooManyDepositors { id },
    );
    // Those on the list can still top up, and reach the minimum.
    s.deposit("proposer", id, 440).unwrap();
    assert_eq!(s.deposits(id).len(), MAX_DEPOSITORS);
    assert_eq!(s.proposal(id).status, ProposalStatus::VotingPeriod);
}

#[test]
fn the_proposer_cancels_with_a_burn() {
    let mut s = Suite::with_stakers();
    let id = s.submit(vec![], 600).unwrap();
    s.deposit("bob", id, 400).unwrap();
    s.vote("alice", id, VoteOption::Yes).unwrap();
    assert_err(s.cancel("bob", id), ContractError::NotProposer { id });

    let supply = s.supply(DENOM);
    let before = (s.balance_of("proposer"), s.balance_of("bob"));
    let res = s.cancel("proposer", id).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProposalCancelled {
            id,
            burned: uakt(500),
        }]
    );
    // Half of each deposit is burned, the other half refunded.
    assert_eq!(s.balance_of("proposer"), before.0 + Uint256::from(300u128));
    assert_eq!(s.balance_of("bob"), before.1 + Uint256::from(200u128));
    assert_eq!(s.supply(DENOM), supply - Uint256::from(500u128));
    assert_eq!(s.proposal(id).status, ProposalStatus::Cancelled);
    assert_eq!(s.deposits(id), vec![]);
    assert_eq!(s.balance(&s.gov, DENOM), Uint256::from(1000u128));
    assert_err(
        s.vote("bob", id, VoteOption::No),
        ContractError::WrongStatus {
            id,
            status: "cancelled",
            expected: "voting_period",
        },
    );
    assert_err(
        s.cancel("proposer", id),
        ContractError::WrongStatus {
            id,
            status: "cancelled",
            expected: "deposit_period or voting_period",
        },
    );
}

#[test]
fn cancelling_ends_with_voting() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    let end = s.proposal(id).voting_end_time.unwrap();
    s.advance_to(end);
    assert_err(
        s.cancel("proposer", id),
        ContractError::VotingEnded { id, ended_at: end },
    );
    // In the deposit period it works, and a cancelled deposit-period proposal keeps its record.
    let id = s.submit(vec![], 250).unwrap();
    s.cancel("proposer", id).unwrap();
    assert_eq!(s.proposal(id).status, ProposalStatus::Cancelled);
    assert_eq!(s.proposals(Some(ProposalStatus::Cancelled)), vec![id]);
}
