//! Slashing a provider's collateral by proposal: the fraction leaves the collateral and goes
//! where the registry's params say (burned, or into the community pool).

use cosmwasm_std::{Decimal, Uint256};
use kumo_governance::ContractError;
use kumo_types::coins::FundsDestination;
use kumo_types::events::KumoEvent;
use kumo_types::governance::ProposalAction;
use kumo_types::registry::RegistryParamsUpdate;
use kumo_types::ValidationError;

use crate::suite::*;

fn slash(s: &Suite, provider: &str, fraction: &str, reason: &str) -> ProposalAction {
    ProposalAction::SlashProvider {
        provider: s.addr(provider).to_string(),
        fraction: dec(fraction),
        reason: reason.into(),
    }
}

#[test]
fn a_slash_burns_the_fraction_of_the_collateral() {
    let mut s = Suite::with_stakers();
    s.register_gpu_provider("p1", 5000);
    let supply_before = s.supply(DENOM);
    let (id, res) = s.pass_and_execute(vec![slash(&s, "p1", "0.1", "faked its GPUs")]);
    let events = kumo_events(&res);
    assert!(events.contains(&KumoEvent::ProviderSlashed {
        provider: s.addr("p1"),
        amount: uakt(500),
        fraction: Decimal::percent(10),
        reason: "faked its GPUs".into(),
    }));
    assert!(events.contains(&KumoEvent::ProposalExecuted { id }));
    assert_eq!(s.collateral("p1").bonded, uakt(4500));
    assert_eq!(s.supply(DENOM), supply_before - Uint256::from(500u128));
    assert_eq!(s.pool(DENOM), Uint256::zero());
}

#[test]
fn a_slash_to_the_community_pool_raises_the_pool() {
    let mut s = Suite::with_stakers();
    s.register_gpu_provider("p1", 5000);
    s.pass_and_execute(vec![ProposalAction::UpdateRegistryParams(
        RegistryParamsUpdate {
            slash_destination: Some(FundsDestination::CommunityPool),
            ..Default::default()
        },
    )]);
    assert_eq!(
        s.registry_params().slash_destination,
        FundsDestination::CommunityPool
    );
    let supply_before = s.supply(DENOM);
    let gov_before = s.balance(&s.gov, DENOM);
    s.pass_and_execute(vec![slash(&s, "p1", "0.2", "downtime")]);
    assert_eq!(s.collateral("p1").bonded, uakt(4000));
    assert_eq!(s.pool(DENOM), Uint256::from(1000u128));
    assert_eq!(
        s.balance(&s.gov, DENOM),
        gov_before + Uint256::from(1000u128)
    );
    assert_eq!(s.supply(DENOM), supply_before);
}

#[test]
fn slashes_are_checked_at_submission() {
    let mut s = Suite::with_stakers();
    s.register_gpu_provider("p1", 5000);
    let invalid = |field: &str, reason: &str| ContractError::InvalidAction {
        index: 0,
        source: Box::new(ContractError::Validation(ValidationError::new(
            field, reason,
        ))),
    };
    let action = slash(&s, "p1", "0", "fraud");
    assert_err(
        s.propose(vec![action]),
        invalid("fraction", "0 must be above 0 and at most 1"),
    );
    let action = slash(&s, "p1", "1.5", "fraud");
    assert_err(
        s.propose(vec![action]),
        invalid("fraction", "1.5 must be above 0 and at most 1"),
    );
    let action = slash(&s, "p1", "0.5", "  ");
    assert_err(
        s.propose(vec![action]),
        invalid("reason", "must be 1-256 bytes and not blank"),
    );
    // An address the registry knows nothing about: most likely a typo.
    let action = slash(&s, "stranger", "0.5", "fraud");
    assert_err(
        s.propose(vec![action]),
        ContractError::InvalidAction {
            index: 0,
            source: Box::new(ContractError::NothingToSlash {
                provider: s.addr("stranger").to_string(),
            }),
        },
    );
    let action = ProposalAction::SlashProvider {
        provider: "p1".into(),
        fraction: dec("0.5"),
        reason: "fraud".into(),
    };
    assert_err(
        s.propose(vec![action]),
        "actions[0]: invalid input: provider: \"p1\" is not an address: ",
    );
    assert_eq!(s.proposals(None), Vec::<u64>::new());
    // A whole slash is fine.
    let action = slash(&s, "p1", "1", "fraud");
    s.propose(vec![action]).unwrap();
}
