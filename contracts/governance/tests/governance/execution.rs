//! Execution: the timelock, once only, failures that end as execution_failed with the reason
//! (foreseen ones before dispatch, a target's refusal through the reply), atomicity, and that
//! a failed proposal blocks nothing else.

use cosmwasm_std::{Decimal, Uint256};
use cw_multi_test::Executor;
use kumo_governance::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{GovernanceParamsUpdate, ProposalAction, ProposalStatus, VoteOption};
use kumo_types::market::{self, MarketParamsUpdate};
use kumo_types::registry::{self, RegistryParamsUpdate};

use crate::refusing_market::{self, REFUSAL};
use crate::suite::*;

fn spend(recipient: &Suite, amount: u128) -> ProposalAction {
    ProposalAction::CommunityPoolSpend {
        recipient: recipient.addr("recipient").to_string(),
        amount: vec![uakt(amount)],
    }
}

/// Submits and passes several proposals side by side (all vote in the same window).
fn pass_together(s: &mut Suite, proposals: Vec<Vec<ProposalAction>>) -> Vec<u64> {
    let ids: Vec<u64> = proposals
        .into_iter()
        .map(|actions| s.propose(actions).unwrap())
        .collect();
    for id in &ids {
        for (who, _) in STAKERS {
            s.vote(who, *id, VoteOption::Yes).unwrap();
        }
    }
    let end = s.proposal(ids[0]).voting_end_time.unwrap();
    s.advance_to(end);
    for id in &ids {
        s.tally(*id).unwrap();
        assert_eq!(s.proposal(*id).status, ProposalStatus::Passed);
    }
    s.advance(TIMELOCK);
    ids
}

#[test]
fn a_spend_of_a_drained_pool_fails_and_other_proposals_keep_working() {
    let mut s = Suite::with_stakers();
    let gov = s.gov.clone();
    s.send("donor", &gov, vec![uakt(1000)]);
    assert_eq!(s.pool(DENOM), Uint256::from(1000u128));

    // Each spend fits the pool on its own; together they don't.
    let spend_a = spend(&s, 600);
    let spend_b = spend(&s, 600);
    let ids = pass_together(&mut s, vec![vec![spend_a], vec![spend_b]]);

    let recipient_before = s.balance_of("recipient");
    s.execute(ids[0]).unwrap();
    assert_eq!(
        s.balance_of("recipient"),
        recipient_before + Uint256::from(600u128)
    );
    assert_eq!(s.pool(DENOM), Uint256::from(400u128));

    // The second is refused by the pre-dispatch check, with the reason, and no money moves.
    let res = s.execute(ids[1]).unwrap();
    let reason = "actions[0]: community pool holds 400uakt, cannot spend 600uakt";
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProposalExecutionFailed {
            id: ids[1],
            reason: reason.into(),
        }]
    );
    let failed = s.proposal(ids[1]);
    assert_eq!(failed.status, ProposalStatus::ExecutionFailed);
    assert_eq!(failed.failure.as_deref(), Some(reason));
    assert_eq!(
        s.balance_of("recipient"),
        recipient_before + Uint256::from(600u128)
    );
    assert_eq!(s.pool(DENOM), Uint256::from(400u128));
    // Stakes were never at risk.
    assert_eq!(s.balance(&s.gov, DENOM), Uint256::from(1000u128 + 400));
    assert_eq!(
        s.proposals(Some(ProposalStatus::ExecutionFailed)),
        vec![ids[1]]
    );
    assert_eq!(s.proposals(Some(ProposalStatus::Passed)), Vec::<u64>::new());

    // Failed is final.
    assert_err(
        s.execute(ids[1]),
        ContractError::WrongStatus {
            id: ids[1],
            status: "execution_failed",
            expected: "passed",
        },
    );

    // Governance goes on: the next proposal executes.
    let (next, _) = s.pass_and_execute(vec![spend(&s, 400)]);
    assert_eq!(s.proposal(next).status, ProposalStatus::Executed);
    assert_eq!(s.pool(DENOM), Uint256::zero());
}

