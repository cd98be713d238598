//! Genesis: the `app_state` JSON and how it is applied, plus a builder for devnet genesis files
//! (dev accounts, Kumo's contracts wired together).
//!
//! ```json
//! {
//!   "params":   { "denom": "uakt", "bech32_prefix": "kumo", "min_gas_price": "0.025" },
//!   "accounts": [ { "address": "kumo1...", "coins": [ { "denom": "uakt", "amount": "1000" } ] } ],
//!   "wasm": {
//!     "codes": [ { "name": "registry", "creator": "kumo1...", "path": "artifacts/kumo_registry.wasm" } ],
//!     "steps": [
//!       { "instantiate": { "label": "registry", "code": "registry", "sender": "kumo1...",
//!                          "admin": "kumo1...", "msg": { "governance": "kumo1...", ... } } },
//!       { "execute": { "contract": "$registry", "sender": "kumo1...", "msg": { ... } } }
//!     ]
//!   }
//! }
//! ```
//!
//! Steps run in order. Any JSON string that is exactly `"$<label>"` — in a message, a sender,
//! an admin or a contract field — is replaced by the address of the contract an earlier step
//! instantiated under that label.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use cosmwasm_std::{Coin, Uint256};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::config::ChainParams;
use super::context::Ctx;
use super::dev_accounts::dev_accounts;
use super::error::AbciError;
use super::wasm::keeper::{self, AddressMode};
use super::{auth, bank};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppGenesis {
    pub params: ChainParams,
    pub accounts: Vec<GenesisAccount>,
    pub wasm: WasmGenesis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAccount {
    pub address: String,
    #[serde(default)]
    pub coins: Vec<Coin>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WasmGenesis {
    pub codes: Vec<GenesisCode>,
    pub steps: Vec<GenesisStep>,
}

/// A code to store: from a file, or inline as base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisCode {
    /// How steps refer to it.
    pub name: String,
    pub creator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasm_base64: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GenesisStep {
    Instantiate {
        /// The contract's label, and the name later steps use as `$label`.
        label: String,
        /// A code's `name`.
        code: String,
        sender: String,
        #[serde(default)]
        admin: Option<String>,
        msg: Value,
        #[serde(default)]
        funds: Vec<Coin>,
    },
    Execute {
        contract: String,
        sender: String,
        msg: Value,
        #[serde(default)]
        funds: Vec<Coin>,
    },
}

/// A contract instantiated at genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisContract {
    pub label: String,
    pub address: String,
    pub code_id: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GenesisError(pub String);

impl From<AbciError> for GenesisError {
    fn from(err: AbciError) -> Self {
        GenesisError(format!(
            "{} (codespace {}, code {})",
            err.log, err.codespace, err.code
        ))
    }
}

fn resolve(value: &Value, contracts: &BTreeMap<String, String>) -> Result<Value, GenesisError> {
    Ok(match value {
        Value::String(s) => Value::String(resolve_str(s, contracts)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve(v, contracts))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), resolve(v, contracts)?)))
                .collect::<Result<_, GenesisError>>()?,
        ),
        other => other.clone(),
    })
}

fn resolve_str(s: &str, contracts: &BTreeMap<String, String>) -> Result<String, GenesisError> {
    match s.strip_prefix('$') {
        Some(label) => contracts
            .get(label)
            .cloned()
            .ok_or_else(|| GenesisError(format!("{s}: no contract labelled {label:?} yet"))),
        None => Ok(s.to_string()),
    }
}

fn address(ctx: &Ctx, address: &str, what: &str) -> Result<Vec<u8>, GenesisError> {
    ctx.codec
        .decode(address)
        .map_err(|e| GenesisError(format!("{what} {address:?}: {e}")))
}

