use super::*;
use crate::market::BidState;

fn sample_events() -> Vec<KumoEvent> {
    let d = DeploymentId::new("owner", 42);
    let bid = d.group(1).order(3).bid(&Addr::unchecked("prov"));
    let coin = Coin::new(1234u128, "uakt");
    let price = DecCoin::new("1.5".parse().unwrap(), "uakt");
    vec![
        KumoEvent::DeploymentCreated {
            id: d.clone(),
            manifest_hash: "ab".repeat(32),
        },
        KumoEvent::DeploymentUpdated {
            id: d.clone(),
            manifest_hash: "cd".repeat(32),
        },
        KumoEvent::DeploymentClosed { id: d.clone() },
        KumoEvent::GroupPaused { id: d.group(1) },
        KumoEvent::GroupStarted { id: d.group(1) },
        KumoEvent::GroupClosed { id: d.group(2) },
        KumoEvent::GroupInsufficientFunds { id: d.group(1) },
        KumoEvent::OrderCreated { id: bid.order() },
        KumoEvent::OrderClosed { id: bid.order() },
        KumoEvent::BidCreated {
            id: bid.clone(),
            price: price.clone(),
            gpu: "vendor/nvidia/model/h100".into(),
        },
        KumoEvent::BidClosed {
            id: bid.clone(),
            state: BidState::Lost,
        },
        KumoEvent::BidClosed {
            id: bid.clone(),
            state: BidState::Closed,
        },
        KumoEvent::LeaseCreated {
            id: bid.clone(),
            price,
        },
        KumoEvent::LeaseClosed {
            id: bid.clone(),
            reason: LeaseCloseReason::InsufficientFunds,
        },
        KumoEvent::LeaseClosed {
            id: bid.clone(),
            reason: LeaseCloseReason::ManifestTimeout,
        },
        KumoEvent::LeaseWithdrawn {
            id: bid.clone(),
            amount: coin.clone(),
            take: Coin::new(0u128, "uakt"),
        },
        KumoEvent::EscrowDeposited {
            id: d,
            depositor: Addr::unchecked("friend"),
            amount: coin.clone(),
        },
        KumoEvent::ProviderRegistered {
            provider: Addr::unchecked("prov"),
        },
        KumoEvent::ProviderUpdated {
            provider: Addr::unchecked("prov"),
        },
        KumoEvent::ProviderDeregistered {
            provider: Addr::unchecked("prov"),
        },
        KumoEvent::AttributesSigned {
            provider: Addr::unchecked("prov"),
            auditor: Addr::unchecked("aud"),
        },
        KumoEvent::AttributesDeleted {
            provider: Addr::unchecked("prov"),
            auditor: Addr::unchecked("aud"),
        },
        KumoEvent::CollateralBonded {
            provider: Addr::unchecked("prov"),
            amount: coin.clone(),
        },
        KumoEvent::CollateralUnbonding {
            provider: Addr::unchecked("prov"),
            amount: coin.clone(),
            release_at: Timestamp::from_seconds(99),
        },
        KumoEvent::CollateralClaimed {
            provider: Addr::unchecked("prov"),
            amount: coin.clone(),
        },
        KumoEvent::ProviderSlashed {
            provider: Addr::unchecked("prov"),
            amount: coin,
            fraction: Decimal::percent(10),
            reason: "fraud".into(),
        },
        KumoEvent::ParamsUpdated {
            contract: "market".into(),
        },
        KumoEvent::ConfigUpdated {
            contract: "registry".into(),
        },
        KumoEvent::ConfigUpdated {
            contract: "governance".into(),
        },
        KumoEvent::Staked {
            staker: Addr::unchecked("alice"),
            amount: Coin::new(500u128, "uakt"),
        },
        KumoEvent::Unstaked {
            staker: Addr::unchecked("alice"),
            amount: Coin::new(200u128, "uakt"),
            release_at: Timestamp::from_seconds(1_000),
        },
        KumoEvent::StakeClaimed {
            staker: Addr::unchecked("alice"),
            amount: Coin::new(200u128, "uakt"),
        },
        KumoEvent::ProposalSubmitted {
            id: 7,
            proposer: Addr::unchecked("alice"),
            expedited: true,
        },
        KumoEvent::ProposalDeposited {
            id: 7,
            depositor: Addr::unchecked("bob"),
            amount: Coin::new(250u128, "uakt"),
        },
        KumoEvent::VotingStarted {
            id: 7,
            start_height: 12_345,
            voting_end: Timestamp::from_seconds(7_200),
        },
        KumoEvent::VoteCast {
            id: 7,
            voter: Addr::unchecked("bob"),
            power: Uint256::from(300u128),
            options: vec![
                WeightedVoteOption::new(VoteOption::Yes, Decimal::percent(70)),
                WeightedVoteOption::new(VoteOption::NoWithVeto, Decimal::percent(30)),
            ],
        },
        KumoEvent::VoteCast {
            id: 7,
            voter: Addr::unchecked("carol"),
            power: Uint256::from(1u128),
            options: vec![WeightedVoteOption::new(VoteOption::Abstain, Decimal::one())],
        },
        KumoEvent::ProposalTallied {
            id: 7,
            status: ProposalStatus::Vetoed,
            outcome: TallyOutcome::Vetoed,
            burned: Coin::new(1000u128, "uakt"),
        },
        KumoEvent::ProposalTallied {
            id: 8,
            status: ProposalStatus::VotingPeriod,
            outcome: TallyOutcome::BelowThreshold,
            burned: Coin::new(0u128, "uakt"),
        },
        KumoEvent::ExpeditedConverted {
            id: 8,
            voting_end: Timestamp::from_seconds(9_000),
        },
        KumoEvent::ProposalExecuted { id: 7 },
        KumoEvent::ProposalExecutionFailed {
            id: 7,
            reason: "actions[0]: community pool holds 1uakt, cannot spend 2uakt".into(),
        },
        KumoEvent::ProposalCancelled {
            id: 9,
            burned: Coin::new(500u128, "uakt"),
        },
        KumoEvent::ProposalExpired { id: 10 },
        KumoEvent::PoolSpent {
            id: 11,
            recipient: Addr::unchecked("grantee"),
            amount: vec![Coin::new(5u128, "uakt"), Coin::new(7u128, "uusdc")],
        },
    ]
}

