//! A test App with the registry (and, by default, the `stats_stand_in` market) deployed,
//! plus typed helpers for every message and query.

use std::str::FromStr;

use cosmwasm_std::{Addr, Coin, Decimal, Empty, StdError, StdResult, Uint128, Uint256};
use cw_multi_test::{App, AppResponse, Contract, ContractWrapper, Executor};
use kumo_registry::ContractError;
use kumo_types::attributes::{Attribute, AuditedAttributes};
use kumo_types::coins::FundsDestination;
use kumo_types::events::KumoEvent;
use kumo_types::registry::{
    CollateralResponse, ConfigResponse, ExecuteMsg, InstantiateMsg, MigrateMsg, Provider,
    ProviderDetails, ProviderInfo, ProviderProfile, ProvidersResponse, QueryMsg, RegistryParams,
    RegistryParamsUpdate, SignedAttributesResponse,
};

use crate::stats_stand_in;

pub const DENOM: &str = "uakt";
pub const OTHER_DENOM: &str = "uother";
pub const UNBONDING_PERIOD: u64 = 21 * 24 * 3600;
pub const PER_GPU: u128 = 1_000;
pub const INITIAL_BALANCE: u128 = 1_000_000;

/// Accounts funded at genesis with `INITIAL_BALANCE` of both denoms.
pub const ACCOUNTS: &[&str] = &[
    "governance",
    "provider",
    "provider2",
    "auditor",
    "auditor2",
    "stranger",
];

pub fn registry_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            kumo_registry::contract::execute,
            kumo_registry::contract::instantiate,
            kumo_registry::contract::query,
        )
        .with_migrate(kumo_registry::contract::migrate),
    )
}

pub fn default_params() -> RegistryParams {
    RegistryParams {
        collateral_denom: DENOM.into(),
        unbonding_period_seconds: UNBONDING_PERIOD,
        min_collateral_per_gpu: Uint256::from(PER_GPU),
        certified_auditors: vec![],
        slash_destination: FundsDestination::Burn,
    }
}

/// Valid provider details.
pub fn details() -> ProviderDetails {
    ProviderDetails {
        host_uri: "https://provider.example.com:8443".into(),
        attributes: vec![
            attr("region", "us-west"),
            attr("capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi", "true"),
        ],
        info: ProviderInfo {
            email: "ops@example.com".into(),
            website: "https://example.com".into(),
        },
        tls_cert_fingerprint: "ab".repeat(32),
    }
}

