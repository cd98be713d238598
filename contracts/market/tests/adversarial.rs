//! The adversarial suite: bid storms, duplicate and self bids, forged auditor signatures,
//! leasing lost bids, withdrawing or closing what belongs to someone else, and providers
//! walking away from the collateral their leases need. After every step the market's bank
//! balance still equals what it owes.

mod common;

use common::*;
use cosmwasm_std::{coin, Uint256};
use kumo_market::ContractError;
use kumo_types::attributes::{Attribute, SignedBy};
use kumo_types::ids::{DeploymentId, OrderId};
use kumo_types::market::{
    self, BidState, DeploymentState, GroupState, LeaseCloseReason, LeaseState, MarketParamsUpdate,
    OrderState,
};
use kumo_types::registry::{self, CollateralResponse, RegistryParamsUpdate};

const ANY_NVIDIA: &str = "vendor/nvidia/model/*";

fn unauthorized(s: &Suite, role: &str, expected: &str, sender: &str) -> ContractError {
    ContractError::Unauthorized(format!(
        "only the {role} ({}) may do this, not {}",
        s.addr(expected),
        s.addr(sender)
    ))
}

fn u(n: u128) -> Uint256 {
    Uint256::from(n)
}

/// Providers p1..p5 registered with an H100 and collateral for five GPUs, and the tenant's
/// deployment 1 with one 1-GPU group (at most 100 per block) funded with 10,000.
fn gpu_world() -> (Suite, OrderId) {
    let mut s = Suite::new();
    for p in ["p1", "p2", "p3", "p4", "p5"] {
        s.register_provider(p, gpu_provider_attributes(), 5 * COLLATERAL_PER_GPU);
    }
    s.create_deployment(
        "tenant",
        1,
        vec![gpu_group("inference", 1, ANY_NVIDIA, "100")],
        10_000,
    )
    .unwrap();
    let order = s.order_id("tenant", 1, 1, 1);
    s.assert_funds_invariant();
    (s, order)
}

/// Balances of the named accounts in the market denom, and the market's own.
fn balances(s: &Suite, names: &[&str]) -> Vec<Uint256> {
    names
        .iter()
        .map(|n| s.balance(&s.addr(n), DENOM))
        .chain([s.balance(&s.market, DENOM)])
        .collect()
}

#[test]
fn bid_spam_stops_at_order_max_bids_counting_only_open_bids() {
    let (mut s, order) = gpu_world();
    assert_eq!(s.params().order_max_bids, 3);
    for p in ["p1", "p2", "p3"] {
        s.bid(p, &order, "50").unwrap();
        s.assert_funds_invariant();
    }
    assert_eq!(s.order(&order).order.open_bids, 3);

    let too_many = ContractError::TooManyBids {
        order: order.to_string(),
        max: 3,
    };
    let p4 = s.balance(&s.addr("p4"), DENOM);
    assert_err(s.bid("p4", &order, "50"), too_many.to_string());
    assert_eq!(s.balance(&s.addr("p4"), DENOM), p4);
    s.assert_funds_invariant();

    // p1 withdraws its bid: closed bids don't count, so a new provider can bid again.
    let p1 = s.balance(&s.addr("p1"), DENOM);
    s.close_bid("p1", &s.bid_id(&order, "p1"), None).unwrap();
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 + u(BID_DEPOSIT));
    assert_eq!(s.order(&order).order.open_bids, 2);
    s.assert_funds_invariant();
    s.bid("p4", &order, "50").unwrap();
    assert_eq!(s.order(&order).order.open_bids, 3);
    s.assert_funds_invariant();
    assert_err(s.bid("p5", &order, "50"), too_many.to_string());
    s.assert_funds_invariant();
    // A closed bid is not replaced: p1 stays out of this order.
    assert_err(
        s.bid("p1", &order, "50"),
        ContractError::DuplicateBid(s.addr("p1").to_string()),
    );
    s.assert_funds_invariant();

    // Leasing ends the other open bids as lost and refunds each once.
    let before = balances(&s, &["p3", "p4"]);
    s.lease("tenant", &s.bid_id(&order, "p2")).unwrap();
    assert_eq!(s.balance(&s.addr("p3"), DENOM), before[0] + u(BID_DEPOSIT));
    assert_eq!(s.balance(&s.addr("p4"), DENOM), before[1] + u(BID_DEPOSIT));
    assert_eq!(s.order(&order).order.open_bids, 0);
    s.assert_funds_invariant();
    // The cap is per order: p5 bids elsewhere.
    s.create_deployment(
        "tenant2",
        1,
        vec![gpu_group("other", 1, ANY_NVIDIA, "100")],
        10_000,
    )
    .unwrap();
    s.bid("p5", &s.order_id("tenant2", 1, 1, 1), "50").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn a_provider_cannot_bid_twice_on_one_order() {
    let (mut s, order) = gpu_world();
    s.bid("p1", &order, "60").unwrap();
    let p1 = s.balance(&s.addr("p1"), DENOM);
    assert_err(
        s.bid("p1", &order, "40"),
        ContractError::DuplicateBid(s.addr("p1").to_string()),
    );
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1);
    assert_eq!(s.order(&order).order.open_bids, 1);
    // The first bid stands as it was.
    assert_eq!(s.bid_state(&s.bid_id(&order, "p1")).price.amount, dec("60"));
    s.assert_funds_invariant();
}

