//! Bonding, unbonding and claiming collateral.

use cosmwasm_std::{Coin, Uint256};
use cw_utils::PaymentError;
use kumo_registry::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::registry::{ExecuteMsg, UnbondingEntry, MAX_UNBONDING_ENTRIES};

use crate::suite::{
    assert_error, kumo_events, uakt, Suite, DENOM, OTHER_DENOM, PER_GPU, UNBONDING_PERIOD,
};

fn bonded(amount: u128) -> Suite {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    if amount > 0 {
        suite.bond(&provider, amount).unwrap();
    }
    suite
}

#[test]
fn bonding_adds_up_and_emits_events() {
    let mut suite = bonded(0);
    let provider = suite.addr("provider");
    let res = suite.bond(&provider, 300).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::CollateralBonded {
            provider: provider.clone(),
            amount: uakt(300)
        }]
    );
    suite.bond(&provider, 450).unwrap();
    assert_eq!(suite.collateral(&provider).bonded, uakt(750));
    assert_eq!(suite.balance(&suite.registry), 750);
}

#[test]
fn bonding_requires_a_registered_provider() {
    let mut suite = Suite::new();
    let stranger = suite.addr("stranger");
    let err = suite.bond(&stranger, 100).unwrap_err();
    assert_error(
        err,
        ContractError::NotRegistered {
            provider: stranger.to_string(),
        },
    );
}

#[test]
fn bonding_takes_exactly_one_coin_of_the_collateral_denom() {
    let mut suite = bonded(0);
    let provider = suite.addr("provider");
    let bond = ExecuteMsg::BondCollateral {};
    let cases = [
        (vec![], PaymentError::NoFunds {}),
        (
            vec![Coin::new(100u128, OTHER_DENOM)],
            PaymentError::MissingDenom(DENOM.into()),
        ),
        (
            vec![uakt(100), Coin::new(100u128, OTHER_DENOM)],
            PaymentError::MultipleDenoms {},
        ),
    ];
    for (funds, expected) in cases {
        let err = suite
            .execute_with_funds(&provider, &bond, &funds)
            .unwrap_err();
        assert_error(err, ContractError::Payment(expected));
    }
    assert_eq!(suite.collateral(&provider).bonded, uakt(0));
}

#[test]
fn unbonded_collateral_is_claimable_after_the_unbonding_period() {
    let mut suite = bonded(1_000);
    let provider = suite.addr("provider");
    let start = suite.app.block_info().time;
    let release_at = start.plus_seconds(UNBONDING_PERIOD);

    let res = suite.unbond(&provider, 400).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::CollateralUnbonding {
            provider: provider.clone(),
            amount: uakt(400),
            release_at
        }]
    );
    let c = suite.collateral(&provider);
    assert_eq!(c.bonded, uakt(600));
    assert_eq!(
        c.unbonding,
        vec![UnbondingEntry {
            amount: Uint256::from(400u128),
            release_at
        }]
    );

    // Not a second early.
    assert_error(
        suite.claim(&provider).unwrap_err(),
        ContractError::NothingToClaim,
    );
    suite.advance(UNBONDING_PERIOD - 1);
    assert_error(
        suite.claim(&provider).unwrap_err(),
        ContractError::NothingToClaim,
    );

    suite.advance(1);
    let before = suite.balance(&provider);
    let res = suite.claim(&provider).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::CollateralClaimed {
            provider: provider.clone(),
            amount: uakt(400)
        }]
    );
    assert_eq!(suite.balance(&provider), before + 400);
    assert_eq!(suite.balance(&suite.registry), 600);
    assert!(suite.collateral(&provider).unbonding.is_empty());
    assert_error(
        suite.claim(&provider).unwrap_err(),
        ContractError::NothingToClaim,
    );
}

#[test]
fn a_claim_pays_only_matured_entries() {
    let mut suite = bonded(1_000);
    let provider = suite.addr("provider");
    suite.unbond(&provider, 100).unwrap();
    suite.advance(3_600);
    suite.unbond(&provider, 200).unwrap();
    suite.advance(UNBONDING_PERIOD - 3_600);

    let before = suite.balance(&provider);
    suite.claim(&provider).unwrap();
    assert_eq!(suite.balance(&provider), before + 100);
    let left = suite.collateral(&provider).unbonding;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].amount, Uint256::from(200u128));

    suite.advance(3_600);
    suite.claim(&provider).unwrap();
    assert_eq!(suite.balance(&provider), before + 300);
}

