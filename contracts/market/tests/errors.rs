//! Every market execute message on its happy path (with the events it emits) and on each of
//! its error paths, with the exact error; the list queries and their pagination; migration.
//! Runs on the real registry, so matching failures come from real provider records.

mod common;

use common::*;
use cosmwasm_std::{coin, Coin, Decimal256, HexBinary, Uint256};
use cw_multi_test::Executor;
use cw_utils::PaymentError;
use kumo_market::ContractError;
use kumo_types::attributes::{Attribute, SignedBy};
use kumo_types::coins::{DecCoin, FundsDestination};
use kumo_types::events::KumoEvent;
use kumo_types::gpu::GpuSpec;
use kumo_types::ids::{BidId, DeploymentId, OrderId};
use kumo_types::market::{
    self, BidState, BidsResponse, DeploymentState, DeploymentsResponse, GpuPricingTier, GroupState,
    LeaseCloseReason, LeaseState, LeasesResponse, MarketParamsUpdate, OrderState,
    OrdersForProviderResponse, OrdersResponse, ProviderStats, TakeRate,
};
use kumo_types::registry::{self, RegistryParamsUpdate};
use kumo_types::resources::{GroupSpec, Offer, OfferedUnit, ResourcePrices};
use kumo_types::ValidationError;

const ANY_NVIDIA: &str = "vendor/nvidia/model/*";
const H100_KEY: &str = "vendor/nvidia/model/h100/ram/80Gi/interface/sxm";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn unauthorized(s: &Suite, role: &str, expected: &str, sender: &str) -> ContractError {
    ContractError::Unauthorized(format!(
        "only the {role} ({}) may do this, not {}",
        s.addr(expected),
        s.addr(sender)
    ))
}

fn governance_only(s: &Suite, sender: &str) -> ContractError {
    ContractError::Unauthorized(format!(
        "only the governance ({}) may do this, not {}",
        s.governance,
        s.addr(sender)
    ))
}

fn invalid(field: &str, reason: impl Into<String>) -> ContractError {
    ContractError::Validation(ValidationError::new(field, reason))
}

fn paid(e: PaymentError) -> ContractError {
    ContractError::Payment(e)
}

fn u(n: u128) -> Uint256 {
    Uint256::from(n)
}

/// Three registered H100 providers with collateral for five GPUs each, and the tenant's
/// deployment 1 with one 1-GPU group (at most 100 per block) funded with 10,000.
fn gpu_world() -> (Suite, OrderId) {
    let mut s = Suite::new();
    for p in ["p1", "p2", "p3"] {
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
    (s, order)
}

/// A CPU deployment 1 of the tenant (one group, at most 10 per block) funded with 1,000, and
/// a registered CPU provider p1.
fn cpu_world() -> (Suite, DeploymentId) {
    let mut s = Suite::new();
    s.register_provider("p1", vec![Attribute::new("region", "us-west")], 0);
    s.create_deployment("tenant", 1, vec![cpu_group("web", "10")], 1_000)
        .unwrap();
    let id = s.deployment_id("tenant", 1);
    (s, id)
}

fn create_raw(
    s: &mut Suite,
    owner: &str,
    dseq: u64,
    groups: Vec<GroupSpec>,
    hash: HexBinary,
    funds: &[Coin],
) -> cosmwasm_std::StdResult<cw_multi_test::AppResponse> {
    s.market_exec(
        owner,
        &market::ExecuteMsg::CreateDeployment {
            dseq,
            groups,
            manifest_hash: hash,
        },
        funds,
    )
}

fn tenant_balance(s: &Suite) -> Uint256 {
    s.balance(&s.addr("tenant"), DENOM)
}

// ---------------------------------------------------------------------------------------------
// CreateDeployment
// ---------------------------------------------------------------------------------------------

#[test]
fn create_deployment_opens_an_order_per_group_and_emits_events() {
    let mut s = Suite::new();
    let before = tenant_balance(&s);
    let res = s
        .create_deployment(
            "tenant",
            7,
            vec![
                cpu_group("web", "10"),
                gpu_group("gpu", 1, ANY_NVIDIA, "100"),
            ],
            1_000,
        )
        .unwrap();
    let id = s.deployment_id("tenant", 7);
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::DeploymentCreated {
                id: id.clone(),
                manifest_hash: manifest_hash(1).to_hex(),
            },
            KumoEvent::OrderCreated {
                id: id.group(1).order(1)
            },
            KumoEvent::OrderCreated {
                id: id.group(2).order(1)
            },
            KumoEvent::EscrowDeposited {
                id: id.clone(),
                depositor: s.addr("tenant"),
                amount: coin(1_000, DENOM),
            },
        ]
    );
    let dep = s.deployment(&id);
    assert_eq!(dep.deployment.state, DeploymentState::Active);
    assert_eq!(dep.deployment.group_count, 2);
    assert_eq!(dep.deployment.manifest_hash, manifest_hash(1));
    assert_eq!(
        dep.groups
            .iter()
            .map(|g| (g.state, g.oseq))
            .collect::<Vec<_>>(),
        vec![(GroupState::Open, 1), (GroupState::Open, 1)]
    );
    assert_eq!(dep.escrow.balance, u(1_000));
    assert_eq!(tenant_balance(&s), before - u(1_000));
    assert_eq!(s.balance(&s.market, DENOM), u(1_000));
    s.assert_funds_invariant();
}

#[test]
fn create_deployment_refuses_missing_wrong_or_split_funds() {
    let mut s = Suite::new();
    let before = tenant_balance(&s);
    let groups = || vec![cpu_group("web", "10")];
    let hash = manifest_hash(1);

    let res = create_raw(&mut s, "tenant", 1, groups(), hash.clone(), &[]);
    assert_err(res, paid(PaymentError::NoFunds {}));
    let res = create_raw(
        &mut s,
        "tenant",
        1,
        groups(),
        hash.clone(),
        &[coin(1_000, USDC)],
    );
    assert_err(res, paid(PaymentError::MissingDenom(DENOM.into())));
    let res = create_raw(
        &mut s,
        "tenant",
        1,
        groups(),
        hash.clone(),
        &[coin(1_000, DENOM), coin(1_000, USDC)],
    );
    assert_err(res, paid(PaymentError::MultipleDenoms {}));
    let res = s.create_deployment("tenant", 1, groups(), MIN_DEPOSIT - 1);
    assert_err(
        res,
        ContractError::DepositTooSmall {
            denom: DENOM.into(),
            amount: u(MIN_DEPOSIT - 1),
            min: u(MIN_DEPOSIT),
        },
    );
    // Refusals move nothing.
    assert_eq!(tenant_balance(&s), before);
    assert!(s.balance(&s.market, DENOM).is_zero());

    // The minimum itself is enough; a denom without a minimum takes any amount.
    s.create_deployment("tenant", 1, groups(), MIN_DEPOSIT)
        .unwrap();
    let mut usdc = cpu_group("web", "10");
    usdc.resources[0].price.denom = USDC.into();
    s.create_deployment("tenant", 2, vec![usdc], 1).unwrap();
    assert_eq!(
        s.deployment(&s.deployment_id("tenant", 2)).escrow.denom,
        USDC
    );
    assert_eq!(s.balance(&s.market, USDC), u(1));
    s.assert_funds_invariant();
}

#[test]
fn create_deployment_refuses_a_taken_or_zero_dseq() {
    let mut s = Suite::new();
    s.create_deployment("tenant", 1, vec![cpu_group("web", "10")], 1_000)
        .unwrap();
    let before = tenant_balance(&s);
    let res = s.create_deployment("tenant", 1, vec![cpu_group("other", "10")], 1_000);
    assert_err(
        res,
        ContractError::DeploymentExists(s.deployment_id("tenant", 1).to_string()),
    );
    assert_eq!(tenant_balance(&s), before);
    // Another owner may use the same dseq.
    s.create_deployment("tenant2", 1, vec![cpu_group("web", "10")], 1_000)
        .unwrap();
    let res = s.create_deployment("tenant", 0, vec![cpu_group("web", "10")], 1_000);
    assert_err(res, invalid("dseq", "must be positive"));
    s.assert_funds_invariant();
}

#[test]
fn create_deployment_refuses_a_manifest_hash_that_is_not_32_bytes() {
    let mut s = Suite::new();
    for len in [0usize, 31, 33] {
        let res = create_raw(
            &mut s,
            "tenant",
            1,
            vec![cpu_group("web", "10")],
            HexBinary::from(vec![7u8; len]),
            &[coin(1_000, DENOM)],
        );
        assert_err(
            res,
            invalid(
                "manifest_hash",
                format!("must be a sha256 digest (32 bytes), got {len} bytes"),
            ),
        );
    }
    assert!(s.balance(&s.market, DENOM).is_zero());
}

#[test]
fn create_deployment_refuses_bad_group_lists() {
    let mut s = Suite::new();
    let five: Vec<_> = (0..5).map(|i| cpu_group(&format!("g{i}"), "1")).collect();
    assert_err(
        s.create_deployment("tenant", 1, five.clone(), 1_000),
        invalid("groups", "5 groups, 1-4 allowed"),
    );
    assert_err(
        s.create_deployment("tenant", 1, vec![], 1_000),
        invalid("groups", "0 groups, 1-4 allowed"),
    );
    assert_err(
        s.create_deployment(
            "tenant",
            1,
            vec![cpu_group("web", "1"), cpu_group("web", "2")],
            1_000,
        ),
        invalid("groups[1].name", "\"web\" is used by another group"),
    );
    let mut usdc = cpu_group("api", "1");
    usdc.resources[0].price.denom = USDC.into();
    assert_err(
        s.create_deployment("tenant", 1, vec![cpu_group("web", "1"), usdc], 1_000),
        invalid(
            "groups[1].resources[0].price.denom",
            "uusdc differs from groups[0]'s denom uakt: a deployment is priced in one denom",
        ),
    );
    // A valid denom that governance does not allow; the check comes before the funds.
    let mut atom = cpu_group("web", "1");
    atom.resources[0].price.denom = "uatom".into();
    let res = create_raw(
        &mut s,
        "tenant",
        1,
        vec![atom],
        manifest_hash(1),
        &[coin(1_000, DENOM)],
    );
    assert_err(
        res,
        ContractError::DenomNotAllowed {
            denom: "uatom".into(),
        },
    );

    // Governance raises max_groups: five groups are then fine.
    s.update_params(
        "governance",
        MarketParamsUpdate {
            max_groups: Some(5),
            ..Default::default()
        },
    )
    .unwrap();
    s.create_deployment("tenant", 1, five, 1_000).unwrap();
    assert_eq!(
        s.deployment(&s.deployment_id("tenant", 1))
            .deployment
            .group_count,
        5
    );
    s.assert_funds_invariant();
}