#[test]
fn a_tenant_cannot_bid_on_its_own_order() {
    let (mut s, order) = gpu_world();
    s.register_provider("tenant", gpu_provider_attributes(), 5 * COLLATERAL_PER_GPU);
    let tenant = s.balance(&s.addr("tenant"), DENOM);
    assert_err(s.bid("tenant", &order, "40"), ContractError::SelfBid);
    assert_eq!(s.balance(&s.addr("tenant"), DENOM), tenant);
    assert_eq!(s.order(&order).order.open_bids, 0);
    s.assert_funds_invariant();
    // As a provider it may bid on someone else's order.
    s.create_deployment(
        "tenant2",
        1,
        vec![gpu_group("other", 1, ANY_NVIDIA, "100")],
        10_000,
    )
    .unwrap();
    s.bid("tenant", &s.order_id("tenant2", 1, 1, 1), "40")
        .unwrap();
    s.assert_funds_invariant();
}

/// An order that needs region=us-west signed by any of [auditor].
fn audited_order(s: &mut Suite, signed_by: SignedBy) -> OrderId {
    let mut spec = gpu_group("audited", 1, ANY_NVIDIA, "100");
    spec.requirements.attributes = vec![Attribute::new("region", "us-west")];
    spec.requirements.signed_by = signed_by;
    s.create_deployment("tenant", 2, vec![spec], 10_000)
        .unwrap();
    s.order_id("tenant", 2, 1, 1)
}

#[test]
fn self_signed_attributes_do_not_satisfy_signed_by() {
    let (mut s, _) = gpu_world();
    let auditor = s.addr("auditor").to_string();
    let order = audited_order(
        &mut s,
        SignedBy {
            all_of: vec![],
            any_of: vec![auditor],
        },
    );
    let region = || vec![Attribute::new("region", "us-west")];
    let none_signed = ContractError::SignedByUnsatisfied(
        "none of the signed_by.any_of auditors has signed the required attributes".into(),
    );
    // p1 signs its own attributes, acting as its own "auditor".
    s.sign("p1", "p1", region());
    assert_err(s.bid("p1", &order, "40"), none_signed.to_string());
    s.assert_funds_invariant();
    // An accomplice signing for p1 does not count either.
    s.sign("p2", "p1", region());
    assert_err(s.bid("p1", &order, "40"), none_signed.to_string());
    s.assert_funds_invariant();
    // The real auditor signing something else does not count.
    s.sign(
        "auditor",
        "p1",
        vec![Attribute::new("region", "eu-central")],
    );
    assert_err(s.bid("p1", &order, "40"), none_signed.to_string());
    s.assert_funds_invariant();
    // Only the real auditor's signature over the required attribute lets p1 bid.
    s.sign("auditor", "p1", region());
    s.bid("p1", &order, "40").unwrap();
    assert_eq!(s.bid_state(&s.bid_id(&order, "p1")).state, BidState::Open);
    s.assert_funds_invariant();
}