#[test]
fn unbonding_zero_is_refused() {
    let mut suite = bonded(1_000);
    let provider = suite.addr("provider");
    assert_error(
        suite.unbond(&provider, 0).unwrap_err(),
        ContractError::ZeroAmount,
    );
}

#[test]
fn unbonding_more_than_bonded_is_refused() {
    let mut suite = bonded(1_000);
    let provider = suite.addr("provider");
    assert_error(
        suite.unbond(&provider, 1_001).unwrap_err(),
        ContractError::UnbondExceedsBonded {
            amount: Uint256::from(1_001u128),
            bonded: Uint256::from(1_000u128),
        },
    );
    // Nothing bonded at all.
    let stranger = suite.addr("stranger");
    assert_error(
        suite.unbond(&stranger, 1).unwrap_err(),
        ContractError::UnbondExceedsBonded {
            amount: Uint256::one(),
            bonded: Uint256::zero(),
        },
    );
}

#[test]
fn unbonding_must_leave_the_collateral_leased_gpus_require() {
    let mut suite = bonded(5_000);
    let provider = suite.addr("provider");
    suite.set_stats(&provider, 1, 4);
    assert_error(
        suite.unbond(&provider, 1_001).unwrap_err(),
        ContractError::InsufficientCollateral {
            remaining: Uint256::from(3_999u128),
            required: Uint256::from(4 * PER_GPU),
            leased_gpus: 4,
        },
    );
    suite.unbond(&provider, 1_000).unwrap();
    assert_eq!(suite.collateral(&provider).bonded, uakt(4_000));
}

#[test]
fn without_a_market_everything_may_be_unbonded() {
    let mut suite = Suite::builder().without_market().build();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    suite.bond(&provider, 5_000).unwrap();
    suite.unbond(&provider, 5_000).unwrap();
    let c = suite.collateral(&provider);
    assert_eq!(c.bonded, uakt(0));
    assert_eq!(c.leased_gpus, 0);
    assert_eq!(c.required, Uint256::zero());
}

#[test]
fn unbonding_entries_are_bounded() {
    let mut suite = bonded(1_000);
    let provider = suite.addr("provider");
    for _ in 0..MAX_UNBONDING_ENTRIES {
        suite.unbond(&provider, 10).unwrap();
    }
    assert_error(
        suite.unbond(&provider, 10).unwrap_err(),
        ContractError::TooManyUnbondingEntries,
    );
    // Matured but unclaimed entries still count; claiming frees the slots.
    suite.advance(UNBONDING_PERIOD);
    assert_error(
        suite.unbond(&provider, 10).unwrap_err(),
        ContractError::TooManyUnbondingEntries,
    );
    suite.claim(&provider).unwrap();
    suite.unbond(&provider, 10).unwrap();
}

#[test]
fn the_collateral_query_reports_what_leases_require() {
    let mut suite = bonded(7_000);
    let provider = suite.addr("provider");
    suite.set_stats(&provider, 2, 3);
    suite.unbond(&provider, 500).unwrap();
    let c = suite.collateral(&provider);
    assert_eq!(c.provider, provider);
    assert_eq!(c.bonded, uakt(6_500));
    assert_eq!(c.unbonding.len(), 1);
    assert_eq!(c.leased_gpus, 3);
    assert_eq!(c.required, Uint256::from(3 * PER_GPU));

    // Any address answers, with nothing bonded.
    let stranger = suite.addr("stranger");
    let c = suite.collateral(&stranger);
    assert_eq!(c.bonded, uakt(0));
    assert!(c.unbonding.is_empty());
}

#[test]
fn unbond_and_claim_take_no_funds() {
    let mut suite = bonded(1_000);
    let provider = suite.addr("provider");
    for msg in [
        ExecuteMsg::UnbondCollateral {
            amount: Uint256::one(),
        },
        ExecuteMsg::ClaimCollateral {},
    ] {
        let err = suite
            .execute_with_funds(&provider, &msg, &[uakt(1)])
            .unwrap_err();
        assert_error(err, ContractError::Payment(PaymentError::NonPayable {}));
    }
}
