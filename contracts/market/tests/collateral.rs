//! Collateral backs GPU leases: checked at bid time, and again when the bid becomes a lease,
//! since the provider may have unbonded in between.

mod common;

use common::*;
use cosmwasm_std::Uint256;
use kumo_market::ContractError;
use kumo_types::market::BidState;
use kumo_types::registry;

#[test]
fn lease_is_refused_when_collateral_was_unbonded_after_the_bid() {
    let mut s = Suite::new();
    s.register_provider("p1", gpu_provider_attributes(), COLLATERAL_PER_GPU);
    s.create_deployment(
        "tenant",
        1,
        vec![gpu_group("gpu", 1, "vendor/nvidia/model/h100", "100")],
        10_000,
    )
    .unwrap();
    let order = s.order_id("tenant", 1, 1, 1);
    s.bid("p1", &order, "80").unwrap();

    // Nothing is leased yet, so the registry lets the provider unbond everything.
    let amount = Uint256::from(COLLATERAL_PER_GPU);
    s.registry_exec(
        "p1",
        &registry::ExecuteMsg::UnbondCollateral { amount },
        &[],
    )
    .unwrap();

    let bid = s.bid_id(&order, "p1");
    assert_err(
        s.lease("tenant", &bid),
        ContractError::InsufficientCollateral {
            bonded: Uint256::zero(),
            required: amount,
            gpus: 1,
        },
    );
    assert_eq!(s.bid_state(&bid).state, BidState::Open);

    // Bonding again makes the same lease acceptable.
    s.register_provider_collateral("p1", COLLATERAL_PER_GPU);
    s.lease("tenant", &bid).unwrap();
    assert_eq!(s.stats("p1").leased_gpus, 1);
    s.assert_funds_invariant();
}
