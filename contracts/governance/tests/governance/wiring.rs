//! Wiring: the one-time `WireContracts` by the instantiating account, the check that a wired
//! contract is governed by this one, rewiring by proposal only, and migration guards.

use cw_multi_test::Executor;
use kumo_governance::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use kumo_governance::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{ExecuteMsg, InstantiateMsg, ProposalAction};
use kumo_types::market::MarketParamsUpdate;
use kumo_types::registry;

use crate::suite::*;

fn wire(
    s: &mut Suite,
    who: &str,
    market: Option<String>,
    registry: Option<String>,
) -> cosmwasm_std::StdResult<cw_multi_test::AppResponse> {
    s.gov_exec(who, &ExecuteMsg::WireContracts { market, registry }, &[])
}

#[test]
fn the_instantiator_wires_once() {
    let mut s = Suite::unwired(gov_params());
    let config = s.gov_config();
    assert_eq!(
        (config.market, config.registry, config.wirer),
        (None, None, Some(s.addr("deployer")))
    );
    let market = s.market.to_string();
    let registry = s.registry.to_string();
    assert_err(
        wire(&mut s, "stranger", Some(market.clone()), None),
        ContractError::NotWirer,
    );
    assert_err(
        wire(&mut s, "deployer", None, None),
        ContractError::NothingToWire,
    );

    let res = wire(&mut s, "deployer", Some(market), None).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ConfigUpdated {
            contract: "governance".into()
        }]
    );
    let config = s.gov_config();
    assert_eq!(
        (config.market, config.registry, config.wirer),
        (Some(s.market.clone()), None, None)
    );
    // Once only: the registry now takes a proposal.
    assert_err(
        wire(&mut s, "deployer", None, Some(registry.clone())),
        ContractError::NotWirer,
    );
    s.stake_all(&STAKERS);
    s.pass_and_execute(vec![ProposalAction::SetContracts {
        market: None,
        registry: Some(registry),
    }]);
    assert_eq!(s.gov_config().registry, Some(s.registry.clone()));
    // Knowing both, governance pointed the registry at the market.
    assert_eq!(registry_market(&s), Some(s.market.clone()));
}

fn registry_market(s: &Suite) -> Option<cosmwasm_std::Addr> {
    let config: registry::ConfigResponse = s
        .app
        .wrap()
        .query_wasm_smart(&s.registry, &registry::QueryMsg::Config {})
        .unwrap();
    config.market
}

#[test]
fn wiring_both_points_the_registry_at_the_market() {
    let s = Suite::new();
    assert_eq!(registry_market(&s), Some(s.market.clone()));
}

#[test]
fn only_contracts_governed_by_this_one_are_wired() {
    let mut s = Suite::unwired(gov_params());
    // A registry governed by someone else.
    let stranger = s.addr("stranger");
    let code = s.registry_code;
    let foreign = s
        .app
        .instantiate_contract(
            code,
            stranger.clone(),
            &registry::InstantiateMsg {
                governance: stranger.to_string(),
                market: None,
                params: registry_params(),
            },
            &[],
            "foreign registry",
            None,
        )
        .unwrap();
    assert_err(
        wire(&mut s, "deployer", None, Some(foreign.to_string())),
        ContractError::NotGoverned {
            contract: "registry",
            address: foreign.to_string(),
            reason: format!("its governance is {stranger}"),
        },
    );
    let gov = s.gov.to_string();
    assert_err(
        wire(&mut s, "deployer", Some(gov.clone()), None),
        ContractError::NotGoverned {
            contract: "market",
            address: gov,
            reason: "that is this contract".into(),
        },
    );
    // An account, not a contract.
    assert_err(
        wire(&mut s, "deployer", Some(stranger.to_string()), None),
        format!("{stranger} cannot be the market: its config query failed: "),
    );
    // The registry is no market.
    let registry = s.registry.to_string();
    assert_err(
        wire(&mut s, "deployer", Some(registry.clone()), None),
        format!("{registry} cannot be the market: its config query failed: "),
    );
    // Nothing was stored: the instantiator may still wire.
    assert_eq!(s.gov_config().wirer, Some(s.addr("deployer")));
    assert_eq!(s.gov_config().market, None);

    // After wiring, a proposal can't point at a foreign contract either.
    let market = s.market.to_string();
    wire(&mut s, "deployer", Some(market), Some(registry)).unwrap();
    s.stake_all(&STAKERS);
    assert_err(
        s.propose(vec![ProposalAction::SetContracts {
            market: None,
            registry: Some(foreign.to_string()),
        }]),
        format!("actions[0]: {foreign} cannot be the registry: its governance is {stranger}"),
    );
}