/// Applies accounts, module accounts, codes and contract steps; returns the contracts.
pub fn apply(ctx: &Rc<Ctx>, genesis: &AppGenesis) -> Result<Vec<GenesisContract>, GenesisError> {
    for account in &genesis.accounts {
        let addr = address(ctx, &account.address, "account")?;
        if auth::has_account(ctx, &addr)? {
            return Err(GenesisError(format!(
                "account {} is listed twice",
                account.address
            )));
        }
        auth::create_account(ctx, &addr)?;
        let coins = bank::normalize_coins(&account.coins)?;
        bank::mint(ctx, &addr, &coins)?;
    }
    for module in [auth::fee_collector_address(), auth::wasm_module_address()] {
        if !auth::has_account(ctx, &module)? {
            auth::create_account(ctx, &module)?;
        }
    }

    let mut code_ids = BTreeMap::new();
    for code in &genesis.wasm.codes {
        let wasm = match (&code.path, &code.wasm_base64) {
            (Some(path), None) => std::fs::read(path).map_err(|e| {
                GenesisError(format!("code {}: {}: {e}", code.name, path.display()))
            })?,
            (None, Some(b64)) => {
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64)
                    .map_err(|e| GenesisError(format!("code {}: base64: {e}", code.name)))?
            }
            _ => {
                return Err(GenesisError(format!(
                    "code {}: give exactly one of path and wasm_base64",
                    code.name
                )))
            }
        };
        let creator = address(ctx, &code.creator, "code creator")?;
        let (code_id, _, _) = keeper::store_code(ctx, &creator, &wasm, None)
            .map_err(|e| GenesisError::from(e.wrap(format!("storing code {}", code.name))))?;
        code_ids.insert(code.name.clone(), code_id);
    }

    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    let mut contracts = Vec::new();
    for (i, step) in genesis.wasm.steps.iter().enumerate() {
        match step {
            GenesisStep::Instantiate {
                label,
                code,
                sender,
                admin,
                msg,
                funds,
            } => {
                let code_id = *code_ids
                    .get(code)
                    .ok_or_else(|| GenesisError(format!("step {i}: unknown code {code:?}")))?;
                let sender = address(ctx, &resolve_str(sender, &labels)?, "sender")?;
                let admin = admin
                    .as_deref()
                    .map(|a| resolve_str(a, &labels).and_then(|a| address(ctx, &a, "admin")))
                    .transpose()?;
                let msg = serde_json::to_vec(&resolve(msg, &labels)?).expect("json");
                let funds = bank::normalize_coins(funds)?;
                let done = keeper::instantiate(
                    ctx,
                    code_id,
                    &sender,
                    admin.as_deref(),
                    &msg,
                    label,
                    &funds,
                    AddressMode::Classic,
                )
                .map_err(|e| {
                    GenesisError::from(e.wrap(format!("step {i}: instantiate {label}")))
                })?;
                let address = ctx.codec.encode(&done.address).unwrap_or_default();
                labels.insert(label.clone(), address.clone());
                contracts.push(GenesisContract {
                    label: label.clone(),
                    address,
                    code_id,
                });
            }
            GenesisStep::Execute {
                contract,
                sender,
                msg,
                funds,
            } => {
                let contract_addr = address(ctx, &resolve_str(contract, &labels)?, "contract")?;
                let sender = address(ctx, &resolve_str(sender, &labels)?, "sender")?;
                let msg = serde_json::to_vec(&resolve(msg, &labels)?).expect("json");
                let funds = bank::normalize_coins(funds)?;
                keeper::execute(ctx, &contract_addr, &sender, &msg, &funds).map_err(|e| {
                    GenesisError::from(e.wrap(format!("step {i}: execute {contract}")))
                })?;
            }
        }
    }
    Ok(contracts)
}

// --- builder ---------------------------------------------------------------------------------

/// Builds a devnet `app_state`.
#[derive(Debug, Clone, Default)]
pub struct GenesisBuilder {
    genesis: AppGenesis,
}

/// Artifact file names of Kumo's contracts (from `scripts/build-wasm.sh`).
pub const REGISTRY_ARTIFACT: &str = "kumo_registry.wasm";
pub const MARKET_ARTIFACT: &str = "kumo_market.wasm";
pub const GOVERNANCE_ARTIFACT: &str = "kumo_governance.wasm";

impl GenesisBuilder {
    pub fn new(params: ChainParams) -> Self {
        Self {
            genesis: AppGenesis {
                params,
                ..Default::default()
            },
        }
    }