#[test]
fn create_deployment_refuses_unit_limits_naming_the_field() {
    const MI: u64 = 1 << 20;
    const TI: u64 = 1 << 40;
    let mut s = Suite::new();
    let unit = "groups[0].resources[0]";
    let cases: Vec<(GroupSpec, String, String)> = vec![
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].resource.cpu.units.val = 9u64.into();
            (
                g,
                format!("{unit}.resource.cpu.units"),
                "9 is below the minimum of 10 millicpu".into(),
            )
        },
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].resource.cpu.units.val = 384_001u64.into();
            (
                g,
                format!("{unit}.resource.cpu.units"),
                "384001 is above the maximum of 384000 millicpu".into(),
            )
        },
        (
            gpu_group("web", 25, ANY_NVIDIA, "1"),
            format!("{unit}.resource.gpu.units"),
            "25 is above the maximum of 24 GPUs".into(),
        ),
        (
            gpu_group("web", 0, ANY_NVIDIA, "1"),
            format!("{unit}.resource.gpu.attributes"),
            "GPU attributes need at least one GPU unit".into(),
        ),
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].resource.memory.size.val = (MI - 1).into();
            (
                g,
                format!("{unit}.resource.memory.size"),
                format!("{} is below the minimum of {MI} bytes", MI - 1),
            )
        },
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].resource.memory.size.val = (2 * TI + 1).into();
            (
                g,
                format!("{unit}.resource.memory.size"),
                format!("{} is above the maximum of {} bytes", 2 * TI + 1, 2 * TI),
            )
        },
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].resource.storage[0].size.val = (5 * MI - 1).into();
            (
                g,
                format!("{unit}.resource.storage[0].size"),
                format!("{} is below the minimum of {} bytes", 5 * MI - 1, 5 * MI),
            )
        },
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].resource.storage[0].size.val = (32 * TI + 1).into();
            (
                g,
                format!("{unit}.resource.storage[0].size"),
                format!("{} is above the maximum of {} bytes", 32 * TI + 1, 32 * TI),
            )
        },
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].count = 0;
            (g, format!("{unit}.count"), "0 is out of range 1-50".into())
        },
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].count = 51;
            (g, format!("{unit}.count"), "51 is out of range 1-50".into())
        },
        {
            let mut g = cpu_group("web", "1");
            g.resources[0].price.amount = Decimal256::zero();
            (
                g,
                format!("{unit}.price.amount"),
                "must be greater than zero".into(),
            )
        },
        {
            // A price near Decimal256's maximum is refused by validation, not by a panic.
            let mut g = cpu_group("web", "1");
            g.resources[0].price.amount = Decimal256::MAX;
            (
                g,
                format!("{unit}.price.amount"),
                format!(
                    "{} is above the maximum of 10000000000 per block",
                    Decimal256::MAX
                ),
            )
        },
    ];
    for (group, field, reason) in cases {
        let res = s.create_deployment("tenant", 1, vec![group], 1_000);
        assert_err(res, invalid(&field, reason));
    }
    // The index names the offending group.
    let mut second = cpu_group("api", "1");
    second.resources[0].resource.cpu.units.val = 9u64.into();
    assert_err_contains(
        s.create_deployment("tenant", 1, vec![cpu_group("web", "1"), second], 1_000),
        "groups[1].resources[0].resource.cpu.units: 9 is below",
    );
    // The limits themselves are accepted.
    let mut edge = gpu_group("edge", 24, ANY_NVIDIA, "10000000000");
    edge.resources[0].resource.cpu.units.val = 10u64.into();
    edge.resources[0].resource.memory.size.val = MI.into();
    edge.resources[0].resource.storage[0].size.val = (5 * MI).into();
    edge.resources[0].count = 50;
    s.create_deployment("tenant", 1, vec![edge], 1_000).unwrap();
    assert_eq!(s.balance(&s.market, DENOM), u(1_000));
}

#[test]
fn create_deployment_refuses_signed_by_entries_that_are_not_addresses() {
    let mut s = Suite::new();
    let mut g = cpu_group("web", "1");
    g.requirements.signed_by = SignedBy {
        all_of: vec!["not-an-address".into()],
        any_of: vec![],
    };
    assert_err_contains(
        s.create_deployment("tenant", 1, vec![g], 1_000),
        "groups[0].requirements.signed_by.all_of[0]: \"not-an-address\" is not an address",
    );
    let mut g = cpu_group("web", "1");
    g.requirements.signed_by = SignedBy {
        all_of: vec![],
        any_of: vec![s.addr("auditor").to_string(), "bogus".into()],
    };
    assert_err_contains(
        s.create_deployment("tenant", 1, vec![g], 1_000),
        "groups[0].requirements.signed_by.any_of[1]: \"bogus\" is not an address",
    );
    assert!(s.balance(&s.market, DENOM).is_zero());
}

// ---------------------------------------------------------------------------------------------
// UpdateDeployment, DepositDeployment, CloseDeployment
// ---------------------------------------------------------------------------------------------

#[test]
fn update_deployment_paths() {
    let (mut s, id) = cpu_world();
    let update = |id: &DeploymentId, seed: u8| market::ExecuteMsg::UpdateDeployment {
        id: id.clone(),
        manifest_hash: manifest_hash(seed),
    };
    assert_err(
        s.market_exec("friend", &update(&id, 2), &[]),
        unauthorized(&s, "deployment owner", "tenant", "friend"),
    );
    assert_err(
        s.market_exec("tenant", &update(&id, 2), &[coin(1, DENOM)]),
        paid(PaymentError::NonPayable {}),
    );
    assert_err(
        s.market_exec("tenant", &update(&id, 1), &[]),
        ContractError::ManifestUnchanged,
    );
    let res = s.market_exec(
        "tenant",
        &market::ExecuteMsg::UpdateDeployment {
            id: id.clone(),
            manifest_hash: HexBinary::from(vec![2u8; 33]),
        },
        &[],
    );
    assert_err(
        res,
        invalid(
            "manifest_hash",
            "must be a sha256 digest (32 bytes), got 33 bytes",
        ),
    );
    let missing = s.deployment_id("tenant", 99);
    assert_err(
        s.market_exec("tenant", &update(&missing, 2), &[]),
        ContractError::not_found("deployment", &missing),
    );

    let res = s.market_exec("tenant", &update(&id, 2), &[]).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::DeploymentUpdated {
            id: id.clone(),
            manifest_hash: manifest_hash(2).to_hex(),
        }]
    );
    assert_eq!(s.deployment(&id).deployment.manifest_hash, manifest_hash(2));

    s.close_deployment("tenant", &id).unwrap();
    assert_err(
        s.market_exec("tenant", &update(&id, 3), &[]),
        ContractError::wrong_state("deployment", &id, DeploymentState::Closed, "active"),
    );
    s.assert_funds_invariant();
}

#[test]
fn deposit_deployment_paths() {
    let (mut s, id) = cpu_world();
    let deposit = market::ExecuteMsg::DepositDeployment { id: id.clone() };
    assert_err(
        s.market_exec("friend", &deposit, &[]),
        paid(PaymentError::NoFunds {}),
    );
    assert_err(
        s.market_exec("friend", &deposit, &[coin(300, USDC)]),
        paid(PaymentError::MissingDenom(DENOM.into())),
    );
    assert_err(
        s.market_exec("friend", &deposit, &[coin(300, DENOM), coin(300, USDC)]),
        paid(PaymentError::MultipleDenoms {}),
    );
    let missing = s.deployment_id("tenant", 99);
    assert_err(
        s.deposit("friend", &missing, 300),
        ContractError::not_found("deployment", &missing),
    );

    // Anyone may top up, with any amount (the minimum is for the initial deposit).
    let res = s.deposit("friend", &id, 300).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::EscrowDeposited {
            id: id.clone(),
            depositor: s.addr("friend"),
            amount: coin(300, DENOM),
        }]
    );
    s.deposit("tenant", &id, 1).unwrap();
    let escrow = s.deployment(&id).escrow;
    assert_eq!(escrow.balance, u(1_301));
    assert_eq!(
        escrow
            .depositors
            .iter()
            .map(|d| (d.address.clone(), d.remaining))
            .collect::<Vec<_>>(),
        vec![(s.addr("tenant"), u(1_001)), (s.addr("friend"), u(300))]
    );
    s.assert_funds_invariant();

    s.close_deployment("tenant", &id).unwrap();
    assert_err(
        s.deposit("friend", &id, 300),
        ContractError::wrong_state("deployment", &id, DeploymentState::Closed, "active"),
    );
    s.assert_funds_invariant();
}

#[test]
fn close_deployment_refunds_every_depositor_and_open_bid() {
    let (mut s, id) = cpu_world();
    let order = id.group(1).order(1);
    s.deposit("friend", &id, 300).unwrap();
    s.bid("p1", &order, "5").unwrap();
    assert_err(
        s.close_deployment("stranger", &id),
        unauthorized(&s, "deployment owner", "tenant", "stranger"),
    );
    assert_err(
        s.market_exec(
            "tenant",
            &market::ExecuteMsg::CloseDeployment { id: id.clone() },
            &[coin(1, DENOM)],
        ),
        paid(PaymentError::NonPayable {}),
    );

    let tenant = tenant_balance(&s);
    let friend = s.balance(&s.addr("friend"), DENOM);
    let p1 = s.balance(&s.addr("p1"), DENOM);
    let res = s.close_deployment("tenant", &id).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::BidClosed {
                id: s.bid_id(&order, "p1"),
                state: BidState::Closed,
            },
            KumoEvent::OrderClosed { id: order.clone() },
            KumoEvent::GroupClosed { id: id.group(1) },
            KumoEvent::DeploymentClosed { id: id.clone() },
        ]
    );
    assert_eq!(tenant_balance(&s), tenant + u(1_000));
    assert_eq!(s.balance(&s.addr("friend"), DENOM), friend + u(300));
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 + u(BID_DEPOSIT));
    assert!(s.balance(&s.market, DENOM).is_zero());
    let dep = s.deployment(&id);
    assert_eq!(dep.deployment.state, DeploymentState::Closed);
    assert_eq!(dep.groups[0].state, GroupState::Closed);
    assert!(dep.escrow.balance.is_zero());
    assert!(dep.escrow.depositors.is_empty());
    assert_eq!(s.order(&order).order.state, OrderState::Closed);
    assert_eq!(s.bid_state(&s.bid_id(&order, "p1")).state, BidState::Closed);

    assert_err(
        s.close_deployment("tenant", &id),
        ContractError::wrong_state("deployment", &id, DeploymentState::Closed, "active"),
    );
    assert_err(
        s.pause_group("tenant", &id.group(1)),
        ContractError::wrong_state("deployment", &id, DeploymentState::Closed, "active"),
    );
    s.assert_funds_invariant();
}