#[test]
fn market_and_registry_actions_need_the_wiring() {
    let mut s = Suite::unwired(gov_params());
    s.stake_all(&STAKERS);
    assert_err(
        s.propose(vec![ProposalAction::UpdateMarketParams(
            MarketParamsUpdate::default(),
        )]),
        ContractError::InvalidAction {
            index: 0,
            source: Box::new(ContractError::NotWired { contract: "market" }),
        },
    );
    let provider = s.addr("p1").to_string();
    assert_err(
        s.propose(vec![ProposalAction::SlashProvider {
            provider,
            fraction: dec("0.5"),
            reason: "fraud".into(),
        }]),
        ContractError::InvalidAction {
            index: 0,
            source: Box::new(ContractError::NotWired {
                contract: "registry",
            }),
        },
    );
    // A text proposal needs nothing.
    s.propose(vec![]).unwrap();
}

#[test]
fn instantiated_with_both_contracts_nothing_is_left_to_wire() {
    let mut s = Suite::new();
    let code = s.gov_code;
    let deployer = s.addr("deployer");
    let second = s
        .app
        .instantiate_contract(
            code,
            deployer.clone(),
            &InstantiateMsg {
                market: Some(s.market.to_string()),
                registry: Some(s.registry.to_string()),
                params: gov_params(),
            },
            &[],
            "governance 2",
            None,
        )
        .unwrap();
    let config: kumo_types::governance::ConfigResponse = s
        .app
        .wrap()
        .query_wasm_smart(&second, &kumo_types::governance::QueryMsg::Config {})
        .unwrap();
    assert_eq!(config.wirer, None);
    assert_err(
        s.app.execute_contract(
            deployer,
            second,
            &ExecuteMsg::WireContracts {
                market: None,
                registry: Some(s.registry.to_string()),
            },
            &[],
        ),
        ContractError::NotWirer,
    );
    // Invalid params are refused at instantiation.
    let mut params = gov_params();
    params.unbonding_period_seconds = 1;
    assert_err(
        s.app.instantiate_contract(
            code,
            s.addr("deployer"),
            &InstantiateMsg {
                market: None,
                registry: None,
                params,
            },
            &[],
            "governance 3",
            None,
        ),
        "invalid input: unbonding_period_seconds: 1 must be at least",
    );
}

fn set_stored_version(s: &mut Suite, name: &str, version: &str) {
    let gov = s.gov.clone();
    cw2::set_contract_version(&mut *s.app.contract_storage_mut(&gov), name, version).unwrap();
}

#[test]
fn migration_refuses_other_contracts_and_downgrades() {
    let mut s = Suite::new();
    let code = s.gov_code;
    set_stored_version(&mut s, CONTRACT_NAME, "0.0.1");
    s.migrate_gov(code).unwrap();
    assert_eq!(
        cw2::get_contract_version(&*s.app.contract_storage(&s.gov))
            .unwrap()
            .version,
        CONTRACT_VERSION
    );

    set_stored_version(&mut s, CONTRACT_NAME, "99.0.0");
    assert_err(
        s.migrate_gov(code),
        ContractError::Upgrade(kumo_types::version::UpgradeRefusal::Downgrade {
            stored: "99.0.0".into(),
            new: CONTRACT_VERSION.into(),
        }),
    );
    set_stored_version(&mut s, "crate:kumo-market", "0.1.0");
    assert_err(
        s.migrate_gov(code),
        ContractError::Upgrade(kumo_types::version::UpgradeRefusal::WrongContract {
            expected: CONTRACT_NAME.into(),
            found: "crate:kumo-market".into(),
        }),
    );
    // Nor does the registry's code take over this contract's state.
    set_stored_version(&mut s, CONTRACT_NAME, CONTRACT_VERSION);
    let registry_code = s.registry_code;
    assert_err(
        s.migrate_gov(registry_code),
        kumo_registry::ContractError::Upgrade(kumo_types::version::UpgradeRefusal::WrongContract {
            expected: "crate:kumo-registry".into(),
            found: CONTRACT_NAME.into(),
        }),
    );
}
