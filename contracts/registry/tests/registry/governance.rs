//! Instantiation, governed params and config, and migration.

use cosmwasm_std::Uint256;
use cw_multi_test::Executor;
use kumo_registry::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use kumo_registry::ContractError;
use kumo_types::coins::FundsDestination;
use kumo_types::events::KumoEvent;
use kumo_types::registry::{InstantiateMsg, RegistryParams, RegistryParamsUpdate};

use crate::suite::{
    assert_error, assert_invalid, default_params, kumo_events, registry_contract, Suite, DENOM,
};

#[test]
fn instantiate_stores_config_and_params() {
    let suite = Suite::new();
    let config = suite.config();
    assert_eq!(config.governance, suite.governance);
    assert_eq!(config.market, Some(suite.stats.clone()));
    assert_eq!(suite.params(), default_params());
    let version = cw2::get_contract_version(&*suite.app.contract_storage(&suite.registry)).unwrap();
    assert_eq!(version.contract, CONTRACT_NAME);
    assert_eq!(version.version, CONTRACT_VERSION);

    let suite = Suite::builder().without_market().build();
    assert_eq!(suite.config().market, None);
}

fn instantiate(
    suite: &mut Suite,
    msg: InstantiateMsg,
) -> cosmwasm_std::StdResult<cosmwasm_std::Addr> {
    let code = suite.app.store_code(registry_contract());
    suite
        .app
        .instantiate_contract(code, suite.governance.clone(), &msg, &[], "registry", None)
}

#[test]
fn instantiate_refuses_bad_addresses_and_params() {
    let mut suite = Suite::new();
    let good = InstantiateMsg {
        governance: suite.governance.to_string(),
        market: None,
        params: default_params(),
    };
    assert!(instantiate(&mut suite, good.clone()).is_ok());

    for msg in [
        InstantiateMsg {
            governance: "not-an-address".into(),
            ..good.clone()
        },
        InstantiateMsg {
            market: Some("not-an-address".into()),
            ..good.clone()
        },
    ] {
        assert!(instantiate(&mut suite, msg).is_err());
    }

    let bad_params: [(&str, RegistryParams); 4] = [
        (
            "collateral_denom",
            RegistryParams {
                collateral_denom: "x".into(),
                ..default_params()
            },
        ),
        (
            "unbonding_period_seconds",
            RegistryParams {
                unbonding_period_seconds: kumo_types::registry::MAX_UNBONDING_PERIOD_SECONDS + 1,
                ..default_params()
            },
        ),
        (
            "certified_auditors[0]",
            RegistryParams {
                certified_auditors: vec!["nope".into()],
                ..default_params()
            },
        ),
        (
            "certified_auditors[1]",
            RegistryParams {
                certified_auditors: vec![suite.addr("a").to_string(), suite.addr("a").to_string()],
                ..default_params()
            },
        ),
    ];
    for (field, params) in bad_params {
        let err = instantiate(
            &mut suite,
            InstantiateMsg {
                params,
                ..good.clone()
            },
        )
        .unwrap_err();
        assert_invalid(err, field);
    }
}

#[test]
fn governance_updates_params() {
    let mut suite = Suite::new();
    let governance = suite.governance.clone();
    let certifier = suite.addr("certifier");
    let res = suite
        .update_params(
            &governance,
            RegistryParamsUpdate {
                unbonding_period_seconds: Some(3_600),
                min_collateral_per_gpu: Some(Uint256::from(42u128)),
                certified_auditors: Some(vec![certifier.to_string()]),
                slash_destination: Some(FundsDestination::CommunityPool),
            },
        )
        .unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ParamsUpdated {
            contract: "registry".into()
        }]
    );
    assert_eq!(
        suite.params(),
        RegistryParams {
            collateral_denom: DENOM.into(),
            unbonding_period_seconds: 3_600,
            min_collateral_per_gpu: Uint256::from(42u128),
            certified_auditors: vec![certifier.to_string()],
            slash_destination: FundsDestination::CommunityPool,
        }
    );

    // Fields left out keep their value.
    suite
        .update_params(
            &governance,
            RegistryParamsUpdate {
                unbonding_period_seconds: Some(60),
                ..Default::default()
            },
        )
        .unwrap();
    let params = suite.params();
    assert_eq!(params.unbonding_period_seconds, 60);
    assert_eq!(params.min_collateral_per_gpu, Uint256::from(42u128));
}