// ---------------------------------------------------------------------------------------------
// PauseGroup, StartGroup, CloseGroup
// ---------------------------------------------------------------------------------------------

#[test]
fn pause_group_paths() {
    let (mut s, id) = cpu_world();
    let group = id.group(1);
    let order = group.order(1);
    s.bid("p1", &order, "5").unwrap();
    assert_err(
        s.pause_group("stranger", &group),
        unauthorized(&s, "deployment owner", "tenant", "stranger"),
    );
    let missing = id.group(9);
    assert_err(
        s.pause_group("tenant", &missing),
        ContractError::not_found("group", &missing),
    );

    let p1 = s.balance(&s.addr("p1"), DENOM);
    let res = s.pause_group("tenant", &group).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::BidClosed {
                id: s.bid_id(&order, "p1"),
                state: BidState::Closed,
            },
            KumoEvent::OrderClosed { id: order.clone() },
            KumoEvent::GroupPaused { id: group.clone() },
        ]
    );
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 + u(BID_DEPOSIT));
    assert_eq!(s.deployment(&id).groups[0].state, GroupState::Paused);
    assert_eq!(s.order(&order).order.state, OrderState::Closed);

    assert_err(
        s.pause_group("tenant", &group),
        ContractError::wrong_state("group", &group, GroupState::Paused, "open"),
    );
    // Nobody bids on the closed order.
    s.register_provider("p2", vec![], 0);
    assert_err(
        s.bid("p2", &order, "5"),
        ContractError::wrong_state("order", &order, OrderState::Closed, "open"),
    );
    s.assert_funds_invariant();
}

#[test]
fn pausing_a_leased_group_closes_the_lease_as_owner() {
    let (mut s, order) = gpu_world();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.advance(10);
    let p1 = s.balance(&s.addr("p1"), DENOM);
    let res = s.pause_group("tenant", &order.group()).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::LeaseWithdrawn {
                id: lease.clone(),
                amount: coin(360, DENOM),
                take: coin(40, DENOM),
            },
            KumoEvent::LeaseClosed {
                id: lease.clone(),
                reason: LeaseCloseReason::Owner,
            },
            KumoEvent::BidClosed {
                id: lease.clone(),
                state: BidState::Closed,
            },
            KumoEvent::OrderClosed { id: order.clone() },
            KumoEvent::GroupPaused { id: order.group() },
        ]
    );
    assert_eq!(
        s.balance(&s.addr("p1"), DENOM),
        p1 + u(360) + u(BID_DEPOSIT)
    );
    let closed = s.lease_state(&lease);
    assert_eq!(closed.state, LeaseState::Closed);
    assert_eq!(closed.close_reason, Some(LeaseCloseReason::Owner));
    assert_eq!(s.stats("p1"), ProviderStats::default());
    s.assert_funds_invariant();
}

#[test]
fn start_group_paths() {
    let (mut s, id) = cpu_world();
    let group = id.group(1);
    assert_err(
        s.start_group("tenant", &group),
        ContractError::wrong_state(
            "group",
            &group,
            GroupState::Open,
            "paused or insufficient_funds",
        ),
    );
    s.pause_group("tenant", &group).unwrap();
    assert_err(
        s.start_group("stranger", &group),
        unauthorized(&s, "deployment owner", "tenant", "stranger"),
    );
    assert_err(
        s.market_exec(
            "tenant",
            &market::ExecuteMsg::StartGroup { id: group.clone() },
            &[coin(1, DENOM)],
        ),
        paid(PaymentError::NonPayable {}),
    );
    let res = s.start_group("tenant", &group).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::OrderCreated { id: group.order(2) },
            KumoEvent::GroupStarted { id: group.clone() },
        ]
    );
    let dep = s.deployment(&id);
    assert_eq!(dep.groups[0].state, GroupState::Open);
    assert_eq!(dep.groups[0].oseq, 2);
    assert_eq!(s.order(&group.order(2)).order.state, OrderState::Open);
    assert_eq!(s.order(&group.order(1)).order.state, OrderState::Closed);
    s.bid("p1", &group.order(2), "5").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn close_group_paths() {
    let (mut s, id) = cpu_world();
    let group = id.group(1);
    assert_err(
        s.close_group("friend", &group),
        unauthorized(&s, "deployment owner", "tenant", "friend"),
    );
    let res = s.close_group("tenant", &group).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::OrderClosed { id: group.order(1) },
            KumoEvent::GroupClosed { id: group.clone() },
        ]
    );
    assert_eq!(s.deployment(&id).groups[0].state, GroupState::Closed);
    assert_err(
        s.close_group("tenant", &group),
        ContractError::wrong_state("group", &group, GroupState::Closed, "not closed"),
    );
    assert_err(
        s.start_group("tenant", &group),
        ContractError::wrong_state(
            "group",
            &group,
            GroupState::Closed,
            "paused or insufficient_funds",
        ),
    );
    assert_err(
        s.pause_group("tenant", &group),
        ContractError::wrong_state("group", &group, GroupState::Closed, "open"),
    );
    // The deployment and its escrow live on until the owner closes it.
    let dep = s.deployment(&id);
    assert_eq!(dep.deployment.state, DeploymentState::Active);
    assert_eq!(dep.escrow.balance, u(1_000));
    s.assert_funds_invariant();
}

// ---------------------------------------------------------------------------------------------
// CreateBid
// ---------------------------------------------------------------------------------------------

#[test]
fn create_bid_holds_the_deposit_and_names_the_gpu() {
    let (mut s, order) = gpu_world();
    let p1 = s.balance(&s.addr("p1"), DENOM);
    let res = s.bid("p1", &order, "40").unwrap();
    let bid = s.bid_id(&order, "p1");
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::BidCreated {
            id: bid.clone(),
            price: DecCoin::new(dec("40"), DENOM),
            gpu: H100_KEY.into(),
        }]
    );
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 - u(BID_DEPOSIT));
    let stored = s.bid_state(&bid);
    assert_eq!(stored.state, BidState::Open);
    assert_eq!(stored.deposit, coin(BID_DEPOSIT, DENOM));
    assert_eq!(stored.offer.units[0].gpu, Some(h100()));
    assert_eq!(s.order(&order).order.open_bids, 1);

    // A CPU-only bid names no GPU; a deposit above the minimum is held (and refunded) whole.
    s.create_deployment("tenant", 2, vec![cpu_group("web", "10")], 1_000)
        .unwrap();
    let cpu_order = s.order_id("tenant", 2, 1, 1);
    let spec = s.order(&cpu_order).spec;
    let res = s
        .bid_with(
            "p2",
            &cpu_order,
            "5",
            offer(&spec, "5", None),
            &[coin(70, DENOM)],
        )
        .unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::BidCreated {
            id: s.bid_id(&cpu_order, "p2"),
            price: DecCoin::new(dec("5"), DENOM),
            gpu: String::new(),
        }]
    );
    s.assert_funds_invariant();
    let p2 = s.balance(&s.addr("p2"), DENOM);
    s.close_bid("p2", &s.bid_id(&cpu_order, "p2"), None)
        .unwrap();
    assert_eq!(s.balance(&s.addr("p2"), DENOM), p2 + u(70));
    s.assert_funds_invariant();
}

#[test]
fn create_bid_refuses_missing_wrong_or_small_deposits() {
    let (mut s, order) = gpu_world();
    let spec = s.order(&order).spec;
    let o = || offer(&spec, "40", Some(h100()));
    let p1 = s.balance(&s.addr("p1"), DENOM);
    assert_err(
        s.bid_with("p1", &order, "40", o(), &[]),
        paid(PaymentError::NoFunds {}),
    );
    assert_err(
        s.bid_with("p1", &order, "40", o(), &[coin(BID_DEPOSIT, USDC)]),
        ContractError::WrongDenom {
            expected: DENOM.into(),
            got: USDC.into(),
        },
    );
    assert_err(
        s.bid_with(
            "p1",
            &order,
            "40",
            o(),
            &[coin(BID_DEPOSIT, DENOM), coin(BID_DEPOSIT, USDC)],
        ),
        paid(PaymentError::MultipleDenoms {}),
    );
    assert_err(
        s.bid_with("p1", &order, "40", o(), &[coin(BID_DEPOSIT - 1, DENOM)]),
        ContractError::DepositTooSmall {
            denom: DENOM.into(),
            amount: u(BID_DEPOSIT - 1),
            min: u(BID_DEPOSIT),
        },
    );
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1);
    assert_eq!(s.order(&order).order.open_bids, 0);
    s.assert_funds_invariant();
}

#[test]
fn create_bid_refuses_orders_that_are_not_open() {
    let (mut s, order) = gpu_world();
    let missing = s.order_id("tenant", 1, 1, 5);
    let res = s.market_exec(
        "p1",
        &market::ExecuteMsg::CreateBid {
            order: missing.clone(),
            price: DecCoin::new(dec("40"), DENOM),
            offer: offer(&s.order(&order).spec, "40", Some(h100())),
        },
        &[coin(BID_DEPOSIT, DENOM)],
    );
    assert_err(res, ContractError::not_found("order", &missing));
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &s.bid_id(&order, "p1")).unwrap();
    assert_err(
        s.bid("p2", &order, "40"),
        ContractError::wrong_state("order", &order, OrderState::Active, "open"),
    );
    s.close_lease("tenant", &s.bid_id(&order, "p1")).unwrap();
    assert_err(
        s.bid("p2", &order, "40"),
        ContractError::wrong_state("order", &order, OrderState::Closed, "open"),
    );
    // The group re-opened with the next order, which takes bids.
    s.bid("p2", &order.group().order(2), "40").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn bid_from_an_unregistered_provider_is_refused() {
    let (mut s, order) = gpu_world();
    let stranger = s.addr("stranger");
    assert_err_contains(
        s.bid("stranger", &order, "40"),
        &format!("provider {stranger} is not registered: "),
    );
    // A provider that deregistered is refused the same way.
    s.registry_exec("p3", &registry::ExecuteMsg::DeregisterProvider {}, &[])
        .unwrap();
    let p3 = s.addr("p3");
    assert_err_contains(
        s.bid("p3", &order, "40"),
        &format!("provider {p3} is not registered: "),
    );
    s.assert_funds_invariant();
}