#[test]
fn an_all_of_auditor_that_never_signed_blocks_the_bid() {
    let (mut s, _) = gpu_world();
    let auditor = s.addr("auditor").to_string();
    let fake = s.addr("fake-auditor").to_string();
    let order = audited_order(
        &mut s,
        SignedBy {
            all_of: vec![auditor, fake.clone()],
            any_of: vec![],
        },
    );
    let region = || vec![Attribute::new("region", "us-west")];
    s.sign("auditor", "p1", region());
    let missing = ContractError::SignedByUnsatisfied(format!(
        "auditor {fake} (signed_by.all_of) has not signed the required attributes"
    ));
    assert_err(s.bid("p1", &order, "40"), missing.to_string());
    // The provider and its friends signing cannot stand in for the named auditor.
    s.sign("p1", "p1", region());
    s.sign("p2", "p1", region());
    assert_err(s.bid("p1", &order, "40"), missing.to_string());
    assert_eq!(s.order(&order).order.open_bids, 0);
    s.assert_funds_invariant();
    // With the named auditor's signature, the bid goes through.
    s.sign("fake-auditor", "p1", region());
    s.bid("p1", &order, "40").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn a_lost_bid_cannot_be_leased() {
    let (mut s, order) = gpu_world();
    s.bid("p1", &order, "40").unwrap();
    s.bid("p2", &order, "30").unwrap();
    s.lease("tenant", &s.bid_id(&order, "p1")).unwrap();
    s.assert_funds_invariant();
    let lost = s.bid_id(&order, "p2");
    let before = balances(&s, &["tenant", "p2"]);
    assert_err(
        s.lease("tenant", &lost),
        ContractError::wrong_state("bid", &lost, BidState::Lost, "open"),
    );
    assert_eq!(balances(&s, &["tenant", "p2"]), before);
    assert_eq!(s.bid_state(&lost).state, BidState::Lost);
    assert_eq!(
        s.lease_state(&s.bid_id(&order, "p1")).state,
        LeaseState::Active
    );
    s.assert_funds_invariant();
    // Still refused once the winning lease is gone.
    s.close_lease("tenant", &s.bid_id(&order, "p1")).unwrap();
    assert_err(
        s.lease("tenant", &lost),
        ContractError::wrong_state("bid", &lost, BidState::Lost, "open"),
    );
    s.assert_funds_invariant();
}

#[test]
fn nobody_but_the_provider_withdraws_a_lease_and_nothing_moves() {
    let (mut s, order) = gpu_world();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.advance(10);
    let names = ["tenant", "p1", "p2", "stranger"];
    let before = balances(&s, &names);
    for who in ["tenant", "p2", "stranger"] {
        assert_err(
            s.withdraw(who, &lease),
            unauthorized(&s, "lease's provider", "p1", who),
        );
        s.assert_funds_invariant();
    }
    // A lease id naming the attacker as provider does not exist.
    let spoofed = s.bid_id(&order, "p2");
    assert_err(
        s.withdraw("p2", &spoofed),
        ContractError::not_found("lease", &spoofed),
    );
    assert_eq!(balances(&s, &names), before);
    let escrow = s.escrow(&order.deployment());
    assert_eq!(escrow.payments[0].unwithdrawn, u(400));
    assert!(escrow.payments[0].withdrawn.is_zero());
    s.assert_funds_invariant();
    // The provider still collects everything it earned.
    s.withdraw("p1", &lease).unwrap();
    assert_eq!(s.balance(&s.addr("p1"), DENOM), before[1] + u(360));
    s.assert_funds_invariant();
}

#[test]
fn params_and_config_change_only_through_governance() {
    let (mut s, _) = gpu_world();
    let params = s.params();
    let config: market::ConfigResponse = s.query_market(&market::QueryMsg::Config {});
    let takeover = MarketParamsUpdate {
        take_rates: Some(vec![]),
        order_max_bids: Some(100),
        ..Default::default()
    };
    for who in ["tenant", "p1", "stranger"] {
        assert_err(
            s.update_params(who, takeover.clone()),
            unauthorized(&s, "governance", "governance", who),
        );
        let hijack = market::ExecuteMsg::UpdateConfig {
            governance: Some(s.addr(who).to_string()),
            registry: Some(s.addr(who).to_string()),
        };
        assert_err(
            s.market_exec(who, &hijack, &[]),
            unauthorized(&s, "governance", "governance", who),
        );
        s.assert_funds_invariant();
    }
    assert_eq!(s.params(), params);
    let after: market::ConfigResponse = s.query_market(&market::QueryMsg::Config {});
    assert_eq!(after, config);

    // The registry guards its params, config and slashing the same way.
    let stranger = s.addr("stranger").to_string();
    for msg in [
        registry::ExecuteMsg::UpdateParams(RegistryParamsUpdate {
            certified_auditors: Some(vec![stranger.clone()]),
            ..Default::default()
        }),
        registry::ExecuteMsg::UpdateConfig {
            governance: Some(stranger.clone()),
            market: Some(stranger.clone()),
        },
        registry::ExecuteMsg::Slash {
            provider: s.addr("p1").to_string(),
            fraction: cosmwasm_std::Decimal::percent(100),
            reason: "because".into(),
        },
    ] {
        assert_err(
            s.registry_exec("stranger", &msg, &[]),
            kumo_registry::ContractError::Unauthorized,
        );
    }
    let collateral: CollateralResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            &s.registry,
            &registry::QueryMsg::Collateral {
                provider: s.addr("p1").to_string(),
            },
        )
        .unwrap();
    assert_eq!(collateral.bonded, coin(5 * COLLATERAL_PER_GPU, DENOM));
    s.assert_funds_invariant();
}