    pub fn params(&self) -> &ChainParams {
        &self.genesis.params
    }

    /// Funds the first `count` dev accounts with `amount` of the chain denom each.
    pub fn dev_accounts(mut self, count: u32, amount: u128) -> Self {
        let denom = self.genesis.params.denom.clone();
        for account in dev_accounts(&self.genesis.params.bech32_prefix, count) {
            self.genesis.accounts.push(GenesisAccount {
                address: account.address,
                coins: vec![Coin::new(Uint256::from(amount), denom.clone())],
            });
        }
        self
    }

    pub fn account(mut self, address: impl Into<String>, coins: Vec<Coin>) -> Self {
        self.genesis.accounts.push(GenesisAccount {
            address: address.into(),
            coins,
        });
        self
    }

    pub fn code(mut self, code: GenesisCode) -> Self {
        self.genesis.wasm.codes.push(code);
        self
    }

    pub fn step(mut self, step: GenesisStep) -> Self {
        self.genesis.wasm.steps.push(step);
        self
    }

    /// Deploys Kumo's contracts from `artifacts` with `deployer` (a funded account) as creator
    /// and admin, wired as the DESIGN wants: with a governance artifact, governance is
    /// instantiated first and becomes the governance of the registry and the market; without,
    /// `deployer` governs. Labels: `governance`, `registry`, `market`. The contracts get the
    /// devnet's default params ([`KumoContractParams::devnet`]).
    pub fn kumo_contracts(self, artifacts: &Path, deployer: &str) -> Result<Self, GenesisError> {
        let params = KumoContractParams::devnet(&self.genesis.params.denom);
        self.kumo_contracts_with(artifacts, deployer, &params)
    }

    /// [`kumo_contracts`](Self::kumo_contracts) with the given contract params.
    pub fn kumo_contracts_with(
        mut self,
        artifacts: &Path,
        deployer: &str,
        params: &KumoContractParams,
    ) -> Result<Self, GenesisError> {
        let artifact = |name: &str| -> Result<PathBuf, GenesisError> {
            let path = artifacts.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(GenesisError(format!(
                    "{} is missing: run scripts/build-wasm.sh",
                    path.display()
                )))
            }
        };
        let code = |name: &str, path: PathBuf| GenesisCode {
            name: name.to_string(),
            creator: deployer.to_string(),
            path: Some(path),
            wasm_base64: None,
        };
        let instantiate = |label: &str, msg: Value| GenesisStep::Instantiate {
            label: label.to_string(),
            code: label.to_string(),
            sender: deployer.to_string(),
            admin: Some(deployer.to_string()),
            msg,
            funds: vec![],
        };
        let governance_path = artifacts.join(GOVERNANCE_ARTIFACT);
        let with_governance = governance_path.is_file();
        let governance = if with_governance {
            "$governance".to_string()
        } else {
            deployer.to_string()
        };

        self = self
            .code(code("registry", artifact(REGISTRY_ARTIFACT)?))
            .code(code("market", artifact(MARKET_ARTIFACT)?));
        if with_governance {
            self = self
                .code(code("governance", governance_path))
                .step(instantiate(
                    "governance",
                    json!({ "market": null, "registry": null, "params": params.governance }),
                ));
        }
        // The registry starts governed by the deployer, so the deployer can point it at the
        // market (instantiated after it) and then hand it over to governance.
        self = self
            .step(instantiate(
                "registry",
                json!({ "governance": deployer, "market": null, "params": params.registry }),
            ))
            .step(instantiate(
                "market",
                json!({ "governance": governance, "registry": "$registry", "params": params.market }),
            ))
            .step(GenesisStep::Execute {
                contract: "$registry".to_string(),
                sender: deployer.to_string(),
                msg: json!({ "update_config": {
                    "governance": if with_governance { Some("$governance") } else { None },
                    "market": "$market",
                } }),
                funds: vec![],
            });
        if with_governance {
            self = self.step(GenesisStep::Execute {
                contract: "$governance".to_string(),
                sender: deployer.to_string(),
                msg: json!({ "wire_contracts": { "market": "$market", "registry": "$registry" } }),
                funds: vec![],
            });
        }
        Ok(self)
    }

    pub fn build(self) -> AppGenesis {
        self.genesis
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(&self.genesis).expect("genesis serializes")
    }
}

