//! Auditors signing and deleting provider attributes.

use kumo_registry::ContractError;
use kumo_types::attributes::{Attribute, MAX_ATTRIBUTES};
use kumo_types::events::KumoEvent;

use crate::suite::{assert_error, assert_invalid, attr, kumo_events, Suite};

fn registered() -> Suite {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    suite
}

fn many(prefix: &str, n: usize) -> Vec<Attribute> {
    (0..n).map(|i| attr(&format!("{prefix}{i}"), "v")).collect()
}

#[test]
fn an_auditor_signs_attributes() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    let attrs = vec![attr("region", "us-west"), attr("tier", "1")];
    let res = suite.sign(&auditor, &provider, attrs.clone()).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::AttributesSigned {
            provider: provider.clone(),
            auditor: auditor.clone()
        }]
    );
    let signed = suite.signed(&provider, &auditor);
    assert_eq!(signed.auditor, auditor);
    assert_eq!(signed.attributes, attrs);
}

#[test]
fn signing_again_replaces_by_key_and_adds_new_keys() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    suite
        .sign(
            &auditor,
            &provider,
            vec![attr("region", "us-west"), attr("tier", "1")],
        )
        .unwrap();
    suite
        .sign(
            &auditor,
            &provider,
            vec![attr("region", "eu-central"), attr("zone", "a")],
        )
        .unwrap();
    assert_eq!(
        suite.signed(&provider, &auditor).attributes,
        vec![
            attr("region", "eu-central"),
            attr("tier", "1"),
            attr("zone", "a")
        ]
    );
}

#[test]
fn nothing_signed_reads_as_an_empty_list() {
    let suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    let signed = suite.signed(&provider, &auditor);
    assert_eq!(signed.auditor, auditor);
    assert!(signed.attributes.is_empty());
}

#[test]
fn signing_for_an_unregistered_provider_is_refused() {
    let mut suite = Suite::new();
    let (stranger, auditor) = (suite.addr("stranger"), suite.addr("auditor"));
    let err = suite
        .sign(&auditor, &stranger, vec![attr("region", "us-west")])
        .unwrap_err();
    assert_error(
        err,
        ContractError::NotRegistered {
            provider: stranger.to_string(),
        },
    );
}

#[test]
fn invalid_signed_attributes_are_refused_naming_the_field() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    let cases = vec![
        ("attributes", vec![]),
        ("attributes[0].key", vec![attr("region*", "us")]),
        ("attributes[0].key", vec![attr("9lives", "x")]),
        (
            "attributes[1].key",
            vec![attr("region", "a"), attr("region", "b")],
        ),
        ("attributes[0].value", vec![attr("region", "")]),
        ("attributes", many("k", MAX_ATTRIBUTES + 1)),
        (
            "attributes[0].key",
            vec![attr("capabilities/gpu/vendor/nvidia/model/*", "true")],
        ),
    ];
    for (field, attrs) in cases {
        let err = suite.sign(&auditor, &provider, attrs).unwrap_err();
        assert_invalid(err, field);
    }
    assert!(suite.all_signed(&provider, None, None).is_empty());
}

#[test]
fn the_merged_signature_stays_bounded() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    suite.sign(&auditor, &provider, many("a", 40)).unwrap();
    let err = suite.sign(&auditor, &provider, many("b", 30)).unwrap_err();
    assert_error(
        err,
        ContractError::TooManySignedAttributes {
            count: 70,
            max: MAX_ATTRIBUTES,
        },
    );
    // Replacing keys does not grow the list: 40 existing + 24 new = 64 is fine.
    let mut next = many("a", 40);
    next.extend(many("b", 24));
    suite.sign(&auditor, &provider, next).unwrap();
    assert_eq!(
        suite.signed(&provider, &auditor).attributes.len(),
        MAX_ATTRIBUTES
    );
}

#[test]
fn deleting_keys_removes_them_and_an_emptied_entry() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    suite
        .sign(
            &auditor,
            &provider,
            vec![attr("region", "us-west"), attr("tier", "1")],
        )
        .unwrap();

    let res = suite
        .delete_signed(&auditor, &provider, &["region"])
        .unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::AttributesDeleted {
            provider: provider.clone(),
            auditor: auditor.clone()
        }]
    );
    assert_eq!(
        suite.signed(&provider, &auditor).attributes,
        vec![attr("tier", "1")]
    );

    suite.delete_signed(&auditor, &provider, &["tier"]).unwrap();
    assert!(suite.all_signed(&provider, None, None).is_empty());
}