#[test]
fn a_provider_cannot_close_another_providers_bid() {
    let (mut s, order) = gpu_world();
    s.bid("p1", &order, "40").unwrap();
    s.bid("p2", &order, "45").unwrap();
    let victim = s.bid_id(&order, "p1");
    let before = balances(&s, &["p1", "p2"]);
    for who in ["p2", "tenant"] {
        assert_err(
            s.close_bid(who, &victim, None),
            unauthorized(&s, "bid's provider", "p1", who),
        );
    }
    assert_eq!(balances(&s, &["p1", "p2"]), before);
    assert_eq!(s.bid_state(&victim).state, BidState::Open);
    assert_eq!(s.order(&order).order.open_bids, 2);
    s.assert_funds_invariant();

    // Nor end its lease, with any reason.
    s.lease("tenant", &victim).unwrap();
    for reason in [None, Some(LeaseCloseReason::Unstable)] {
        assert_err(
            s.close_bid("p2", &victim, reason),
            unauthorized(&s, "bid's provider", "p1", "p2"),
        );
    }
    assert_eq!(s.lease_state(&victim).state, LeaseState::Active);
    assert_eq!(
        s.deployment(&order.deployment()).groups[0].state,
        GroupState::Open
    );
    s.assert_funds_invariant();
}