/// The instantiate params of Kumo's three contracts at genesis, as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct KumoContractParams {
    pub registry: Value,
    pub market: Value,
    pub governance: Value,
}

/// Governance periods of the `local-market` genesis, in seconds: short enough that a proposal
/// is submitted, voted, tallied and executed within a demo.
pub mod local_market {
    pub const MAX_DEPOSIT_PERIOD_SECONDS: u64 = 20;
    pub const VOTING_PERIOD_SECONDS: u64 = 20;
    pub const EXPEDITED_VOTING_PERIOD_SECONDS: u64 = 10;
    pub const TIMELOCK_SECONDS: u64 = 5;
    /// At least voting period + timelock, as governance requires.
    pub const UNBONDING_PERIOD_SECONDS: u64 = 60;
}

impl KumoContractParams {
    /// What `kumo devnet` deploys by default: see [`registry_params`], [`market_params`],
    /// [`governance_params`].
    pub fn devnet(denom: &str) -> Self {
        KumoContractParams {
            registry: registry_params(denom),
            market: market_params(denom),
            governance: governance_params(denom),
        }
    }

    /// The devnet's params for a whole local marketplace (`kumo up`): `auditor` is a certified
    /// auditor in the registry (so its signatures certify GPU capabilities), and governance
    /// periods are seconds long ([`local_market`]) so that a proposal can pass inside a demo.
    pub fn local_market(denom: &str, auditor: &str) -> Self {
        let mut params = Self::devnet(denom);
        params.registry["certified_auditors"] = json!([auditor]);
        let g = &mut params.governance;
        g["max_deposit_period_seconds"] = local_market::MAX_DEPOSIT_PERIOD_SECONDS.into();
        g["voting_period_seconds"] = local_market::VOTING_PERIOD_SECONDS.into();
        g["expedited_voting_period_seconds"] = local_market::EXPEDITED_VOTING_PERIOD_SECONDS.into();
        g["timelock_seconds"] = local_market::TIMELOCK_SECONDS.into();
        g["unbonding_period_seconds"] = local_market::UNBONDING_PERIOD_SECONDS.into();
        params
    }
}

/// Devnet registry params: collateral in the chain denom, a one-day unbonding period.
pub fn registry_params(denom: &str) -> Value {
    json!({
        "collateral_denom": denom,
        "unbonding_period_seconds": 86_400,
        "min_collateral_per_gpu": "1000000",
        "certified_auditors": [],
        "slash_destination": "burn",
    })
}

/// Devnet market params: deposits of 5 and 0.5 (6-decimal) tokens, a 2% take that is burned.
pub fn market_params(denom: &str) -> Value {
    json!({
        "allowed_denoms": [denom],
        "deployment_min_deposits": [{ "denom": denom, "amount": "5000000" }],
        "bid_min_deposits": [{ "denom": denom, "amount": "500000" }],
        "order_max_bids": 20,
        "max_groups": 20,
        "take_rates": [{ "denom": denom, "rate": "0.02" }],
        "take_destination": "burn",
        "gpu_pricing_tiers": [],
    })
}

/// Devnet governance params: x/gov's thresholds with minutes-long periods.
pub fn governance_params(denom: &str) -> Value {
    json!({
        "staking_denom": denom,
        "min_deposit": { "denom": denom, "amount": "10000000" },
        "expedited_min_deposit": { "denom": denom, "amount": "50000000" },
        "min_initial_deposit_ratio": "0.25",
        "min_deposit_ratio": "0.01",
        "max_deposit_period_seconds": 600,
        "voting_period_seconds": 600,
        "expedited_voting_period_seconds": 300,
        "timelock_seconds": 60,
        "unbonding_period_seconds": 3_600,
        "quorum": "0.334",
        "threshold": "0.5",
        "expedited_threshold": "0.667",
        "veto_threshold": "0.334",
        "burn_deposit_on_no_quorum": false,
        "cancel_burn_ratio": "0.5",
    })
}
