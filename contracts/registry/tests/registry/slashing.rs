//! Governance slashing provider collateral.

use cosmwasm_std::Uint256;
use kumo_registry::ContractError;
use kumo_types::coins::FundsDestination;
use kumo_types::events::KumoEvent;
use kumo_types::registry::{RegistryParamsUpdate, MAX_REASON_LEN};

use crate::suite::{
    assert_error, assert_invalid, dec, default_params, kumo_events, uakt, Suite, UNBONDING_PERIOD,
};

/// A provider with 1000 bonded and 500 unbonding.
fn with_collateral(destination: FundsDestination) -> Suite {
    let mut suite = Suite::builder()
        .params(kumo_types::registry::RegistryParams {
            slash_destination: destination,
            ..default_params()
        })
        .build();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    suite.bond(&provider, 1_500).unwrap();
    suite.unbond(&provider, 500).unwrap();
    suite
}

#[test]
fn slashing_burns_from_bonded_and_unbonding() {
    let mut suite = with_collateral(FundsDestination::Burn);
    let (provider, governance) = (suite.addr("provider"), suite.governance.clone());
    let supply = suite.supply();
    let gov_balance = suite.balance(&governance);

    let res = suite
        .slash(&governance, &provider, "0.1", "served garbage")
        .unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProviderSlashed {
            provider: provider.clone(),
            amount: uakt(150),
            fraction: dec("0.1"),
            reason: "served garbage".into()
        }]
    );
    let c = suite.collateral(&provider);
    assert_eq!(c.bonded, uakt(900));
    assert_eq!(c.unbonding[0].amount, Uint256::from(450u128));
    assert_eq!(suite.supply(), supply - 150);
    assert_eq!(suite.balance(&suite.registry), 1_350);
    assert_eq!(suite.balance(&governance), gov_balance);

    // The slashed unbonding entry pays out what is left of it.
    suite.advance(UNBONDING_PERIOD);
    let before = suite.balance(&provider);
    suite.claim(&provider).unwrap();
    assert_eq!(suite.balance(&provider), before + 450);
}

#[test]
fn slashing_can_fund_the_community_pool() {
    let mut suite = with_collateral(FundsDestination::CommunityPool);
    let (provider, governance) = (suite.addr("provider"), suite.governance.clone());
    let supply = suite.supply();
    let gov_balance = suite.balance(&governance);
    suite
        .slash(&governance, &provider, "0.5", "downtime")
        .unwrap();
    assert_eq!(suite.balance(&governance), gov_balance + 750);
    assert_eq!(suite.supply(), supply);
    assert_eq!(suite.held_for(&provider), 750);
}

#[test]
fn slashing_rounds_each_part_down() {
    let mut suite = Suite::new();
    let (provider, governance) = (suite.addr("provider"), suite.governance.clone());
    suite.register(&provider).unwrap();
    suite.bond(&provider, 1_000).unwrap();
    suite.unbond(&provider, 1).unwrap();
    // 999 * 0.5 = 499.5 -> 499; 1 * 0.5 = 0.5 -> 0.
    let res = suite.slash(&governance, &provider, "0.5", "fault").unwrap();
    let KumoEvent::ProviderSlashed { amount, .. } = &kumo_events(&res)[0] else {
        panic!("no slash event");
    };
    assert_eq!(*amount, uakt(499));
    assert_eq!(suite.collateral(&provider).bonded, uakt(500));
    assert_eq!(
        suite.collateral(&provider).unbonding[0].amount,
        Uint256::one()
    );
}

#[test]
fn slashing_everything_empties_bonded_and_unbonding() {
    let mut suite = with_collateral(FundsDestination::Burn);
    let (provider, governance) = (suite.addr("provider"), suite.governance.clone());
    suite.slash(&governance, &provider, "1", "fraud").unwrap();
    let c = suite.collateral(&provider);
    assert_eq!(c.bonded, uakt(0));
    assert!(c.unbonding.is_empty());
    assert_eq!(suite.balance(&suite.registry), 0);
    suite.advance(UNBONDING_PERIOD);
    assert_error(
        suite.claim(&provider).unwrap_err(),
        ContractError::NothingToClaim,
    );
}

#[test]
fn a_zero_slash_sends_nothing_but_still_emits_the_event() {
    let mut suite = Suite::new();
    let (provider, governance) = (suite.addr("provider"), suite.governance.clone());
    suite.register(&provider).unwrap();
    let supply = suite.supply();
    let res = suite
        .slash(&governance, &provider, "0.3", "warning")
        .unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProviderSlashed {
            provider,
            amount: uakt(0),
            fraction: dec("0.3"),
            reason: "warning".into()
        }]
    );
    assert_eq!(suite.supply(), supply);
    assert!(res
        .events
        .iter()
        .all(|e| e.ty != "burn" && e.ty != "transfer"));
}

#[test]
fn a_deregistered_provider_with_collateral_can_be_slashed() {
    let mut suite = with_collateral(FundsDestination::Burn);
    let (provider, governance) = (suite.addr("provider"), suite.governance.clone());
    suite.deregister(&provider).unwrap();
    suite
        .slash(&governance, &provider, "0.2", "late fault")
        .unwrap();
    assert_eq!(suite.held_for(&provider), 1_200);
}

#[test]
fn slashing_an_unknown_address_is_refused() {
    let mut suite = Suite::new();
    let (stranger, governance) = (suite.addr("stranger"), suite.governance.clone());
    assert_error(
        suite
            .slash(&governance, &stranger, "0.1", "typo")
            .unwrap_err(),
        ContractError::NothingToSlash {
            address: stranger.to_string(),
        },
    );
}

#[test]
fn only_governance_slashes() {
    let mut suite = with_collateral(FundsDestination::Burn);
    let (provider, stranger) = (suite.addr("provider"), suite.addr("stranger"));
    for sender in [&stranger, &provider] {
        assert_error(
            suite.slash(sender, &provider, "0.1", "grudge").unwrap_err(),
            ContractError::Unauthorized,
        );
    }
    assert_eq!(suite.held_for(&provider), 1_500);
}

#[test]
fn slash_fraction_and_reason_are_validated() {
    let mut suite = with_collateral(FundsDestination::Burn);
    let (provider, governance) = (suite.addr("provider"), suite.governance.clone());
    for fraction in ["0", "1.000000000000000001", "2"] {
        let err = suite
            .slash(&governance, &provider, fraction, "reason")
            .unwrap_err();
        assert_invalid(err, "fraction");
    }
    for reason in [String::new(), "  ".into(), "x".repeat(MAX_REASON_LEN + 1)] {
        let err = suite
            .slash(&governance, &provider, "0.1", &reason)
            .unwrap_err();
        assert_invalid(err, "reason");
    }
    assert_eq!(suite.held_for(&provider), 1_500);
}

#[test]
fn slashing_follows_the_destination_governance_sets() {
    let mut suite = with_collateral(FundsDestination::Burn);
    let (provider, governance) = (suite.addr("provider"), suite.governance.clone());
    suite
        .update_params(
            &governance,
            RegistryParamsUpdate {
                slash_destination: Some(FundsDestination::CommunityPool),
                ..Default::default()
            },
        )
        .unwrap();
    let gov_balance = suite.balance(&governance);
    suite.slash(&governance, &provider, "0.1", "fault").unwrap();
    assert_eq!(suite.balance(&governance), gov_balance + 150);
}