#[test]
fn a_tenant_cannot_lease_or_end_a_lease_on_another_tenants_order() {
    let (mut s, order) = gpu_world();
    let bid = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    let before = balances(&s, &["tenant", "tenant2", "p1"]);
    assert_err(
        s.lease("tenant2", &bid),
        unauthorized(&s, "deployment owner", "tenant", "tenant2"),
    );
    assert_eq!(balances(&s, &["tenant", "tenant2", "p1"]), before);
    assert_eq!(s.bid_state(&bid).state, BidState::Open);
    assert_eq!(s.order(&order).order.state, OrderState::Open);
    s.assert_funds_invariant();
    // Once the owner leases it, the other tenant cannot end it either.
    s.lease("tenant", &bid).unwrap();
    assert_err(
        s.close_lease("tenant2", &bid),
        unauthorized(&s, "deployment owner", "tenant", "tenant2"),
    );
    assert_eq!(s.lease_state(&bid).state, LeaseState::Active);
    s.assert_funds_invariant();
}

#[test]
fn a_stranger_cannot_close_or_change_someone_elses_deployment() {
    let (mut s, order) = gpu_world();
    let id: DeploymentId = order.deployment();
    let group = order.group();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.advance(5);
    let names = ["tenant", "stranger", "p1"];
    let before = balances(&s, &names);
    let owner_only = unauthorized(&s, "deployment owner", "tenant", "stranger");
    let attempts = [
        market::ExecuteMsg::CloseDeployment { id: id.clone() },
        market::ExecuteMsg::UpdateDeployment {
            id: id.clone(),
            manifest_hash: manifest_hash(9),
        },
        market::ExecuteMsg::PauseGroup { id: group.clone() },
        market::ExecuteMsg::CloseGroup { id: group.clone() },
        market::ExecuteMsg::StartGroup { id: group.clone() },
        market::ExecuteMsg::CloseLease { id: lease.clone() },
    ];
    for msg in &attempts {
        assert_err(s.market_exec("stranger", msg, &[]), owner_only.to_string());
        s.assert_funds_invariant();
    }
    assert_eq!(balances(&s, &names), before);
    let dep = s.deployment(&id);
    assert_eq!(dep.deployment.state, DeploymentState::Active);
    assert_eq!(dep.deployment.manifest_hash, manifest_hash(1));
    assert_eq!(dep.groups[0].state, GroupState::Open);
    assert_eq!(s.lease_state(&lease).state, LeaseState::Active);

    // What anyone may do moves nothing to the stranger: settling pays the provider's
    // account inside the market, and a top-up is refunded to whoever made it.
    s.settle("stranger", &id).unwrap();
    s.deposit("stranger", &id, 1_000).unwrap();
    s.assert_funds_invariant();
    let stranger = s.balance(&s.addr("stranger"), DENOM);
    s.close_deployment("tenant", &id).unwrap();
    assert_eq!(s.balance(&s.addr("stranger"), DENOM), stranger + u(1_000));
    s.assert_funds_invariant();
}

#[test]
fn a_tenant_cannot_pocket_a_friends_top_up() {
    let mut s = Suite::new();
    s.create_deployment("tenant", 1, vec![cpu_group("web", "10")], 1_000)
        .unwrap();
    let id = s.deployment_id("tenant", 1);
    s.deposit("friend", &id, 700).unwrap();
    s.assert_funds_invariant();
    let tenant = s.balance(&s.addr("tenant"), DENOM);
    let friend = s.balance(&s.addr("friend"), DENOM);
    s.close_deployment("tenant", &id).unwrap();
    assert_eq!(s.balance(&s.addr("tenant"), DENOM), tenant + u(1_000));
    assert_eq!(s.balance(&s.addr("friend"), DENOM), friend + u(700));
    s.assert_funds_invariant();
}

#[test]
fn closing_a_bid_twice_refunds_the_deposit_once() {
    let (mut s, order) = gpu_world();
    let bid = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    let p1 = s.balance(&s.addr("p1"), DENOM);
    s.close_bid("p1", &bid, None).unwrap();
    s.assert_funds_invariant();
    assert_err(
        s.close_bid("p1", &bid, None),
        ContractError::wrong_state("bid", &bid, BidState::Closed, "open or active"),
    );
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 + u(BID_DEPOSIT));
    assert_eq!(s.order(&order).order.open_bids, 0);
    s.assert_funds_invariant();
}

