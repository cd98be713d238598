//! The full marketplace journey from the issue, end to end on the real registry and market:
//! register → audit → deploy → two bids → lease (loser refunded) → blocks pass → withdraw with
//! take → top up → run dry → revive → close with refunds.

mod common;

use common::*;
use cosmwasm_std::{coin, Uint256};
use kumo_types::attributes::{Attribute, SignedBy};
use kumo_types::events::KumoEvent;
use kumo_types::market::{
    self, BidState, DeploymentState, GroupState, LeaseCloseReason, LeaseState, OrderState,
};

#[test]
fn full_marketplace_journey() {
    let mut s = Suite::new();
    let start_supply = s.supply(DENOM);

    // Providers register with an H100 and bond collateral; an auditor signs their attributes.
    s.register_provider("p1", gpu_provider_attributes(), 5 * COLLATERAL_PER_GPU);
    s.register_provider("p2", gpu_provider_attributes(), 5 * COLLATERAL_PER_GPU);
    s.sign("auditor", "p1", vec![Attribute::new("region", "us-west")]);
    s.sign("auditor", "p2", vec![Attribute::new("region", "us-west")]);

    // The tenant deploys one GPU group that needs an audited us-west provider.
    let mut spec = gpu_group("inference", 1, "vendor/nvidia/model/*", "100");
    spec.requirements.attributes = vec![Attribute::new("region", "us-west")];
    spec.requirements.signed_by = SignedBy {
        all_of: vec![],
        any_of: vec![s.addr("auditor").to_string()],
    };
    let res = s
        .create_deployment("tenant", 1, vec![spec], 10_000)
        .unwrap();
    let deployment = s.deployment_id("tenant", 1);
    let order = s.order_id("tenant", 1, 1, 1);
    assert!(kumo_events(&res).contains(&KumoEvent::OrderCreated { id: order.clone() }));
    s.assert_funds_invariant();

    // Two providers bid; each bid names the concrete GPU.
    let p2_before = s.balance(&s.addr("p2"), DENOM);
    let res = s.bid("p1", &order, "40").unwrap();
    assert!(
        matches!(&kumo_events(&res)[0], KumoEvent::BidCreated { gpu, .. } if gpu == "vendor/nvidia/model/h100/ram/80Gi/interface/sxm")
    );
    s.bid("p2", &order, "60").unwrap();
    assert_eq!(s.order(&order).order.open_bids, 2);
    s.assert_funds_invariant();

    // The tenant leases p1's bid: p2's bid is lost and its deposit refunded.
    let lease = s.bid_id(&order, "p1");
    let res = s.lease("tenant", &lease).unwrap();
    let events = kumo_events(&res);
    assert!(events.contains(&KumoEvent::BidClosed {
        id: s.bid_id(&order, "p2"),
        state: BidState::Lost
    }));
    assert_eq!(s.bid_state(&s.bid_id(&order, "p2")).state, BidState::Lost);
    assert_eq!(s.balance(&s.addr("p2"), DENOM), p2_before);
    assert_eq!(s.order(&order).order.state, OrderState::Active);
    assert_eq!(
        s.stats("p1"),
        market::ProviderStats {
            active_leases: 1,
            leased_gpus: 1
        }
    );
    s.assert_funds_invariant();

    // Ten blocks at 40 per block: 400 earned, 10% take burned, 360 to the provider.
    s.advance(10);
    let p1_before = s.balance(&s.addr("p1"), DENOM);
    let res = s.withdraw("p1", &lease).unwrap();
    assert!(kumo_events(&res).contains(&KumoEvent::LeaseWithdrawn {
        id: lease.clone(),
        amount: coin(360u128, DENOM),
        take: coin(40u128, DENOM),
    }));
    assert_eq!(
        s.balance(&s.addr("p1"), DENOM),
        p1_before + Uint256::from(360u32)
    );
    assert_eq!(s.supply(DENOM), start_supply - Uint256::from(40u32));
    assert_eq!(
        s.escrow(&deployment).account.balance,
        Uint256::from(9_600u32)
    );
    assert_eq!(s.escrow(&deployment).blocks_remaining, Some(240));
    s.assert_funds_invariant();

    // A friend tops up: 10,600 left, 265 blocks at 40.
    s.deposit("friend", &deployment, 1_000).unwrap();
    assert_eq!(s.escrow(&deployment).blocks_remaining, Some(265));

    // Run dry: 300 blocks later anyone settles; the lease closes, the deployment lives on.
    let dry_height = s.height() + 265;
    s.advance(300);
    let p1_before = s.balance(&s.addr("p1"), DENOM);
    let res = s.settle("stranger", &deployment).unwrap();
    let events = kumo_events(&res);
    assert!(events.contains(&KumoEvent::LeaseClosed {
        id: lease.clone(),
        reason: LeaseCloseReason::InsufficientFunds
    }));
    assert!(events.contains(&KumoEvent::GroupInsufficientFunds { id: order.group() }));
    let closed = s.lease_state(&lease);
    assert_eq!(closed.state, LeaseState::InsufficientFunds);
    assert_eq!(closed.closed_at, Some(dry_height));
    // 265 x 40 = 10,600 paid out at close, less the 10% take.
    assert_eq!(
        s.balance(&s.addr("p1"), DENOM),
        p1_before + Uint256::from(9_540u32) + Uint256::from(BID_DEPOSIT)
    );
    let dep = s.deployment(&deployment);
    assert_eq!(dep.deployment.state, DeploymentState::Active);
    assert_eq!(dep.groups[0].state, GroupState::InsufficientFunds);
    assert!(dep.escrow.balance.is_zero());
    assert_eq!(s.stats("p1"), market::ProviderStats::default());
    s.assert_funds_invariant();

    // Starting the group without funds is refused; a deposit revives it with oseq 2.
    let group = order.group();
    let res = s.market_exec(
        "tenant",
        &market::ExecuteMsg::StartGroup { id: group.clone() },
        &[],
    );
    assert_err(
        res,
        kumo_market::ContractError::EscrowEmpty(deployment.to_string()),
    );
    s.deposit("tenant", &deployment, 2_000).unwrap();
    s.market_exec(
        "tenant",
        &market::ExecuteMsg::StartGroup { id: group.clone() },
        &[],
    )
    .unwrap();
    let order2 = group.order(2);
    assert_eq!(s.order(&order2).order.state, OrderState::Open);
    s.bid("p2", &order2, "50").unwrap();
    let lease2 = s.bid_id(&order2, "p2");
    s.lease("tenant", &lease2).unwrap();
    s.assert_funds_invariant();

    // Close after 5 blocks: 250 paid to p2 (less take), 1,750 refunded to the tenant.
    s.advance(5);
    let tenant_before = s.balance(&s.addr("tenant"), DENOM);
    let p2_before = s.balance(&s.addr("p2"), DENOM);
    let res = s
        .market_exec(
            "tenant",
            &market::ExecuteMsg::CloseDeployment {
                id: deployment.clone(),
            },
            &[],
        )
        .unwrap();
    let events = kumo_events(&res);
    assert!(events.contains(&KumoEvent::LeaseClosed {
        id: lease2.clone(),
        reason: LeaseCloseReason::Owner
    }));
    assert!(events.contains(&KumoEvent::DeploymentClosed {
        id: deployment.clone()
    }));
    assert_eq!(
        s.balance(&s.addr("tenant"), DENOM),
        tenant_before + Uint256::from(1_750u32)
    );
    assert_eq!(
        s.balance(&s.addr("p2"), DENOM),
        p2_before + Uint256::from(225u32) + Uint256::from(BID_DEPOSIT)
    );
    let dep = s.deployment(&deployment);
    assert_eq!(dep.deployment.state, DeploymentState::Closed);
    assert_eq!(dep.groups[0].state, GroupState::Closed);
    assert_eq!(s.lease_state(&lease2).state, LeaseState::Closed);
    // Nothing is left in the market.
    assert!(s.balance(&s.market, DENOM).is_zero());
    s.assert_funds_invariant();
}