#[test]
fn a_slash_of_a_provider_that_left_the_registry_fails_with_the_reason() {
    let mut s = Suite::with_stakers();
    s.register_gpu_provider("p2", 1000);
    let provider = s.addr("p2");
    let id = s
        .propose(vec![ProposalAction::SlashProvider {
            provider: provider.to_string(),
            fraction: Decimal::percent(50),
            reason: "faked its GPUs".into(),
        }])
        .unwrap();
    for (who, _) in STAKERS {
        s.vote(who, id, VoteOption::Yes).unwrap();
    }

    // While the vote runs, the provider unbonds everything, deregisters and claims.
    s.registry_exec(
        "p2",
        &registry::ExecuteMsg::UnbondCollateral {
            amount: 1000u128.into(),
        },
        &[],
    )
    .unwrap();
    s.registry_exec("p2", &registry::ExecuteMsg::DeregisterProvider {}, &[])
        .unwrap();
    s.advance(REGISTRY_UNBONDING);
    s.registry_exec("p2", &registry::ExecuteMsg::ClaimCollateral {}, &[])
        .unwrap();

    s.end_voting(id).unwrap();
    s.advance(TIMELOCK);
    let supply_before = s.supply(DENOM);
    let res = s.execute(id).unwrap();
    let reason = format!(
        "actions[0]: provider {provider} has neither a registration nor collateral to slash"
    );
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProposalExecutionFailed {
            id,
            reason: reason.clone(),
        }]
    );
    assert_eq!(s.proposal(id).failure, Some(reason));
    assert_eq!(s.supply(DENOM), supply_before);
}

#[test]
fn a_target_refusing_at_execution_rolls_back_every_action() {
    let mut s = Suite::with_stakers();
    // Point governance at a market that accepts proposals but refuses their execution.
    let code = s.app.store_code(refusing_market::contract());
    let deployer = s.addr("deployer");
    let stand_in = s
        .app
        .instantiate_contract(
            code,
            deployer,
            &market::InstantiateMsg {
                governance: s.gov.to_string(),
                registry: s.registry.to_string(),
                params: market_params(),
            },
            &[],
            "refusing market",
            None,
        )
        .unwrap();
    let (_, res) = s.pass_and_execute(vec![ProposalAction::SetContracts {
        market: Some(stand_in.to_string()),
        registry: None,
    }]);
    assert!(kumo_events(&res).contains(&KumoEvent::ConfigUpdated {
        contract: "governance".into()
    }));
    assert_eq!(s.gov_config().market, Some(stand_in));

    // Three actions; the third one's target refuses at execution.
    let id = s.pass(vec![
        ProposalAction::UpdateGovernanceParams(Box::new(GovernanceParamsUpdate {
            quorum: Some(Decimal::percent(40)),
            ..Default::default()
        })),
        ProposalAction::UpdateRegistryParams(RegistryParamsUpdate {
            min_collateral_per_gpu: Some(2000u128.into()),
            ..Default::default()
        }),
        ProposalAction::UpdateMarketParams(MarketParamsUpdate {
            max_groups: Some(5),
            ..Default::default()
        }),
    ]);
    let res = s.execute(id).unwrap();
    let events = kumo_events(&res);
    let [KumoEvent::ProposalExecutionFailed { id: failed, reason }] = events.as_slice() else {
        panic!("expected only an execution failure, got {events:?}");
    };
    assert_eq!(*failed, id);
    // The reply's error text is the chain's (a bare code on a real chain); here it is the
    // test harness's, ending with the stand-in's refusal.
    assert!(reason.ends_with(&format!("{REFUSAL}\" }})")), "{reason}");
    let proposal = s.proposal(id);
    assert_eq!(proposal.status, ProposalStatus::ExecutionFailed);
    assert_eq!(proposal.failure.as_ref(), Some(reason));

    // Nothing of it applied: not this contract's params, not the registry's.
    assert_eq!(s.gov_params().quorum, dec("0.334"));
    assert_eq!(
        s.registry_params().min_collateral_per_gpu,
        Uint256::from(COLLATERAL_PER_GPU)
    );
}