#[test]
fn deleting_with_no_keys_removes_everything_the_auditor_signed() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    suite.sign(&auditor, &provider, many("k", 10)).unwrap();
    suite.delete_signed(&auditor, &provider, &[]).unwrap();
    assert!(suite.signed(&provider, &auditor).attributes.is_empty());
    assert!(suite.all_signed(&provider, None, None).is_empty());
}

#[test]
fn deleting_an_unsigned_key_is_refused_and_changes_nothing() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    suite
        .sign(&auditor, &provider, vec![attr("tier", "1")])
        .unwrap();
    let err = suite
        .delete_signed(&auditor, &provider, &["tier", "region"])
        .unwrap_err();
    assert_error(
        err,
        ContractError::KeyNotSigned {
            key: "region".into(),
        },
    );
    // The whole message failed, so "tier" is still signed.
    assert_eq!(
        suite.signed(&provider, &auditor).attributes,
        vec![attr("tier", "1")]
    );
}

#[test]
fn deleting_when_nothing_is_signed_is_refused() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    let err = suite.delete_signed(&auditor, &provider, &[]).unwrap_err();
    assert_error(
        err,
        ContractError::NothingSigned {
            provider: provider.to_string(),
            auditor: auditor.to_string(),
        },
    );
}

#[test]
fn an_auditor_cannot_touch_another_auditors_signature() {
    let mut suite = registered();
    let provider = suite.addr("provider");
    let (honest, rogue) = (suite.addr("auditor"), suite.addr("auditor2"));
    suite
        .sign(&honest, &provider, vec![attr("region", "us-west")])
        .unwrap();

    // Deleting acts on the sender's own signatures only.
    for keys in [&["region"][..], &[]] {
        let err = suite.delete_signed(&rogue, &provider, keys).unwrap_err();
        assert_error(
            err,
            ContractError::NothingSigned {
                provider: provider.to_string(),
                auditor: rogue.to_string(),
            },
        );
    }
    // Signing the same key creates the rogue's own entry, not an overwrite.
    suite
        .sign(&rogue, &provider, vec![attr("region", "nowhere")])
        .unwrap();
    suite.delete_signed(&rogue, &provider, &["region"]).unwrap();
    assert_eq!(
        suite.signed(&provider, &honest).attributes,
        vec![attr("region", "us-west")]
    );
}

#[test]
fn an_auditor_may_delete_after_the_provider_deregistered() {
    let mut suite = registered();
    let (provider, auditor) = (suite.addr("provider"), suite.addr("auditor"));
    suite
        .sign(&auditor, &provider, vec![attr("region", "us-west")])
        .unwrap();
    suite.deregister(&provider).unwrap();
    suite.delete_signed(&auditor, &provider, &[]).unwrap();
    assert!(suite.all_signed(&provider, None, None).is_empty());
}

#[test]
fn signed_attributes_page_by_auditor_within_one_provider() {
    let mut suite = registered();
    let (provider, other) = (suite.addr("provider"), suite.addr("provider2"));
    suite.register(&other).unwrap();
    let mut auditors: Vec<_> = (0..105)
        .map(|i| suite.addr(&format!("aud{i:03}")))
        .collect();
    for a in &auditors {
        suite
            .sign(a, &provider, vec![attr("region", "us-west")])
            .unwrap();
    }
    // A signature for another provider never shows up in this provider's pages.
    suite
        .sign(&auditors[0], &other, vec![attr("region", "eu")])
        .unwrap();
    auditors.sort();

    let who = |page: Vec<kumo_types::attributes::AuditedAttributes>| -> Vec<_> {
        page.into_iter().map(|a| a.auditor).collect()
    };
    assert_eq!(who(suite.all_signed(&provider, None, None)), auditors[..10]);
    assert_eq!(
        who(suite.all_signed(&provider, None, Some(500))),
        auditors[..100]
    );
    assert_eq!(
        who(suite.all_signed(&provider, Some(&auditors[99]), Some(500))),
        auditors[100..]
    );
    assert_eq!(
        who(suite.all_signed(&provider, Some(&auditors[4]), Some(3))),
        auditors[5..8]
    );
    let others = suite.all_signed(&other, None, None);
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].attributes, vec![attr("region", "eu")]);
}
