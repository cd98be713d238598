//! Execute handlers, one module per concern.

pub mod audit;
pub mod collateral;
pub mod governance;
pub mod provider;
pub mod slash;

use cosmwasm_std::{Addr, Storage};

use crate::error::ContractError;
use crate::state::{Config, CONFIG};

/// Loads the config, refusing anyone but governance.
fn governance_only(storage: &dyn Storage, sender: &Addr) -> Result<Config, ContractError> {
    let config = CONFIG.load(storage)?;
    if *sender != config.governance {
        return Err(ContractError::Unauthorized);
    }
    Ok(config)
}