pub fn attr(key: &str, value: &str) -> Attribute {
    Attribute::new(key, value)
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn uakt(amount: u128) -> Coin {
    Coin::new(amount, DENOM)
}

pub struct SuiteBuilder {
    params: RegistryParams,
    with_market: bool,
}

impl SuiteBuilder {
    pub fn params(mut self, params: RegistryParams) -> Self {
        self.params = params;
        self
    }

    /// No market configured: every provider has no leases.
    pub fn without_market(mut self) -> Self {
        self.with_market = false;
        self
    }

    pub fn build(self) -> Suite {
        let mut app = App::new(|router, api, storage| {
            for name in ACCOUNTS {
                router
                    .bank
                    .init_balance(
                        storage,
                        &api.addr_make(name),
                        vec![
                            Coin::new(INITIAL_BALANCE, DENOM),
                            Coin::new(INITIAL_BALANCE, OTHER_DENOM),
                        ],
                    )
                    .unwrap();
            }
        });
        let governance = app.api().addr_make("governance");
        let stats_code = app.store_code(stats_stand_in::contract());
        let stats = app
            .instantiate_contract(
                stats_code,
                governance.clone(),
                &Empty {},
                &[],
                "stats_stand_in",
                None,
            )
            .unwrap();
        let registry_code_id = app.store_code(registry_contract());
        let msg = InstantiateMsg {
            governance: governance.to_string(),
            market: self.with_market.then(|| stats.to_string()),
            params: self.params,
        };
        let registry = app
            .instantiate_contract(
                registry_code_id,
                governance.clone(),
                &msg,
                &[],
                "registry",
                Some(governance.to_string()),
            )
            .unwrap();
        Suite {
            app,
            registry,
            stats,
            governance,
            registry_code_id,
        }
    }
}

pub struct Suite {
    pub app: App,
    pub registry: Addr,
    /// The `stats_stand_in` market (configured unless built `without_market`).
    pub stats: Addr,
    pub governance: Addr,
    pub registry_code_id: u64,
}

impl Suite {
    pub fn builder() -> SuiteBuilder {
        SuiteBuilder {
            params: default_params(),
            with_market: true,
        }
    }

    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A bech32 address for a name.
    pub fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }

    // ---- execute ----

    pub fn execute_with_funds(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.registry.clone(), msg, funds)
    }

    pub fn execute(&mut self, sender: &Addr, msg: &ExecuteMsg) -> StdResult<AppResponse> {
        self.execute_with_funds(sender, msg, &[])
    }

    pub fn register(&mut self, provider: &Addr) -> StdResult<AppResponse> {
        self.register_with(provider, details())
    }

    pub fn register_with(
        &mut self,
        provider: &Addr,
        details: ProviderDetails,
    ) -> StdResult<AppResponse> {
        self.execute(provider, &ExecuteMsg::RegisterProvider(details))
    }

    pub fn update_provider(
        &mut self,
        provider: &Addr,
        details: ProviderDetails,
    ) -> StdResult<AppResponse> {
        self.execute(provider, &ExecuteMsg::UpdateProvider(details))
    }

    pub fn deregister(&mut self, provider: &Addr) -> StdResult<AppResponse> {
        self.execute(provider, &ExecuteMsg::DeregisterProvider {})
    }

    pub fn sign(
        &mut self,
        auditor: &Addr,
        provider: &Addr,
        attributes: Vec<Attribute>,
    ) -> StdResult<AppResponse> {
        self.execute(
            auditor,
            &ExecuteMsg::SignAttributes {
                provider: provider.to_string(),
                attributes,
            },
        )
    }

    pub fn delete_signed(
        &mut self,
        auditor: &Addr,
        provider: &Addr,
        keys: &[&str],
    ) -> StdResult<AppResponse> {
        self.execute(
            auditor,
            &ExecuteMsg::DeleteSignedAttributes {
                provider: provider.to_string(),
                keys: keys.iter().map(|k| k.to_string()).collect(),
            },
        )
    }

    pub fn bond(&mut self, provider: &Addr, amount: u128) -> StdResult<AppResponse> {
        self.execute_with_funds(provider, &ExecuteMsg::BondCollateral {}, &[uakt(amount)])
    }

    pub fn unbond(&mut self, provider: &Addr, amount: u128) -> StdResult<AppResponse> {
        self.execute(
            provider,
            &ExecuteMsg::UnbondCollateral {
                amount: Uint256::from(amount),
            },
        )
    }

    pub fn claim(&mut self, provider: &Addr) -> StdResult<AppResponse> {
        self.execute(provider, &ExecuteMsg::ClaimCollateral {})
    }

    pub fn slash(
        &mut self,
        sender: &Addr,
        provider: &Addr,
        fraction: &str,
        reason: &str,
    ) -> StdResult<AppResponse> {
        self.execute(
            sender,
            &ExecuteMsg::Slash {
                provider: provider.to_string(),
                fraction: dec(fraction),
                reason: reason.into(),
            },
        )
    }

    pub fn update_params(
        &mut self,
        sender: &Addr,
        update: RegistryParamsUpdate,
    ) -> StdResult<AppResponse> {
        self.execute(sender, &ExecuteMsg::UpdateParams(update))
    }

    pub fn update_config(
        &mut self,
        sender: &Addr,
        governance: Option<&str>,
        market: Option<&str>,
    ) -> StdResult<AppResponse> {
        self.execute(
            sender,
            &ExecuteMsg::UpdateConfig {
                governance: governance.map(str::to_string),
                market: market.map(str::to_string),
            },
        )
    }

    pub fn migrate(&mut self) -> StdResult<AppResponse> {
        self.app.migrate_contract(
            self.governance.clone(),
            self.registry.clone(),
            &MigrateMsg {},
            self.registry_code_id,
        )
    }

    /// What the market stand-in reports for `provider` from now on.
    pub fn set_stats(&mut self, provider: &Addr, active_leases: u64, leased_gpus: u64) {
        self.app
            .execute_contract(
                self.governance.clone(),
                self.stats.clone(),
                &stats_stand_in::ExecuteMsg::SetStats {
                    provider: provider.to_string(),
                    active_leases,
                    leased_gpus,
                },
                &[],
            )
            .unwrap();
    }

    /// Moves block time (and height) forward.
    pub fn advance(&mut self, seconds: u64) {
        self.app.update_block(|block| {
            block.time = block.time.plus_seconds(seconds);
            block.height += seconds.div_ceil(6).max(1);
        });
    }

    // ---- queries ----

    fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(&self.registry, msg)
    }

    pub fn config(&self) -> ConfigResponse {
        self.query(&QueryMsg::Config {}).unwrap()
    }

    pub fn params(&self) -> RegistryParams {
        self.query(&QueryMsg::Params {}).unwrap()
    }

    pub fn provider(&self, address: &Addr) -> StdResult<Provider> {
        self.query(&QueryMsg::Provider {
            address: address.to_string(),
        })
    }

    pub fn providers(&self, start_after: Option<&Addr>, limit: Option<u32>) -> Vec<Provider> {
        self.query::<ProvidersResponse>(&QueryMsg::Providers {
            start_after: start_after.map(Addr::to_string),
            limit,
        })
        .unwrap()
        .providers
    }

    pub fn signed(&self, provider: &Addr, auditor: &Addr) -> AuditedAttributes {
        self.query(&QueryMsg::SignedAttributes {
            provider: provider.to_string(),
            auditor: auditor.to_string(),
        })
        .unwrap()
    }

    pub fn all_signed(
        &self,
        provider: &Addr,
        start_after: Option<&Addr>,
        limit: Option<u32>,
    ) -> Vec<AuditedAttributes> {
        self.query::<SignedAttributesResponse>(&QueryMsg::AllSignedAttributes {
            provider: provider.to_string(),
            start_after: start_after.map(Addr::to_string),
            limit,
        })
        .unwrap()
        .signed
    }

    pub fn collateral(&self, provider: &Addr) -> CollateralResponse {
        self.query(&QueryMsg::Collateral {
            provider: provider.to_string(),
        })
        .unwrap()
    }

    pub fn profile(&self, provider: &Addr, auditors: &[&Addr]) -> StdResult<ProviderProfile> {
        self.query(&QueryMsg::ProviderProfile {
            provider: provider.to_string(),
            auditors: auditors.iter().map(|a| a.to_string()).collect(),
        })
    }

    pub fn balance(&self, address: &Addr) -> u128 {
        let coin = self.app.wrap().query_balance(address, DENOM).unwrap();
        Uint128::try_from(coin.amount).unwrap().u128()
    }

    pub fn supply(&self) -> u128 {
        let coin = self.app.wrap().query_supply(DENOM).unwrap();
        Uint128::try_from(coin.amount).unwrap().u128()
    }

    /// Bonded collateral plus every unbonding entry.
    pub fn held_for(&self, provider: &Addr) -> u128 {
        let c = self.collateral(provider);
        let unbonding: Uint256 = c.unbonding.iter().map(|e| e.amount).sum();
        Uint128::try_from(c.bonded.amount + unbonding)
            .unwrap()
            .u128()
    }
}

/// The Kumo events in a response, decoded from the chain's `wasm-<name>` events.
pub fn kumo_events(res: &AppResponse) -> Vec<KumoEvent> {
    res.events
        .iter()
        .filter_map(|e| {
            let attrs: Vec<(&str, &str)> = e
                .attributes
                .iter()
                .map(|a| (a.key.as_str(), a.value.as_str()))
                .collect();
            KumoEvent::decode(&e.ty, &attrs).expect("a Kumo event decodes")
        })
        .collect()
}

/// cw-multi-test 3 hands contract errors back as text (`StdError::msg`), so the typed
/// `ContractError` cannot be downcast; every variant has its own message, so matching the
/// rendered message identifies the variant.
pub fn assert_error(err: StdError, expected: ContractError) {
    let text = err.to_string();
    let want = expected.to_string();
    assert!(
        text.ends_with(&format!("error: {want}")),
        "expected error {want:?}, got:\n{text}"
    );
}

/// Asserts a `ContractError::Validation` that names `field`.
pub fn assert_invalid(err: StdError, field: &str) {
    let text = err.to_string();
    let want = format!("invalid input: {field}: ");
    assert!(
        text.contains(&want),
        "expected a validation error on {field:?}, got:\n{text}"
    );
}
