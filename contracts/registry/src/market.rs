//! What the registry asks the market.

use cosmwasm_std::{Addr, Deps, OverflowError, StdResult, Uint256};
use kumo_types::market::{ProviderStats, QueryMsg as MarketQueryMsg};

use crate::state::Config;

/// The provider's active leases and leased GPUs, as the market reports them. Without a
/// market there are no leases.
pub fn provider_stats(deps: Deps, config: &Config, provider: &Addr) -> StdResult<ProviderStats> {
    match &config.market {
        Some(market) => deps.querier.query_wasm_smart(
            market,
            &MarketQueryMsg::ProviderStats {
                provider: provider.to_string(),
            },
        ),
        None => Ok(ProviderStats::default()),
    }
}

/// Collateral that `leased_gpus` GPUs in active leases require.
pub fn required_collateral(per_gpu: Uint256, leased_gpus: u64) -> Result<Uint256, OverflowError> {
    per_gpu.checked_mul(Uint256::from(leased_gpus))
}