#[test]
fn bid_missing_a_required_attribute_is_refused() {
    let mut s = Suite::new();
    s.register_provider("p1", gpu_provider_attributes(), 5 * COLLATERAL_PER_GPU);
    let mut eu = gpu_group("eu", 1, ANY_NVIDIA, "100");
    eu.requirements.attributes = vec![Attribute::new("region", "eu-central")];
    let mut glob = gpu_group("glob", 1, ANY_NVIDIA, "100");
    glob.requirements.attributes = vec![Attribute::new("reg*", "us-west")];
    s.create_deployment("tenant", 1, vec![eu, glob], 10_000)
        .unwrap();
    assert_err(
        s.bid("p1", &s.order_id("tenant", 1, 1, 1), "40"),
        ContractError::AttributesMismatch {
            key: "region".into(),
            value: "eu-central".into(),
        },
    );
    // A glob key matches the provider's "region".
    s.bid("p1", &s.order_id("tenant", 1, 2, 1), "40").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn bid_offering_a_gpu_the_provider_does_not_advertise_is_refused() {
    let (mut s, order) = gpu_world();
    s.register_provider(
        "p4",
        vec![Attribute::new("region", "us-west")],
        5 * COLLATERAL_PER_GPU,
    );
    assert_err(
        s.bid("p4", &order, "40"),
        ContractError::GpuNotOffered(H100_KEY.into()),
    );
    // p1 advertises an H100, not an A100.
    let spec = s.order(&order).spec;
    let a100 = GpuSpec::new("nvidia", "a100");
    assert_err(
        s.bid_with(
            "p1",
            &order,
            "40",
            offer(&spec, "40", Some(a100)),
            &[coin(BID_DEPOSIT, DENOM)],
        ),
        ContractError::GpuNotOffered("vendor/nvidia/model/a100".into()),
    );
    s.assert_funds_invariant();
}

#[test]
fn gpu_must_be_certified_once_governance_names_auditors() {
    let (mut s, order) = gpu_world();
    let auditor = s.addr("auditor").to_string();
    let certify = registry::ExecuteMsg::UpdateParams(RegistryParamsUpdate {
        certified_auditors: Some(vec![auditor]),
        ..Default::default()
    });
    // Only governance certifies auditors.
    assert_err(
        s.registry_exec("p1", &certify, &[]),
        kumo_registry::ContractError::Unauthorized,
    );
    s.registry_exec("governance", &certify, &[]).unwrap();
    assert_err(
        s.bid("p1", &order, "40"),
        ContractError::GpuNotCertified(H100_KEY.into()),
    );
    // A signature over other attributes does not certify the GPU.
    s.sign("auditor", "p1", vec![Attribute::new("region", "us-west")]);
    assert_err(
        s.bid("p1", &order, "40"),
        ContractError::GpuNotCertified(H100_KEY.into()),
    );
    // The provider signing its own capability does not either.
    s.sign("p1", "p1", vec![Attribute::new(H100_CAP, "true")]);
    assert_err(
        s.bid("p1", &order, "40"),
        ContractError::GpuNotCertified(H100_KEY.into()),
    );
    s.sign("auditor", "p1", vec![Attribute::new(H100_CAP, "true")]);
    s.bid("p1", &order, "40").unwrap();
    assert_eq!(s.bid_state(&s.bid_id(&order, "p1")).state, BidState::Open);
    s.assert_funds_invariant();
}

#[test]
fn collateral_must_cover_gpus_already_leased_plus_the_order() {
    let mut s = Suite::new();
    s.register_provider("p1", gpu_provider_attributes(), 1_500);
    s.create_deployment(
        "tenant",
        1,
        vec![
            gpu_group("two", 2, ANY_NVIDIA, "100"),
            gpu_group("one", 1, ANY_NVIDIA, "100"),
        ],
        10_000,
    )
    .unwrap();
    s.create_deployment(
        "tenant",
        2,
        vec![gpu_group("another", 1, ANY_NVIDIA, "100")],
        10_000,
    )
    .unwrap();
    let two = s.order_id("tenant", 1, 1, 1);
    let one = s.order_id("tenant", 1, 2, 1);
    let another = s.order_id("tenant", 2, 1, 1);
    assert_err(
        s.bid("p1", &two, "40"),
        ContractError::InsufficientCollateral {
            bonded: u(1_500),
            required: u(2_000),
            gpus: 2,
        },
    );
    s.bid("p1", &one, "40").unwrap();
    // An open bid reserves nothing: a second 1-GPU bid is still covered.
    s.bid("p1", &another, "40").unwrap();
    s.close_bid("p1", &s.bid_id(&another, "p1"), None).unwrap();
    s.lease("tenant", &s.bid_id(&one, "p1")).unwrap();
    assert_eq!(
        s.stats("p1"),
        ProviderStats {
            active_leases: 1,
            leased_gpus: 1
        }
    );
    // With one GPU leased, a 1-GPU order needs collateral for two.
    s.create_deployment(
        "tenant",
        3,
        vec![gpu_group("third", 1, ANY_NVIDIA, "100")],
        10_000,
    )
    .unwrap();
    let third = s.order_id("tenant", 3, 1, 1);
    assert_err(
        s.bid("p1", &third, "40"),
        ContractError::InsufficientCollateral {
            bonded: u(1_500),
            required: u(2_000),
            gpus: 2,
        },
    );
    // Once the lease closes, the GPU is free again.
    s.close_lease("tenant", &s.bid_id(&one, "p1")).unwrap();
    s.bid("p1", &third, "40").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn price_above_the_order_maximum_is_refused() {
    let (mut s, order) = gpu_world();
    assert_err(
        s.bid("p1", &order, "100.5"),
        ContractError::PriceAboveMax {
            price: "100.5uakt".into(),
            max: "100uakt".into(),
        },
    );
    s.bid("p1", &order, "100").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn governed_pricing_tiers_bound_the_price_per_gpu() {
    let mut s = Suite::new();
    s.register_provider("p1", gpu_provider_attributes(), 5 * COLLATERAL_PER_GPU);
    s.create_deployment(
        "tenant",
        1,
        vec![gpu_group("pair", 2, ANY_NVIDIA, "200")],
        10_000,
    )
    .unwrap();
    let order = s.order_id("tenant", 1, 1, 1);
    let tier = |denom: &str| GpuPricingTier {
        name: "flagship".into(),
        models: vec!["h100".into()],
        denom: denom.into(),
        min_price: dec("10"),
        max_price: dec("50"),
    };
    let update = |tiers| MarketParamsUpdate {
        gpu_pricing_tiers: Some(tiers),
        ..Default::default()
    };
    assert_err(
        s.update_params("p1", update(vec![tier(DENOM)])),
        governance_only(&s, "p1"),
    );
    // A tier in another denom does not apply to this uakt order.
    s.update_params("governance", update(vec![tier(USDC)]))
        .unwrap();
    s.bid("p1", &order, "120").unwrap();
    s.close_bid("p1", &s.bid_id(&order, "p1"), None).unwrap();

    s.update_params("governance", update(vec![tier(DENOM)]))
        .unwrap();
    s.create_deployment(
        "tenant",
        2,
        vec![gpu_group("pair", 2, ANY_NVIDIA, "200")],
        10_000,
    )
    .unwrap();
    let order = s.order_id("tenant", 2, 1, 1);
    // 120 for 2 GPUs is 60 per GPU, above the tier; 10 is 5 per GPU, below it.
    assert_err(
        s.bid("p1", &order, "120"),
        ContractError::PriceOutsideTier {
            model: "h100".into(),
            tier: "flagship".into(),
            price: "60uakt".into(),
            min: "10uakt".into(),
            max: "50uakt".into(),
        },
    );
    assert_err(
        s.bid("p1", &order, "10"),
        ContractError::PriceOutsideTier {
            model: "h100".into(),
            tier: "flagship".into(),
            price: "5uakt".into(),
            min: "10uakt".into(),
            max: "50uakt".into(),
        },
    );
    s.bid("p1", &order, "100").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn offers_must_add_up_and_name_a_concrete_gpu() {
    let (mut s, order) = gpu_world();
    let spec = s.order(&order).spec;
    let deposit = [coin(BID_DEPOSIT, DENOM)];
    let priced = |gpu: Option<GpuSpec>, gpu_price: &str| Offer {
        units: vec![OfferedUnit {
            resource_id: 1,
            gpu,
            prices: ResourcePrices {
                gpu: dec(gpu_price),
                ..Default::default()
            },
        }],
    };
    assert_err(
        s.bid_with("p1", &order, "40", priced(Some(h100()), "30"), &deposit),
        invalid(
            "offer.units[].prices",
            "per-resource prices add up to 30, but the bid price is 40",
        ),
    );
    assert_err_contains(
        s.bid_with(
            "p1",
            &order,
            "40",
            priced(Some(GpuSpec::new("nvidia", "*")), "40"),
            &deposit,
        ),
        "offer.units[0].gpu: GPU model \"*\"",
    );
    assert_err(
        s.bid_with("p1", &order, "40", priced(None, "40"), &deposit),
        invalid(
            "offer.units[0].gpu",
            "the unit asks for GPUs: name the concrete GPU offered",
        ),
    );
    assert_err(
        s.bid_with("p1", &order, "40", Offer { units: vec![] }, &deposit),
        invalid("offer.units", "0 units offered, the order has 1"),
    );
    let res = s.market_exec(
        "p1",
        &market::ExecuteMsg::CreateBid {
            order: order.clone(),
            price: DecCoin::new(dec("40"), USDC),
            offer: offer(&spec, "40", Some(h100())),
        },
        &deposit,
    );
    assert_err(
        res,
        invalid("price.denom", "uusdc differs from the order's denom uakt"),
    );
    assert_eq!(s.order(&order).order.open_bids, 0);
    s.assert_funds_invariant();
}

/// Bug found and fixed: per-resource prices near Decimal256's maximum overflowed the sum in
/// `Offer::check_against` and panicked the contract instead of refusing the bid.
#[test]
fn huge_offer_prices_are_refused_not_panicking() {
    let (mut s, order) = gpu_world();
    let deposit = [coin(BID_DEPOSIT, DENOM)];
    let huge = Offer {
        units: vec![OfferedUnit {
            resource_id: 1,
            gpu: Some(h100()),
            prices: ResourcePrices {
                cpu: Decimal256::MAX,
                gpu: Decimal256::MAX,
                ..Default::default()
            },
        }],
    };
    assert_err(
        s.bid_with("p1", &order, "40", huge, &deposit),
        invalid("offer.units[0].prices", "the prices overflow"),
    );
    // A price at Decimal256's maximum that the offer does add up to is above the order's max.
    let max = Offer {
        units: vec![OfferedUnit {
            resource_id: 1,
            gpu: Some(h100()),
            prices: ResourcePrices {
                gpu: Decimal256::MAX,
                ..Default::default()
            },
        }],
    };
    assert_err(
        s.bid_with("p1", &order, &Decimal256::MAX.to_string(), max, &deposit),
        ContractError::PriceAboveMax {
            price: format!("{}uakt", Decimal256::MAX),
            max: "100uakt".into(),
        },
    );
    // With several replicas, the multiplication overflows instead of the sum.
    let mut replicas = cpu_group("replicas", "10");
    replicas.resources[0].count = 2;
    s.create_deployment("tenant", 2, vec![replicas], 1_000)
        .unwrap();
    let order2 = s.order_id("tenant", 2, 1, 1);
    let doubled = Offer {
        units: vec![OfferedUnit {
            resource_id: 1,
            gpu: None,
            prices: ResourcePrices {
                cpu: Decimal256::MAX,
                ..Default::default()
            },
        }],
    };
    assert_err(
        s.bid_with("p1", &order2, "20", doubled, &deposit),
        invalid("offer.units[0].prices", "the prices overflow"),
    );
    s.assert_funds_invariant();
}

// ---------------------------------------------------------------------------------------------
// CloseBid
// ---------------------------------------------------------------------------------------------

#[test]
fn close_bid_paths() {
    let (mut s, order) = gpu_world();
    let bid = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    for who in ["p2", "tenant"] {
        assert_err(
            s.close_bid(who, &bid, None),
            unauthorized(&s, "bid's provider", "p1", who),
        );
    }
    for reason in [
        LeaseCloseReason::InsufficientFunds,
        LeaseCloseReason::Owner,
        LeaseCloseReason::Governance,
    ] {
        assert_err(
            s.close_bid("p1", &bid, Some(reason)),
            ContractError::InvalidCloseReason,
        );
    }
    assert_err(
        s.market_exec(
            "p1",
            &market::ExecuteMsg::CloseBid {
                id: bid.clone(),
                reason: None,
            },
            &[coin(1, DENOM)],
        ),
        paid(PaymentError::NonPayable {}),
    );
    let missing = s.bid_id(&order, "p3");
    assert_err(
        s.close_bid("p3", &missing, None),
        ContractError::not_found("bid", &missing),
    );

    let p1 = s.balance(&s.addr("p1"), DENOM);
    let res = s.close_bid("p1", &bid, None).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::BidClosed {
            id: bid.clone(),
            state: BidState::Closed,
        }]
    );
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 + u(BID_DEPOSIT));
    assert_eq!(s.order(&order).order.open_bids, 0);
    assert_err(
        s.close_bid("p1", &bid, None),
        ContractError::wrong_state("bid", &bid, BidState::Closed, "open or active"),
    );

    // A lost bid cannot be closed (its deposit went back when it lost).
    s.bid("p2", &order, "40").unwrap();
    s.bid("p3", &order, "50").unwrap();
    s.lease("tenant", &s.bid_id(&order, "p2")).unwrap();
    let lost = s.bid_id(&order, "p3");
    assert_err(
        s.close_bid("p3", &lost, None),
        ContractError::wrong_state("bid", &lost, BidState::Lost, "open or active"),
    );
    s.assert_funds_invariant();
}

#[test]
fn closing_an_active_bid_as_unstable_pays_the_provider_and_pauses_the_group() {
    let (mut s, order) = gpu_world();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.advance(10);
    let p1 = s.balance(&s.addr("p1"), DENOM);
    let supply = s.supply(DENOM);
    let res = s
        .close_bid("p1", &lease, Some(LeaseCloseReason::Unstable))
        .unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::LeaseWithdrawn {
                id: lease.clone(),
                amount: coin(360, DENOM),
                take: coin(40, DENOM),
            },
            KumoEvent::LeaseClosed {
                id: lease.clone(),
                reason: LeaseCloseReason::Unstable,
            },
            KumoEvent::BidClosed {
                id: lease.clone(),
                state: BidState::Closed,
            },
            KumoEvent::OrderClosed { id: order.clone() },
            KumoEvent::GroupPaused { id: order.group() },
        ]
    );
    assert_eq!(
        s.balance(&s.addr("p1"), DENOM),
        p1 + u(360) + u(BID_DEPOSIT)
    );
    assert_eq!(s.supply(DENOM), supply - u(40));
    let closed = s.lease_state(&lease);
    assert_eq!(closed.state, LeaseState::Closed);
    assert_eq!(closed.close_reason, Some(LeaseCloseReason::Unstable));
    assert_eq!(closed.closed_at, Some(s.height()));
    let dep = s.deployment(&order.deployment());
    assert_eq!(dep.groups[0].state, GroupState::Paused);
    assert_eq!(dep.escrow.balance, u(9_600));
    assert_eq!(s.order(&order).order.state, OrderState::Closed);
    assert_eq!(s.stats("p1"), ProviderStats::default());
    s.assert_funds_invariant();
    // The tenant decides when to re-open.
    s.start_group("tenant", &order.group()).unwrap();
    assert_eq!(
        s.order(&order.group().order(2)).order.state,
        OrderState::Open
    );
    s.assert_funds_invariant();
}