#[test]
fn a_provider_with_an_active_lease_cannot_deregister_until_it_closes() {
    let (mut s, order) = gpu_world();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    let deregister = registry::ExecuteMsg::DeregisterProvider {};
    assert_err(
        s.registry_exec("p1", &deregister, &[]),
        kumo_registry::ContractError::HasActiveLeases { count: 1 },
    );
    let provider: registry::Provider = s
        .app
        .wrap()
        .query_wasm_smart(
            &s.registry,
            &registry::QueryMsg::Provider {
                address: s.addr("p1").to_string(),
            },
        )
        .unwrap();
    assert_eq!(provider.owner, s.addr("p1"));
    s.assert_funds_invariant();

    s.close_lease("tenant", &lease).unwrap();
    s.assert_funds_invariant();
    s.registry_exec("p1", &deregister, &[]).unwrap();
    assert!(s
        .app
        .wrap()
        .query_wasm_smart::<registry::Provider>(
            &s.registry,
            &registry::QueryMsg::Provider {
                address: s.addr("p1").to_string(),
            },
        )
        .is_err());
    // Gone from the registry, it can no longer bid.
    let p1 = s.addr("p1");
    assert_err_contains(
        s.bid("p1", &order.group().order(2), "40"),
        &format!("provider {p1} is not registered: "),
    );
    s.assert_funds_invariant();
}

#[test]
fn collateral_backing_leased_gpus_cannot_be_unbonded() {
    let mut s = Suite::new();
    s.register_provider("p1", gpu_provider_attributes(), 2 * COLLATERAL_PER_GPU);
    s.create_deployment(
        "tenant",
        1,
        vec![gpu_group("inference", 1, ANY_NVIDIA, "100")],
        10_000,
    )
    .unwrap();
    let order = s.order_id("tenant", 1, 1, 1);
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.assert_funds_invariant();

    let unbond = |amount: u128| registry::ExecuteMsg::UnbondCollateral { amount: u(amount) };
    assert_err(
        s.registry_exec("p1", &unbond(COLLATERAL_PER_GPU + 1), &[]),
        kumo_registry::ContractError::InsufficientCollateral {
            remaining: u(COLLATERAL_PER_GPU - 1),
            required: u(COLLATERAL_PER_GPU),
            leased_gpus: 1,
        },
    );
    // The part no lease needs may go.
    s.registry_exec("p1", &unbond(COLLATERAL_PER_GPU), &[])
        .unwrap();
    assert_err(
        s.registry_exec("p1", &unbond(1), &[]),
        kumo_registry::ContractError::InsufficientCollateral {
            remaining: u(COLLATERAL_PER_GPU - 1),
            required: u(COLLATERAL_PER_GPU),
            leased_gpus: 1,
        },
    );
    let collateral = |s: &Suite| -> CollateralResponse {
        s.app
            .wrap()
            .query_wasm_smart(
                &s.registry,
                &registry::QueryMsg::Collateral {
                    provider: s.addr("p1").to_string(),
                },
            )
            .unwrap()
    };
    let c = collateral(&s);
    assert_eq!(c.bonded, coin(COLLATERAL_PER_GPU, DENOM));
    assert_eq!(c.leased_gpus, 1);
    assert_eq!(c.required, u(COLLATERAL_PER_GPU));
    s.assert_funds_invariant();

    // Once the lease ends, the rest may be unbonded.
    s.close_lease("tenant", &lease).unwrap();
    s.registry_exec("p1", &unbond(COLLATERAL_PER_GPU), &[])
        .unwrap();
    let c = collateral(&s);
    assert!(c.bonded.amount.is_zero());
    assert_eq!(c.unbonding.len(), 2);
    s.assert_funds_invariant();
}
