//! Registering, updating, deregistering and listing providers.

use kumo_registry::ContractError;
use kumo_types::attributes::MAX_ATTRIBUTES;
use kumo_types::events::KumoEvent;
use kumo_types::registry::ProviderDetails;

use crate::suite::{assert_error, assert_invalid, attr, details, kumo_events, uakt, Suite};

#[test]
fn register_stores_the_provider_and_emits_an_event() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    let res = suite.register(&provider).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProviderRegistered {
            provider: provider.clone()
        }]
    );
    // On chain the custom event carries the `wasm-` prefix and the provider attribute.
    let raw = res
        .events
        .iter()
        .find(|e| e.ty == "wasm-provider_registered")
        .expect("a wasm-provider_registered event");
    assert!(raw
        .attributes
        .iter()
        .any(|a| a.key == "provider" && a.value == provider.as_str()));

    let stored = suite.provider(&provider).unwrap();
    let d = details();
    assert_eq!(stored.owner, provider);
    assert_eq!(stored.host_uri, d.host_uri);
    assert_eq!(stored.attributes, d.attributes);
    assert_eq!(stored.info, d.info);
    assert_eq!(stored.tls_cert_fingerprint, d.tls_cert_fingerprint);
    assert_eq!(stored.registered_at_height, suite.app.block_info().height);
}

#[test]
fn registering_twice_is_refused() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    let err = suite.register(&provider).unwrap_err();
    assert_error(
        err,
        ContractError::AlreadyRegistered {
            provider: provider.to_string(),
        },
    );
}

#[test]
fn registering_with_funds_is_refused() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    let err = suite
        .execute_with_funds(
            &provider,
            &kumo_types::registry::ExecuteMsg::RegisterProvider(details()),
            &[uakt(10)],
        )
        .unwrap_err();
    assert_error(
        err,
        ContractError::Payment(cw_utils::PaymentError::NonPayable {}),
    );
}

/// Each broken detail is refused with an error naming the field, and nothing is stored.
fn invalid_details() -> Vec<(&'static str, ProviderDetails)> {
    let with = |f: &dyn Fn(&mut ProviderDetails)| {
        let mut d = details();
        f(&mut d);
        d
    };
    vec![
        (
            "host_uri",
            with(&|d| d.host_uri = "http://provider.example.com".into()),
        ),
        (
            "host_uri",
            with(&|d| d.host_uri = "https://provider.example.com/api".into()),
        ),
        (
            "attributes[0].key",
            with(&|d| d.attributes[0].key = "1region".into()),
        ),
        (
            "attributes[0].key",
            with(&|d| d.attributes[0].key = "region*".into()),
        ),
        (
            "attributes[1].key",
            with(&|d| d.attributes = vec![attr("region", "a"), attr("region", "b")]),
        ),
        (
            "attributes[0].value",
            with(&|d| d.attributes[0].value = String::new()),
        ),
        (
            "attributes",
            with(&|d| {
                d.attributes = (0..=MAX_ATTRIBUTES)
                    .map(|i| attr(&format!("key{i}"), "v"))
                    .collect()
            }),
        ),
        (
            "attributes[1].key",
            with(&|d| d.attributes[1].key = "capabilities/gpu/vendor/nvidia/model/*".into()),
        ),
        (
            "tls_cert_fingerprint",
            with(&|d| d.tls_cert_fingerprint = "AB".repeat(32)),
        ),
        (
            "tls_cert_fingerprint",
            with(&|d| d.tls_cert_fingerprint = "abc".into()),
        ),
        (
            "info.email",
            with(&|d| d.info.email = "not-an-email".into()),
        ),
        ("info.website", with(&|d| d.info.website = "ftp://x".into())),
    ]
}

#[test]
fn invalid_details_are_refused_naming_the_field() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    for (field, bad) in invalid_details() {
        let err = suite.register_with(&provider, bad).unwrap_err();
        assert_invalid(err, field);
    }
    assert_error(
        suite.provider(&provider).unwrap_err(),
        ContractError::NotRegistered {
            provider: provider.to_string(),
        },
    );
}

#[test]
fn update_replaces_details_and_keeps_the_registration_height() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    let height = suite.app.block_info().height;
    suite.advance(60);

    let mut new = details();
    new.host_uri = "https://gpu.example.org".into();
    new.attributes = vec![attr("region", "eu-central")];
    new.tls_cert_fingerprint = "01".repeat(32);
    let res = suite.update_provider(&provider, new.clone()).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProviderUpdated {
            provider: provider.clone()
        }]
    );

    let stored = suite.provider(&provider).unwrap();
    assert_eq!(stored.host_uri, new.host_uri);
    assert_eq!(stored.attributes, new.attributes);
    assert_eq!(stored.tls_cert_fingerprint, new.tls_cert_fingerprint);
    assert_eq!(stored.registered_at_height, height);
}

