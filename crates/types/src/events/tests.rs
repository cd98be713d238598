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
}