#[test]
fn closing_an_active_bid_for_a_manifest_timeout_records_the_reason() {
    let (mut s, order) = gpu_world();
    let lease = s.bid_id(&order, "p2");
    s.bid("p2", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    let p2 = s.balance(&s.addr("p2"), DENOM);
    let res = s
        .close_bid("p2", &lease, Some(LeaseCloseReason::ManifestTimeout))
        .unwrap();
    let events = kumo_events(&res);
    assert!(events.contains(&KumoEvent::LeaseClosed {
        id: lease.clone(),
        reason: LeaseCloseReason::ManifestTimeout,
    }));
    // Closed in the block it started: nothing earned, the deposit comes back.
    assert!(events.contains(&KumoEvent::LeaseWithdrawn {
        id: lease.clone(),
        amount: coin(0, DENOM),
        take: coin(0, DENOM),
    }));
    assert_eq!(s.balance(&s.addr("p2"), DENOM), p2 + u(BID_DEPOSIT));
    assert_eq!(
        s.lease_state(&lease).close_reason,
        Some(LeaseCloseReason::ManifestTimeout)
    );
    assert_eq!(s.deployment(&order.deployment()).escrow.balance, u(10_000));
    assert_eq!(
        s.deployment(&order.deployment()).groups[0].state,
        GroupState::Paused
    );
    // The bid is closed now, not active.
    assert_err(
        s.close_bid("p2", &lease, None),
        ContractError::wrong_state("bid", &lease, BidState::Closed, "open or active"),
    );
    s.assert_funds_invariant();
}

// ---------------------------------------------------------------------------------------------
// CreateLease, CloseLease, WithdrawLease, Settle
// ---------------------------------------------------------------------------------------------

#[test]
fn create_lease_paths() {
    let (mut s, order) = gpu_world();
    s.bid("p1", &order, "40").unwrap();
    s.bid("p2", &order, "60").unwrap();
    let win = s.bid_id(&order, "p1");
    let lose = s.bid_id(&order, "p2");
    for who in ["stranger", "tenant2", "p1"] {
        assert_err(
            s.lease(who, &win),
            unauthorized(&s, "deployment owner", "tenant", who),
        );
    }
    assert_err(
        s.market_exec(
            "tenant",
            &market::ExecuteMsg::CreateLease { bid: win.clone() },
            &[coin(1, DENOM)],
        ),
        paid(PaymentError::NonPayable {}),
    );
    let missing = s.bid_id(&order, "p3");
    assert_err(
        s.lease("tenant", &missing),
        ContractError::not_found("bid", &missing),
    );

    let p2 = s.balance(&s.addr("p2"), DENOM);
    let res = s.lease("tenant", &win).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::BidClosed {
                id: lose.clone(),
                state: BidState::Lost,
            },
            KumoEvent::LeaseCreated {
                id: win.clone(),
                price: DecCoin::new(dec("40"), DENOM),
            },
        ]
    );
    assert_eq!(s.balance(&s.addr("p2"), DENOM), p2 + u(BID_DEPOSIT));
    let lease = s.lease_state(&win);
    assert_eq!(lease.state, LeaseState::Active);
    assert_eq!(lease.gpus, 1);
    assert_eq!(lease.created_at, s.height());
    assert_eq!(s.bid_state(&win).state, BidState::Active);
    assert_eq!(s.order(&order).order.state, OrderState::Active);
    assert_eq!(s.order(&order).order.open_bids, 0);

    assert_err(
        s.lease("tenant", &lose),
        ContractError::wrong_state("bid", &lose, BidState::Lost, "open"),
    );
    assert_err(
        s.lease("tenant", &win),
        ContractError::wrong_state("bid", &win, BidState::Active, "open"),
    );
    s.close_lease("tenant", &win).unwrap();
    assert_err(
        s.lease("tenant", &win),
        ContractError::wrong_state("bid", &win, BidState::Closed, "open"),
    );
    s.assert_funds_invariant();
}

#[test]
fn lease_is_refused_while_the_escrow_is_empty() {
    let mut s = Suite::new();
    s.register_provider("p1", vec![], 0);
    s.register_provider("p2", vec![], 0);
    s.create_deployment(
        "tenant",
        1,
        vec![cpu_group("a", "100"), cpu_group("b", "100")],
        MIN_DEPOSIT,
    )
    .unwrap();
    let id = s.deployment_id("tenant", 1);
    let a = s.order_id("tenant", 1, 1, 1);
    let b = s.order_id("tenant", 1, 2, 1);
    s.bid("p1", &a, "100").unwrap();
    s.lease("tenant", &s.bid_id(&a, "p1")).unwrap();
    s.bid("p2", &b, "100").unwrap();
    // Group a's lease drains the 500 in 5 blocks.
    s.advance(10);
    assert_err(
        s.lease("tenant", &s.bid_id(&b, "p2")),
        ContractError::EscrowEmpty(id.to_string()),
    );
    // After a top-up the lease goes through (settling closes a's lease first).
    s.deposit("tenant", &id, 1_000).unwrap();
    s.lease("tenant", &s.bid_id(&b, "p2")).unwrap();
    let dep = s.deployment(&id);
    assert_eq!(dep.groups[0].state, GroupState::InsufficientFunds);
    assert_eq!(dep.groups[1].state, GroupState::Open);
    assert_eq!(
        s.lease_state(&s.bid_id(&a, "p1")).state,
        LeaseState::InsufficientFunds
    );
    s.assert_funds_invariant();
}