#[test]
fn update_by_an_unregistered_account_is_refused() {
    let mut suite = Suite::new();
    let stranger = suite.addr("stranger");
    let err = suite.update_provider(&stranger, details()).unwrap_err();
    assert_error(
        err,
        ContractError::NotRegistered {
            provider: stranger.to_string(),
        },
    );
}

#[test]
fn invalid_updates_are_refused_and_leave_the_record_alone() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    for (field, bad) in invalid_details() {
        let err = suite.update_provider(&provider, bad).unwrap_err();
        assert_invalid(err, field);
    }
    assert_eq!(
        suite.provider(&provider).unwrap().host_uri,
        details().host_uri
    );
}

#[test]
fn deregister_removes_only_the_provider_record() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    let auditor = suite.addr("auditor");
    suite.register(&provider).unwrap();
    suite.bond(&provider, 500).unwrap();
    suite
        .sign(&auditor, &provider, vec![attr("region", "us-west")])
        .unwrap();

    let res = suite.deregister(&provider).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProviderDeregistered {
            provider: provider.clone()
        }]
    );
    assert_error(
        suite.provider(&provider).unwrap_err(),
        ContractError::NotRegistered {
            provider: provider.to_string(),
        },
    );
    assert!(suite.providers(None, None).is_empty());
    // The auditor's signature and the collateral survive.
    assert_eq!(
        suite.signed(&provider, &auditor).attributes,
        vec![attr("region", "us-west")]
    );
    assert_eq!(suite.collateral(&provider).bonded, uakt(500));

    // Collateral can still be unbonded and claimed.
    let before = suite.balance(&provider);
    suite.unbond(&provider, 500).unwrap();
    suite.advance(crate::suite::UNBONDING_PERIOD);
    suite.claim(&provider).unwrap();
    assert_eq!(suite.balance(&provider), before + 500);
}

#[test]
fn deregister_is_refused_while_the_market_reports_active_leases() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    suite.set_stats(&provider, 2, 8);
    let err = suite.deregister(&provider).unwrap_err();
    assert_error(err, ContractError::HasActiveLeases { count: 2 });
    assert!(suite.provider(&provider).is_ok());

    suite.set_stats(&provider, 0, 0);
    suite.deregister(&provider).unwrap();
}

#[test]
fn deregister_without_a_market_needs_no_lease_check() {
    let mut suite = Suite::builder().without_market().build();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    suite.deregister(&provider).unwrap();
}

#[test]
fn deregister_by_an_unregistered_account_is_refused() {
    let mut suite = Suite::new();
    let stranger = suite.addr("stranger");
    let err = suite.deregister(&stranger).unwrap_err();
    assert_error(
        err,
        ContractError::NotRegistered {
            provider: stranger.to_string(),
        },
    );
}

#[test]
fn a_deregistered_provider_may_register_again() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    suite.deregister(&provider).unwrap();
    suite.advance(60);
    suite.register(&provider).unwrap();
    assert_eq!(
        suite.provider(&provider).unwrap().registered_at_height,
        suite.app.block_info().height
    );
}

#[test]
fn provider_queries_refuse_invalid_addresses() {
    let suite = Suite::new();
    let res = suite
        .app
        .wrap()
        .query_wasm_smart::<kumo_types::registry::Provider>(
            &suite.registry,
            &kumo_types::registry::QueryMsg::Provider {
                address: "not an address".into(),
            },
        );
    assert!(res.is_err());
}

#[test]
fn providers_page_by_address() {
    let mut suite = Suite::new();
    let mut all: Vec<_> = (0..105).map(|i| suite.addr(&format!("p{i:03}"))).collect();
    for p in &all {
        suite.register(p).unwrap();
    }
    all.sort();

    let owners = |page: Vec<kumo_types::registry::Provider>| -> Vec<_> {
        page.into_iter().map(|p| p.owner).collect()
    };
    // Default page of 10, in address order.
    assert_eq!(owners(suite.providers(None, None)), all[..10]);
    // At most 100, whatever is asked.
    assert_eq!(owners(suite.providers(None, Some(1000))), all[..100]);
    // A limit of 0 still returns one.
    assert_eq!(owners(suite.providers(None, Some(0))), all[..1]);
    // start_after is exclusive.
    assert_eq!(owners(suite.providers(Some(&all[9]), Some(5))), all[10..15]);

    // Walking the pages visits every provider once.
    let mut seen = vec![];
    let mut cursor = None;
    loop {
        let page = owners(suite.providers(cursor.as_ref(), Some(7)));
        let Some(last) = page.last().cloned() else {
            break;
        };
        seen.extend(page);
        cursor = Some(last);
    }
    assert_eq!(seen, all);
}
