//! What the registry stores.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, Uint256};
use cw_storage_plus::{Item, Map};
use kumo_types::attributes::Attribute;
use kumo_types::registry::{Provider, RegistryParams, UnbondingEntry};

#[cw_serde]
pub struct Config {
    /// The only account that may change params, slash, and rewire the contract.
    pub governance: Addr,
    /// Asked for a provider's active leases and leased GPUs; none means no leases anywhere.
    pub market: Option<Addr>,
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const PARAMS: Item<RegistryParams> = Item::new("params");

/// Registered providers by address.
pub const PROVIDERS: Map<&Addr, Provider> = Map::new("providers");

/// Attributes signed by (provider, auditor). Keyed provider first so that one provider's
/// signatures page by auditor; at most `MAX_ATTRIBUTES` per entry.
pub const SIGNED_ATTRIBUTES: Map<(&Addr, &Addr), Vec<Attribute>> = Map::new("signed_attributes");

/// Bonded collateral by provider, in `params.collateral_denom`. Outlives the provider
/// record: a deregistered provider still unbonds and can still be slashed.
pub const BONDED: Map<&Addr, Uint256> = Map::new("bonded");

/// Pending unbonding entries by provider, oldest first; at most `MAX_UNBONDING_ENTRIES`.
pub const UNBONDING: Map<&Addr, Vec<UnbondingEntry>> = Map::new("unbonding");