#[test]
fn close_lease_reopens_the_open_group_with_the_next_order() {
    let (mut s, order) = gpu_world();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.advance(10);
    for who in ["stranger", "p1"] {
        assert_err(
            s.close_lease(who, &lease),
            unauthorized(&s, "deployment owner", "tenant", who),
        );
    }
    assert_err(
        s.market_exec(
            "tenant",
            &market::ExecuteMsg::CloseLease { id: lease.clone() },
            &[coin(1, DENOM)],
        ),
        paid(PaymentError::NonPayable {}),
    );
    let missing = s.bid_id(&order, "p2");
    assert_err(
        s.close_lease("tenant", &missing),
        ContractError::not_found("lease", &missing),
    );

    let p1 = s.balance(&s.addr("p1"), DENOM);
    let res = s.close_lease("tenant", &lease).unwrap();
    let next = order.group().order(2);
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::LeaseWithdrawn {
                id: lease.clone(),
                amount: coin(360, DENOM),
                take: coin(40, DENOM),
            },
            KumoEvent::LeaseClosed {
                id: lease.clone(),
                reason: LeaseCloseReason::Owner,
            },
            KumoEvent::BidClosed {
                id: lease.clone(),
                state: BidState::Closed,
            },
            KumoEvent::OrderClosed { id: order.clone() },
            KumoEvent::OrderCreated { id: next.clone() },
        ]
    );
    assert_eq!(
        s.balance(&s.addr("p1"), DENOM),
        p1 + u(360) + u(BID_DEPOSIT)
    );
    let dep = s.deployment(&order.deployment());
    assert_eq!(dep.groups[0].state, GroupState::Open);
    assert_eq!(dep.groups[0].oseq, 2);
    assert_eq!(s.order(&next).order.state, OrderState::Open);
    assert_eq!(s.order(&order).order.state, OrderState::Closed);
    let closed = s.lease_state(&lease);
    assert_eq!(closed.state, LeaseState::Closed);
    assert_eq!(closed.close_reason, Some(LeaseCloseReason::Owner));
    assert_err(
        s.close_lease("tenant", &lease),
        ContractError::wrong_state("lease", &lease, LeaseState::Closed, "active"),
    );
    // The same provider may bid on the new order.
    s.bid("p1", &next, "45").unwrap();
    s.assert_funds_invariant();
}

#[test]
fn withdraw_lease_paths() {
    let (mut s, order) = gpu_world();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.advance(10);
    for who in ["tenant", "p2"] {
        assert_err(
            s.withdraw(who, &lease),
            unauthorized(&s, "lease's provider", "p1", who),
        );
    }
    assert_err(
        s.market_exec(
            "p1",
            &market::ExecuteMsg::WithdrawLease { id: lease.clone() },
            &[coin(1, DENOM)],
        ),
        paid(PaymentError::NonPayable {}),
    );
    let missing = s.bid_id(&order, "p2");
    assert_err(
        s.withdraw("p2", &missing),
        ContractError::not_found("lease", &missing),
    );
    let p1 = s.balance(&s.addr("p1"), DENOM);
    let res = s.withdraw("p1", &lease).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::LeaseWithdrawn {
            id: lease.clone(),
            amount: coin(360, DENOM),
            take: coin(40, DENOM),
        }]
    );
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 + u(360));
    // Nothing more in the same block.
    let res = s.withdraw("p1", &lease).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::LeaseWithdrawn {
            id: lease.clone(),
            amount: coin(0, DENOM),
            take: coin(0, DENOM),
        }]
    );
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 + u(360));
    let payment = &s.escrow(&order.deployment()).payments[0];
    assert_eq!(payment.withdrawn, u(400));
    assert!(payment.unwithdrawn.is_zero());
    s.assert_funds_invariant();
}

#[test]
fn settle_paths() {
    let (mut s, order) = gpu_world();
    let id = order.deployment();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.advance(10);
    assert_err(
        s.market_exec(
            "stranger",
            &market::ExecuteMsg::Settle { id: id.clone() },
            &[coin(1, DENOM)],
        ),
        paid(PaymentError::NonPayable {}),
    );
    let missing = s.deployment_id("tenant", 99);
    assert_err(
        s.settle("stranger", &missing),
        ContractError::not_found("deployment", &missing),
    );
    let market_balance = s.balance(&s.market, DENOM);
    let res = s.settle("stranger", &id).unwrap();
    assert_eq!(kumo_events(&res), vec![]);
    // Settling moves the earnings inside the market, not out of it.
    assert_eq!(s.balance(&s.market, DENOM), market_balance);
    let escrow = s.escrow(&id);
    assert_eq!(escrow.account.settled_at, s.height());
    assert_eq!(escrow.account.balance, u(9_600));
    assert_eq!(escrow.payments[0].unwithdrawn, u(400));
    s.assert_funds_invariant();
    s.close_deployment("tenant", &id).unwrap();
    assert_err(
        s.settle("stranger", &id),
        ContractError::wrong_state("deployment", &id, DeploymentState::Closed, "active"),
    );
    s.assert_funds_invariant();
}

// ---------------------------------------------------------------------------------------------
// UpdateParams, UpdateConfig, take destination, migrate
// ---------------------------------------------------------------------------------------------

#[test]
fn update_params_paths() {
    let mut s = Suite::new();
    let update = MarketParamsUpdate {
        order_max_bids: Some(5),
        ..Default::default()
    };
    for who in ["stranger", "tenant", "p1"] {
        assert_err(
            s.update_params(who, update.clone()),
            governance_only(&s, who),
        );
    }
    assert_err(
        s.update_params(
            "governance",
            MarketParamsUpdate {
                order_max_bids: Some(0),
                ..Default::default()
            },
        ),
        invalid("order_max_bids", "0 is out of range 1-100"),
    );
    assert_err(
        s.update_params(
            "governance",
            MarketParamsUpdate {
                take_rates: Some(vec![TakeRate {
                    denom: DENOM.into(),
                    rate: cosmwasm_std::Decimal::one(),
                }]),
                ..Default::default()
            },
        ),
        invalid("take_rates[0].rate", "1 must be below 1"),
    );
    assert_eq!(s.params(), default_params());
    let res = s.update_params("governance", update).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ParamsUpdated {
            contract: "market".into()
        }]
    );
    let params = s.params();
    assert_eq!(params.order_max_bids, 5);
    assert_eq!(
        market::MarketParams {
            order_max_bids: 3,
            ..params
        },
        default_params()
    );
}

#[test]
fn update_config_paths() {
    let mut s = Suite::new();
    let friend = s.addr("friend");
    let handover = market::ExecuteMsg::UpdateConfig {
        governance: Some(friend.to_string()),
        registry: None,
    };
    assert_err(
        s.market_exec("stranger", &handover, &[]),
        governance_only(&s, "stranger"),
    );
    let res = s.market_exec(
        "governance",
        &market::ExecuteMsg::UpdateConfig {
            governance: None,
            registry: Some("not-an-address".into()),
        },
        &[],
    );
    assert!(res.is_err());
    let res = s.market_exec("governance", &handover, &[]).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ConfigUpdated {
            contract: "market".into()
        }]
    );
    let config: market::ConfigResponse = s.query_market(&market::QueryMsg::Config {});
    assert_eq!(config.governance, friend);
    assert_eq!(config.registry, s.registry);
    // The old governance lost its power; the new one has it.
    assert_err(
        s.update_params("governance", MarketParamsUpdate::default()),
        ContractError::Unauthorized(format!(
            "only the governance ({friend}) may do this, not {}",
            s.governance
        )),
    );
    s.update_params(
        "friend",
        MarketParamsUpdate {
            max_groups: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.params().max_groups, 2);
}

#[test]
fn take_goes_to_the_community_pool_when_governance_says_so() {
    let (mut s, order) = gpu_world();
    s.update_params(
        "governance",
        MarketParamsUpdate {
            take_destination: Some(FundsDestination::CommunityPool),
            ..Default::default()
        },
    )
    .unwrap();
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &lease).unwrap();
    s.advance(10);
    let governance = s.balance(&s.governance, DENOM);
    let p1 = s.balance(&s.addr("p1"), DENOM);
    let supply = s.supply(DENOM);
    s.withdraw("p1", &lease).unwrap();
    assert_eq!(s.balance(&s.governance, DENOM), governance + u(40));
    assert_eq!(s.balance(&s.addr("p1"), DENOM), p1 + u(360));
    // Nothing is burned.
    assert_eq!(s.supply(DENOM), supply);
    s.assert_funds_invariant();
}

#[test]
fn migrate_accepts_the_same_version_and_refuses_a_foreign_contract() {
    let mut s = Suite::new();
    let (market, registry, governance) =
        (s.market.clone(), s.registry.clone(), s.governance.clone());
    let res = s
        .app
        .migrate_contract(
            governance.clone(),
            market.clone(),
            &market::MigrateMsg {},
            s.code_id,
        )
        .unwrap();
    let from = res
        .events
        .iter()
        .flat_map(|e| &e.attributes)
        .find(|a| a.key == "from_version")
        .map(|a| a.value.clone());
    assert_eq!(
        from.as_deref(),
        Some(kumo_market::contract::CONTRACT_VERSION)
    );
    // Only the admin migrates.
    assert!(s
        .app
        .migrate_contract(
            s.addr("stranger"),
            market.clone(),
            &market::MigrateMsg {},
            s.code_id,
        )
        .is_err());

    // The registry's code refuses the market's state.
    let registry_code = s.app.store_code(registry_contract_with_migrate());
    let res = s.app.migrate_contract(
        governance.clone(),
        market.clone(),
        &registry::MigrateMsg {},
        registry_code,
    );
    assert_err(
        res,
        kumo_registry::ContractError::Upgrade(kumo_types::version::UpgradeRefusal::WrongContract {
            expected: kumo_registry::contract::CONTRACT_NAME.into(),
            found: kumo_market::contract::CONTRACT_NAME.into(),
        }),
    );
    // And the market's code refuses the registry's.
    let res = s
        .app
        .migrate_contract(governance, registry, &market::MigrateMsg {}, s.code_id);
    assert_err_contains(
        res,
        &format!(
            "Cannot migrate from {} to {}",
            kumo_registry::contract::CONTRACT_NAME,
            kumo_market::contract::CONTRACT_NAME
        ),
    );
    // The market still works.
    assert_eq!(s.params(), default_params());
    s.create_deployment("tenant", 1, vec![cpu_group("web", "10")], 1_000)
        .unwrap();
    s.assert_funds_invariant();
}