#[test]
fn only_governance_updates_params() {
    let mut suite = Suite::new();
    let stranger = suite.addr("stranger");
    let err = suite
        .update_params(
            &stranger,
            RegistryParamsUpdate {
                min_collateral_per_gpu: Some(Uint256::zero()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_error(err, ContractError::Unauthorized);
    assert_eq!(suite.params(), default_params());
}

#[test]
fn invalid_params_updates_are_refused_naming_the_field() {
    let mut suite = Suite::new();
    let governance = suite.governance.clone();
    let cases = [
        (
            "unbonding_period_seconds",
            RegistryParamsUpdate {
                unbonding_period_seconds: Some(u64::MAX),
                ..Default::default()
            },
        ),
        (
            "certified_auditors[0]",
            RegistryParamsUpdate {
                certified_auditors: Some(vec!["nope".into()]),
                ..Default::default()
            },
        ),
        (
            "certified_auditors",
            RegistryParamsUpdate {
                certified_auditors: Some(
                    (0..=kumo_types::registry::MAX_CERTIFIED_AUDITORS)
                        .map(|i| suite.addr(&format!("c{i}")).to_string())
                        .collect(),
                ),
                ..Default::default()
            },
        ),
    ];
    for (field, update) in cases {
        let err = suite.update_params(&governance, update).unwrap_err();
        assert_invalid(err, field);
    }
    assert_eq!(suite.params(), default_params());
}

#[test]
fn governance_hands_over_authority_and_repoints_the_market() {
    let mut suite = Suite::builder().without_market().build();
    let (old, new) = (suite.governance.clone(), suite.addr("new-governance"));
    let stats = suite.stats.to_string();
    let res = suite
        .update_config(&old, Some(new.as_str()), Some(&stats))
        .unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ConfigUpdated {
            contract: "registry".into()
        }]
    );
    let config = suite.config();
    assert_eq!(config.governance, new);
    assert_eq!(config.market, Some(suite.stats.clone()));

    // The old governance lost its powers; the new one has them.
    assert_error(
        suite
            .update_params(&old, RegistryParamsUpdate::default())
            .unwrap_err(),
        ContractError::Unauthorized,
    );
    suite
        .update_params(&new, RegistryParamsUpdate::default())
        .unwrap();

    // The new market is asked about leases.
    let provider = suite.addr("provider");
    suite.register(&provider).unwrap();
    suite.set_stats(&provider, 1, 1);
    assert_error(
        suite.deregister(&provider).unwrap_err(),
        ContractError::HasActiveLeases { count: 1 },
    );
}

#[test]
fn config_updates_are_governed_and_validated() {
    let mut suite = Suite::new();
    let (governance, stranger) = (suite.governance.clone(), suite.addr("stranger"));
    assert_error(
        suite
            .update_config(&stranger, Some(stranger.as_str()), None)
            .unwrap_err(),
        ContractError::Unauthorized,
    );
    assert!(suite
        .update_config(&governance, Some("not-an-address"), None)
        .is_err());
    assert!(suite
        .update_config(&governance, None, Some("not-an-address"))
        .is_err());
    assert_eq!(suite.config().governance, governance);
}

fn set_stored_version(suite: &mut Suite, name: &str, version: &str) {
    let registry = suite.registry.clone();
    cw2::set_contract_version(
        &mut *suite.app.contract_storage_mut(&registry),
        name,
        version,
    )
    .unwrap();
}

fn stored_version(suite: &Suite) -> cw2::ContractVersion {
    cw2::get_contract_version(&*suite.app.contract_storage(&suite.registry)).unwrap()
}

#[test]
fn migrate_upgrades_the_stored_version() {
    let mut suite = Suite::new();
    set_stored_version(&mut suite, CONTRACT_NAME, "0.0.1");
    suite.migrate().unwrap();
    assert_eq!(stored_version(&suite).version, CONTRACT_VERSION);
    // Re-running at the same version is fine too.
    suite.migrate().unwrap();
    assert_eq!(stored_version(&suite).version, CONTRACT_VERSION);
}

#[test]
fn migrate_refuses_another_contract() {
    let mut suite = Suite::new();
    set_stored_version(&mut suite, "crate:cw20-base", "0.0.1");
    assert_error(
        suite.migrate().unwrap_err(),
        ContractError::Upgrade(kumo_types::version::UpgradeRefusal::WrongContract {
            expected: CONTRACT_NAME.into(),
            found: "crate:cw20-base".into(),
        }),
    );
}

#[test]
fn migrate_refuses_a_downgrade() {
    let mut suite = Suite::new();
    set_stored_version(&mut suite, CONTRACT_NAME, "99.0.0");
    assert_error(
        suite.migrate().unwrap_err(),
        ContractError::Upgrade(kumo_types::version::UpgradeRefusal::Downgrade {
            stored: "99.0.0".into(),
            new: CONTRACT_VERSION.into(),
        }),
    );
    assert_eq!(stored_version(&suite).version, "99.0.0");
}

#[test]
fn governed_messages_take_no_funds() {
    let mut suite = Suite::new();
    let governance = suite.governance.clone();
    let err = suite
        .execute_with_funds(
            &governance,
            &kumo_types::registry::ExecuteMsg::UpdateParams(RegistryParamsUpdate::default()),
            &[crate::suite::uakt(1)],
        )
        .unwrap_err();
    assert_error(
        err,
        ContractError::Payment(cw_utils::PaymentError::NonPayable {}),
    );
}