fn pairs(e: &Event) -> Vec<(String, String)> {
    e.attributes
        .iter()
        .map(|a| (a.key.clone(), a.value.clone()))
        .collect()
}

#[test]
fn every_event_round_trips_with_and_without_prefix() {
    for event in sample_events() {
        let encoded = event.to_event();
        assert_eq!(encoded.ty, event.name());
        let attrs = pairs(&encoded);
        assert_eq!(
            KumoEvent::decode(&encoded.ty, &attrs).unwrap(),
            Some(event.clone())
        );
        let prefixed = format!("{WASM_PREFIX}{}", encoded.ty);
        assert_eq!(KumoEvent::decode(&prefixed, &attrs).unwrap(), Some(event));
    }
}

#[test]
fn foreign_events_are_ignored() {
    let none: Vec<(String, String)> = vec![];
    assert_eq!(KumoEvent::decode("transfer", &none).unwrap(), None);
    assert_eq!(KumoEvent::decode("wasm", &none).unwrap(), None);
}

#[test]
fn malformed_events_name_the_attribute() {
    let err =
        KumoEvent::decode("wasm-order_created", &[("owner", "o"), ("dseq", "x")]).unwrap_err();
    assert!(
        matches!(err, EventDecodeError::Malformed { key: "dseq", .. }),
        "{err}"
    );
    let err = KumoEvent::decode(
        "wasm-order_created",
        &[("owner", "o"), ("dseq", "1"), ("gseq", "1")],
    )
    .unwrap_err();
    assert_eq!(
        err,
        EventDecodeError::Missing {
            event: "order_created".into(),
            key: "oseq"
        }
    );
    let err = KumoEvent::decode(
        "lease_closed",
        &[
            ("owner", "o"),
            ("dseq", "1"),
            ("gseq", "1"),
            ("oseq", "1"),
            ("provider", "p"),
            ("reason", "bored"),
        ],
    )
    .unwrap_err();
    assert!(err.to_string().contains("reason"), "{err}");
    let err = KumoEvent::decode(
        "collateral_bonded",
        &[("provider", "p"), ("amount", "uakt")],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        EventDecodeError::Malformed { key: "amount", .. }
    ));
    let err = KumoEvent::decode(
        "wasm-vote_cast",
        &[
            ("proposal_id", "1"),
            ("voter", "v"),
            ("power", "10"),
            ("options", "yes=0.5,maybe=0.5"),
        ],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        EventDecodeError::Malformed { key: "options", .. }
    ));
}