#[test]
fn execution_waits_for_the_timelock_and_happens_once() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    s.vote("alice", id, VoteOption::Yes).unwrap();
    s.end_voting(id).unwrap();
    let executable_at = s.proposal(id).executable_at.unwrap();
    assert_eq!(
        executable_at,
        s.proposal(id)
            .voting_end_time
            .unwrap()
            .plus_seconds(TIMELOCK)
    );

    s.advance_to(executable_at.minus_seconds(1));
    assert_err(
        s.execute(id),
        ContractError::TimelockActive { id, executable_at },
    );
    s.advance_to(executable_at);
    let res = s.execute(id).unwrap();
    assert_eq!(kumo_events(&res), vec![KumoEvent::ProposalExecuted { id }]);
    assert_eq!(s.proposal(id).status, ProposalStatus::Executed);
    assert_err(
        s.execute(id),
        ContractError::WrongStatus {
            id,
            status: "executed",
            expected: "passed",
        },
    );
}

#[test]
fn only_passed_proposals_execute() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    assert_err(
        s.execute(id),
        ContractError::WrongStatus {
            id,
            status: "voting_period",
            expected: "passed",
        },
    );
    s.vote("alice", id, VoteOption::No).unwrap();
    s.end_voting(id).unwrap();
    s.advance(TIMELOCK);
    assert_err(
        s.execute(id),
        ContractError::WrongStatus {
            id,
            status: "rejected",
            expected: "passed",
        },
    );
    assert_err(s.execute(99), ContractError::ProposalNotFound { id: 99 });
}

#[test]
fn governance_changes_its_own_params() {
    let mut s = Suite::with_stakers();
    let (id, res) = s.pass_and_execute(vec![ProposalAction::UpdateGovernanceParams(Box::new(
        GovernanceParamsUpdate {
            quorum: Some(Decimal::percent(40)),
            timelock_seconds: Some(300),
            ..Default::default()
        },
    ))]);
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::ParamsUpdated {
                contract: "governance".into()
            },
            KumoEvent::ProposalExecuted { id },
        ]
    );
    let params = s.gov_params();
    assert_eq!(params.quorum, Decimal::percent(40));
    assert_eq!(params.timelock_seconds, 300);
    assert_eq!(params.voting_period_seconds, VOTING_PERIOD);

    // The new quorum applies to the next tally: 334 of 1000 no longer suffices.
    let next = s.propose(vec![]).unwrap();
    s.vote("alice", next, VoteOption::Yes).unwrap();
    s.end_voting(next).unwrap();
    assert_eq!(s.proposal(next).status, ProposalStatus::Passed);
    let third = s.propose(vec![]).unwrap();
    s.vote("bob", third, VoteOption::Yes).unwrap();
    s.end_voting(third).unwrap();
    assert_eq!(s.proposal(third).status, ProposalStatus::Rejected);
}

#[test]
fn actions_of_one_proposal_see_each_other() {
    // The slash goes to the community pool because the action before it says so.
    let mut s = Suite::with_stakers();
    s.register_gpu_provider("p1", 5000);
    let provider = s.addr("p1").to_string();
    s.pass_and_execute(vec![
        ProposalAction::UpdateRegistryParams(RegistryParamsUpdate {
            slash_destination: Some(kumo_types::coins::FundsDestination::CommunityPool),
            ..Default::default()
        }),
        ProposalAction::SlashProvider {
            provider,
            fraction: Decimal::percent(10),
            reason: "downtime".into(),
        },
    ]);
    assert_eq!(s.pool(DENOM), Uint256::from(500u128));
    assert_eq!(s.collateral("p1").bonded, uakt(4500));
}