// ---------------------------------------------------------------------------------------------
// Big numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn deposits_of_u128_max_are_tracked_exactly() {
    let mut s = Suite::new();
    let max = Uint256::from(u128::MAX);
    s.set_balance("whale", vec![Coin::new(max * u(3), DENOM)]);
    s.register_provider("p1", vec![], 0);
    let res = create_raw(
        &mut s,
        "whale",
        1,
        vec![cpu_group("web", "10000000000")],
        manifest_hash(1),
        &[Coin::new(max, DENOM)],
    )
    .unwrap();
    let id = s.deployment_id("whale", 1);
    s.deployments.push(id.clone());
    assert!(kumo_events(&res).contains(&KumoEvent::EscrowDeposited {
        id: id.clone(),
        depositor: s.addr("whale"),
        amount: Coin::new(max, DENOM),
    }));
    s.market_exec(
        "whale",
        &market::ExecuteMsg::DepositDeployment { id: id.clone() },
        &[Coin::new(max, DENOM)],
    )
    .unwrap();
    assert_eq!(s.deployment(&id).escrow.balance, max * u(2));

    // A lease at the highest unit price for 1,000 blocks.
    let order = s.order_id("whale", 1, 1, 1);
    s.bid("p1", &order, "10000000000").unwrap();
    let lease = s.bid_id(&order, "p1");
    s.lease("whale", &lease).unwrap();
    // More blocks than a u64 holds: reported as u64::MAX.
    assert_eq!(s.escrow(&id).blocks_remaining, Some(u64::MAX));
    s.advance(1_000);
    let earned = u(10_000_000_000_000);
    let p1 = s.balance(&s.addr("p1"), DENOM);
    s.withdraw("p1", &lease).unwrap();
    assert_eq!(
        s.balance(&s.addr("p1"), DENOM),
        p1 + earned - earned / u(10)
    );
    s.assert_funds_invariant();
    s.close_deployment("whale", &id).unwrap();
    assert_eq!(s.balance(&s.addr("whale"), DENOM), max * u(3) - earned);
    assert!(s.balance(&s.market, DENOM).is_zero());
    s.assert_funds_invariant();
}

/// Bug found and fixed: `blocks_remaining` answered None ("no stream") when the balance or the
/// quotient left Decimal256's range, though a lease was paying.
#[test]
fn escrow_query_handles_balances_beyond_the_decimal_range() {
    // Decimal256 holds integers up to about 1.16e59; a larger escrow still has a stream.
    let mut s = Suite::new();
    let huge = Uint256::MAX / u(2);
    s.set_balance("whale", vec![Coin::new(huge, DENOM)]);
    s.register_provider("p1", vec![], 0);
    create_raw(
        &mut s,
        "whale",
        1,
        vec![cpu_group("web", "1")],
        manifest_hash(1),
        &[Coin::new(huge, DENOM)],
    )
    .unwrap();
    let id = s.deployment_id("whale", 1);
    s.deployments.push(id.clone());
    let order = s.order_id("whale", 1, 1, 1);
    assert_eq!(s.escrow(&id).blocks_remaining, None);
    s.bid("p1", &order, "0.3").unwrap();
    s.lease("whale", &s.bid_id(&order, "p1")).unwrap();
    s.advance(1);
    let escrow = s.escrow(&id);
    assert_eq!(escrow.payments[0].carry, dec("0.3"));
    assert_eq!(escrow.blocks_remaining, Some(u64::MAX));
    s.advance(9);
    s.withdraw("p1", &s.bid_id(&order, "p1")).unwrap();
    assert_eq!(s.escrow(&id).account.balance, huge - u(3));

    // A balance inside the range, at a rate so small that the quotient leaves it.
    let inside = u(10).pow(42);
    s.set_balance("whale", vec![Coin::new(inside, DENOM)]);
    create_raw(
        &mut s,
        "whale",
        2,
        vec![cpu_group("web", "1")],
        manifest_hash(1),
        &[Coin::new(inside, DENOM)],
    )
    .unwrap();
    let id2 = s.deployment_id("whale", 2);
    s.deployments.push(id2.clone());
    let order2 = s.order_id("whale", 2, 1, 1);
    s.bid("p1", &order2, "0.000000000000000001").unwrap();
    s.lease("whale", &s.bid_id(&order2, "p1")).unwrap();
    assert_eq!(s.escrow(&id2).blocks_remaining, Some(u64::MAX));
    s.assert_funds_invariant();
}

#[test]
fn withdraw_after_a_trillion_blocks_runs_dry_without_panicking() {
    let mut s = Suite::new();
    s.register_provider("p1", vec![], 0);
    s.create_deployment("tenant", 1, vec![cpu_group("web", "1")], MIN_DEPOSIT)
        .unwrap();
    let id = s.deployment_id("tenant", 1);
    let order = s.order_id("tenant", 1, 1, 1);
    let lease = s.bid_id(&order, "p1");
    s.bid("p1", &order, "0.3").unwrap();
    s.lease("tenant", &lease).unwrap();
    let start = s.height();
    assert_eq!(s.escrow(&id).blocks_remaining, Some(1_666));
    s.jump_height(1_000_000_000_000);
    let p1 = s.balance(&s.addr("p1"), DENOM);
    let supply = s.supply(DENOM);
    let res = s.withdraw("p1", &lease).unwrap();
    let events = kumo_events(&res);
    assert!(events.contains(&KumoEvent::LeaseClosed {
        id: lease.clone(),
        reason: LeaseCloseReason::InsufficientFunds,
    }));
    assert!(events.contains(&KumoEvent::GroupInsufficientFunds { id: order.group() }));
    // 0.3 per block: 1,669 blocks owe 500.7, of which the 500 whole units were paid; 1,670
    // would owe 501.
    let closed = s.lease_state(&lease);
    assert_eq!(closed.state, LeaseState::InsufficientFunds);
    assert_eq!(closed.closed_at, Some(start + 1_669));
    assert_eq!(
        s.balance(&s.addr("p1"), DENOM),
        p1 + u(450) + u(BID_DEPOSIT)
    );
    assert_eq!(s.supply(DENOM), supply - u(50));
    let escrow = s.escrow(&id);
    assert!(escrow.account.balance.is_zero());
    assert_eq!(escrow.account.transferred, u(500));
    assert_eq!(escrow.blocks_remaining, None);
    assert!(s.balance(&s.market, DENOM).is_zero());
    // A second withdraw has nothing left to pay.
    let res = s.withdraw("p1", &lease).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::LeaseWithdrawn {
            id: lease,
            amount: coin(0, DENOM),
            take: coin(0, DENOM),
        }]
    );
    s.assert_funds_invariant();
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

