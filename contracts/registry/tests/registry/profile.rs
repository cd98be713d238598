//! The ProviderProfile query: everything a market needs to check a bid.

use cosmwasm_std::Uint256;
use kumo_registry::ContractError;
use kumo_types::registry::{RegistryParamsUpdate, MAX_PROFILE_AUDITORS};

use crate::suite::{assert_error, attr, Suite, PER_GPU};

#[test]
fn profile_gathers_requested_and_certified_signatures() {
    let mut suite = Suite::new();
    let (provider, auditor, certifier, governance) = (
        suite.addr("provider"),
        suite.addr("auditor"),
        suite.addr("certifier"),
        suite.governance.clone(),
    );
    suite
        .update_params(
            &governance,
            RegistryParamsUpdate {
                certified_auditors: Some(vec![certifier.to_string()]),
                ..Default::default()
            },
        )
        .unwrap();
    suite.register(&provider).unwrap();
    suite.bond(&provider, 2_500).unwrap();
    suite
        .sign(&auditor, &provider, vec![attr("region", "us-west")])
        .unwrap();
    let gpu = attr("capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi", "true");
    suite
        .sign(&certifier, &provider, vec![gpu.clone()])
        .unwrap();

    let profile = suite.profile(&provider, &[&auditor]).unwrap();
    assert_eq!(profile.provider.owner, provider);
    assert_eq!(profile.bonded, Uint256::from(2_500u128));
    assert_eq!(profile.min_collateral_per_gpu, Uint256::from(PER_GPU));
    assert_eq!(profile.audited.len(), 1);
    assert_eq!(profile.audited[0].auditor, auditor);
    assert_eq!(
        profile.audited[0].attributes,
        vec![attr("region", "us-west")]
    );
    assert_eq!(profile.certified_auditors, vec![certifier.clone()]);
    assert_eq!(profile.certified.len(), 1);
    assert_eq!(profile.certified[0].auditor, certifier);
    assert_eq!(profile.certified[0].attributes, vec![gpu]);
}

#[test]
fn a_provider_signing_for_itself_is_just_another_auditor() {
    let mut suite = Suite::new();
    let (provider, other) = (suite.addr("provider"), suite.addr("auditor"));
    suite.register(&provider).unwrap();
    suite
        .sign(&provider, &provider, vec![attr("tier", "gold")])
        .unwrap();

    let profile = suite.profile(&provider, &[&other]).unwrap();
    assert!(profile.audited.is_empty());
    assert!(profile.certified.is_empty());

    let profile = suite.profile(&provider, &[&provider]).unwrap();
    assert_eq!(profile.audited.len(), 1);
    assert_eq!(profile.audited[0].auditor, provider);
}

#[test]
fn profile_skips_auditors_without_signatures_and_duplicates() {
    let mut suite = Suite::new();
    let (provider, a1, a2) = (
        suite.addr("provider"),
        suite.addr("auditor"),
        suite.addr("auditor2"),
    );
    suite.register(&provider).unwrap();
    suite.sign(&a1, &provider, vec![attr("tier", "1")]).unwrap();
    let profile = suite.profile(&provider, &[&a2, &a1, &a1]).unwrap();
    let auditors: Vec<_> = profile.audited.iter().map(|a| &a.auditor).collect();
    assert_eq!(auditors, vec![&a1]);
}

#[test]
fn profile_of_an_unregistered_provider_is_refused() {
    let suite = Suite::new();
    let stranger = suite.addr("stranger");
    assert_error(
        suite.profile(&stranger, &[]).unwrap_err(),
        ContractError::NotRegistered {
            provider: stranger.to_string(),
        },
    );
}

#[test]
fn profile_asks_about_a_bounded_number_of_auditors() {
    let mut suite = Suite::new();
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    let auditors: Vec<_> = (0..=MAX_PROFILE_AUDITORS)
        .map(|i| suite.addr(&format!("aud{i}")))
        .collect();
    let refs: Vec<_> = auditors.iter().collect();
    assert_error(
        suite.profile(&provider, &refs).unwrap_err(),
        ContractError::TooManyAuditors {
            count: MAX_PROFILE_AUDITORS + 1,
            max: MAX_PROFILE_AUDITORS,
        },
    );
    assert!(suite
        .profile(&provider, &refs[..MAX_PROFILE_AUDITORS])
        .is_ok());
}