#[test]
fn deployments_by_owner_page_by_10_up_to_100() {
    let mut s = Suite::new();
    for dseq in 1..=105 {
        s.create_deployment("tenant", dseq, vec![cpu_group("web", "1")], MIN_DEPOSIT)
            .unwrap();
    }
    s.create_deployment("tenant2", 1, vec![cpu_group("web", "1")], MIN_DEPOSIT)
        .unwrap();
    let page = |s: &Suite, start_after: Option<u64>, limit: Option<u32>| -> Vec<u64> {
        let res: DeploymentsResponse = s.query_market(&market::QueryMsg::Deployments {
            owner: s.addr("tenant").to_string(),
            start_after,
            limit,
        });
        res.deployments
            .iter()
            .map(|d| d.deployment.id.dseq)
            .collect()
    };
    assert_eq!(page(&s, None, None), (1..=10).collect::<Vec<_>>());
    assert_eq!(page(&s, None, Some(1_000)), (1..=100).collect::<Vec<_>>());
    assert_eq!(
        page(&s, Some(100), Some(1_000)),
        (101..=105).collect::<Vec<_>>()
    );
    assert_eq!(page(&s, Some(10), Some(3)), vec![11, 12, 13]);
    assert_eq!(page(&s, Some(105), None), Vec::<u64>::new());
    let res: DeploymentsResponse = s.query_market(&market::QueryMsg::Deployments {
        owner: s.addr("tenant2").to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(res.deployments.len(), 1);
    assert_eq!(res.deployments[0].groups.len(), 1);
    assert_eq!(res.deployments[0].deployment.id.owner, s.addr("tenant2"));
    let res: DeploymentsResponse = s.query_market(&market::QueryMsg::Deployments {
        owner: s.addr("friend").to_string(),
        start_after: None,
        limit: None,
    });
    assert!(res.deployments.is_empty());
}

#[test]
fn open_orders_page_for_provider_catch_up() {
    let mut s = Suite::new();
    s.register_provider("p1", vec![], 0);
    s.create_deployment(
        "tenant",
        1,
        vec![cpu_group("a", "10"), cpu_group("b", "10")],
        1_000,
    )
    .unwrap();
    s.create_deployment("tenant", 2, vec![cpu_group("c", "10")], 1_000)
        .unwrap();
    s.create_deployment("tenant2", 1, vec![cpu_group("d", "10")], 1_000)
        .unwrap();
    let leased = s.order_id("tenant", 1, 1, 1);
    s.bid("p1", &leased, "5").unwrap();
    s.lease("tenant", &s.bid_id(&leased, "p1")).unwrap();

    let orders = |s: &Suite, state, start_after, limit| -> Vec<OrderId> {
        let res: OrdersResponse = s.query_market(&market::QueryMsg::Orders {
            state,
            start_after,
            limit,
        });
        res.orders.into_iter().map(|o| o.order.id).collect()
    };
    let mut open = vec![
        s.order_id("tenant", 1, 2, 1),
        s.order_id("tenant", 2, 1, 1),
        s.order_id("tenant2", 1, 1, 1),
    ];
    open.sort();
    assert_eq!(orders(&s, Some(OrderState::Open), None, None), open);
    assert_eq!(
        orders(&s, Some(OrderState::Open), None, Some(2)),
        open[..2].to_vec()
    );
    assert_eq!(
        orders(&s, Some(OrderState::Open), Some(open[1].clone()), Some(2)),
        open[2..].to_vec()
    );
    assert_eq!(
        orders(&s, Some(OrderState::Open), Some(open[2].clone()), None),
        vec![]
    );
    assert_eq!(
        orders(&s, Some(OrderState::Active), None, None),
        vec![leased.clone()]
    );
    assert_eq!(orders(&s, Some(OrderState::Closed), None, None), vec![]);
    let mut all = open.clone();
    all.push(leased.clone());
    all.sort();
    assert_eq!(orders(&s, None, None, None), all);
    // Each entry carries the spec a provider needs to bid.
    let res: OrdersResponse = s.query_market(&market::QueryMsg::Orders {
        state: Some(OrderState::Open),
        start_after: None,
        limit: Some(1),
    });
    assert_eq!(res.orders.len(), 1);
    assert_eq!(res.orders[0].order.state, OrderState::Open);
    assert_eq!(res.orders[0].spec.resources.len(), 1);

    // Closing the lease moves its order to closed and a new open order appears.
    s.close_lease("tenant", &s.bid_id(&leased, "p1")).unwrap();
    assert_eq!(
        orders(&s, Some(OrderState::Closed), None, None),
        vec![leased.clone()]
    );
    let mut open2 = open.clone();
    open2.push(leased.group().order(2));
    open2.sort();
    assert_eq!(orders(&s, Some(OrderState::Open), None, None), open2);
    assert_eq!(orders(&s, Some(OrderState::Active), None, None), vec![]);
}

#[test]
fn orders_for_provider_reads_many_orders_with_the_providers_bid() {
    let mut s = Suite::new();
    for p in ["p1", "p2"] {
        s.register_provider(p, vec![], 0);
    }
    s.create_deployment(
        "tenant",
        1,
        vec![cpu_group("a", "10"), cpu_group("b", "10")],
        10_000,
    )
    .unwrap();
    let a = s.order_id("tenant", 1, 1, 1);
    let b = s.order_id("tenant", 1, 2, 1);
    let unknown = s.order_id("tenant", 9, 1, 1);
    s.bid("p1", &a, "5").unwrap();
    s.bid("p2", &b, "5").unwrap();

    let read = |s: &Suite, provider: &str, ids: Vec<OrderId>| -> OrdersForProviderResponse {
        s.query_market(&market::QueryMsg::OrdersForProvider {
            provider: s.addr(provider).to_string(),
            ids,
        })
    };
    // In the order asked, unknown ids left out, each with p1's own bid only.
    let res = read(&s, "p1", vec![b.clone(), unknown.clone(), a.clone()]);
    let got: Vec<(OrderId, Option<BidId>)> = res
        .orders
        .iter()
        .map(|o| (o.order.id.clone(), o.bid.as_ref().map(|b| b.id.clone())))
        .collect();
    assert_eq!(
        got,
        vec![(b.clone(), None), (a.clone(), Some(s.bid_id(&a, "p1")))]
    );
    assert_eq!(res.orders[1].spec, s.order(&a).spec);
    assert_eq!(read(&s, "p2", vec![unknown]).orders, vec![]);

    // More ids than a page, or a bad address: refused, naming the field.
    let too_many = vec![a.clone(); 101];
    let err = s
        .try_query::<OrdersForProviderResponse>(&market::QueryMsg::OrdersForProvider {
            provider: s.addr("p1").to_string(),
            ids: too_many,
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("ids: at most 100 per query, got 101"), "{err}");
    let err = s
        .try_query::<OrdersForProviderResponse>(&market::QueryMsg::OrdersForProvider {
            provider: "not-an-address".into(),
            ids: vec![a],
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid input: provider:"), "{err}");
}

#[test]
fn bids_and_leases_queries_page() {
    let mut s = Suite::new();
    for p in ["p1", "p2", "p3"] {
        s.register_provider(p, vec![], 0);
    }
    s.create_deployment(
        "tenant",
        1,
        vec![
            cpu_group("a", "10"),
            cpu_group("b", "10"),
            cpu_group("c", "10"),
        ],
        10_000,
    )
    .unwrap();
    s.create_deployment("tenant2", 1, vec![cpu_group("d", "10")], 1_000)
        .unwrap();
    let a = s.order_id("tenant", 1, 1, 1);
    let b = s.order_id("tenant", 1, 2, 1);
    let c = s.order_id("tenant", 1, 3, 1);
    let d = s.order_id("tenant2", 1, 1, 1);
    for p in ["p1", "p2", "p3"] {
        s.bid(p, &a, "5").unwrap();
    }
    for order in [&b, &c, &d] {
        s.bid("p1", order, "5").unwrap();
    }

    // BidsByOrder: by provider address, paged with start_after.
    let by_order = |s: &Suite, start_after: Option<String>, limit| -> Vec<BidId> {
        let res: BidsResponse = s.query_market(&market::QueryMsg::BidsByOrder {
            order: a.clone(),
            start_after,
            limit,
        });
        res.bids.into_iter().map(|b| b.id).collect()
    };
    let mut expected: Vec<BidId> = ["p1", "p2", "p3"].iter().map(|p| s.bid_id(&a, p)).collect();
    expected.sort();
    assert_eq!(by_order(&s, None, None), expected);
    let mut walked = vec![];
    let mut start = None;
    loop {
        let page = by_order(&s, start.clone(), Some(1));
        let Some(last) = page.last() else { break };
        start = Some(last.provider.to_string());
        walked.extend(page);
    }
    assert_eq!(walked, expected);

    // BidsByProvider: p1's four bids across owners, paged with start_after.
    let by_provider = |s: &Suite, start_after: Option<BidId>, limit| -> Vec<BidId> {
        let res: BidsResponse = s.query_market(&market::QueryMsg::BidsByProvider {
            provider: s.addr("p1").to_string(),
            start_after,
            limit,
        });
        res.bids.into_iter().map(|b| b.id).collect()
    };
    let mut p1_bids: Vec<BidId> = [&a, &b, &c, &d].iter().map(|o| s.bid_id(o, "p1")).collect();
    p1_bids.sort();
    assert_eq!(by_provider(&s, None, None), p1_bids);
    assert_eq!(by_provider(&s, None, Some(3)), p1_bids[..3].to_vec());
    assert_eq!(
        by_provider(&s, Some(p1_bids[2].clone()), Some(3)),
        p1_bids[3..].to_vec()
    );

    // Leases: p1 wins a and b, p2 none; tenant2 leases p1's bid on d.
    s.lease("tenant", &s.bid_id(&a, "p1")).unwrap();
    s.lease("tenant", &s.bid_id(&b, "p1")).unwrap();
    s.lease("tenant2", &s.bid_id(&d, "p1")).unwrap();
    let by_owner = |s: &Suite, owner: &str, start_after: Option<BidId>, limit| -> Vec<BidId> {
        let res: LeasesResponse = s.query_market(&market::QueryMsg::LeasesByOwner {
            owner: s.addr(owner).to_string(),
            start_after,
            limit,
        });
        res.leases.into_iter().map(|l| l.id).collect()
    };
    let tenant_leases = vec![s.bid_id(&a, "p1"), s.bid_id(&b, "p1")];
    assert_eq!(by_owner(&s, "tenant", None, None), tenant_leases);
    assert_eq!(
        by_owner(&s, "tenant", None, Some(1)),
        tenant_leases[..1].to_vec()
    );
    assert_eq!(
        by_owner(&s, "tenant", Some(tenant_leases[0].clone()), Some(1)),
        tenant_leases[1..].to_vec()
    );
    assert_eq!(
        by_owner(&s, "tenant2", None, None),
        vec![s.bid_id(&d, "p1")]
    );
    assert_eq!(by_owner(&s, "friend", None, None), vec![]);

    let by_provider_leases = |s: &Suite, who: &str, start_after: Option<BidId>, limit| {
        let res: LeasesResponse = s.query_market(&market::QueryMsg::LeasesByProvider {
            provider: s.addr(who).to_string(),
            start_after,
            limit,
        });
        res.leases.into_iter().map(|l| l.id).collect::<Vec<_>>()
    };
    let mut p1_leases = vec![s.bid_id(&a, "p1"), s.bid_id(&b, "p1"), s.bid_id(&d, "p1")];
    p1_leases.sort();
    assert_eq!(by_provider_leases(&s, "p1", None, None), p1_leases);
    assert_eq!(
        by_provider_leases(&s, "p1", Some(p1_leases[0].clone()), Some(1)),
        p1_leases[1..2].to_vec()
    );
    assert_eq!(by_provider_leases(&s, "p2", None, None), vec![]);
    // The losers' bids are listed with their state.
    let res: BidsResponse = s.query_market(&market::QueryMsg::BidsByOrder {
        order: a.clone(),
        start_after: None,
        limit: None,
    });
    let states: Vec<_> = res
        .bids
        .iter()
        .map(|b| (b.id.provider.clone(), b.state))
        .collect();
    assert!(states.contains(&(s.addr("p1"), BidState::Active)));
    assert!(states.contains(&(s.addr("p2"), BidState::Lost)));
    assert!(states.contains(&(s.addr("p3"), BidState::Lost)));
    assert_eq!(
        s.stats("p1"),
        ProviderStats {
            active_leases: 3,
            leased_gpus: 0
        }
    );
    s.assert_funds_invariant();
}

#[test]
fn escrow_query_reports_blocks_remaining_without_moving_funds() {
    let (mut s, order) = gpu_world();
    let id = order.deployment();
    assert_eq!(s.escrow(&id).blocks_remaining, None);
    s.bid("p1", &order, "40").unwrap();
    s.lease("tenant", &s.bid_id(&order, "p1")).unwrap();
    assert_eq!(s.escrow(&id).blocks_remaining, Some(250));
    s.advance(10);
    let escrow = s.escrow(&id);
    assert_eq!(escrow.blocks_remaining, Some(240));
    // The query shows the escrow as if settled now...
    assert_eq!(escrow.account.balance, u(9_600));
    assert_eq!(escrow.account.settled_at, s.height());
    assert_eq!(escrow.payments[0].unwithdrawn, u(400));
    // ...without settling: the market still holds everything.
    assert_eq!(s.balance(&s.market, DENOM), u(10_000) + u(BID_DEPOSIT));
    let res = s.settle("stranger", &id).unwrap();
    assert!(kumo_events(&res).is_empty());
    assert_eq!(s.escrow(&id).blocks_remaining, Some(240));
    let missing = s.deployment_id("tenant", 99);
    assert!(s
        .try_query::<market::EscrowResponse>(&market::QueryMsg::Escrow { id: missing })
        .is_err());
    s.assert_funds_invariant();
}
