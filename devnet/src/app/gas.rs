//! Gas: the SDK's gas meter and KV costs, and wasmd's gas register, so the gas a tx reports
//! compares with what a wasmd chain reports for the same work.

use super::error::{codes, AbciError, AbciResult};

/// The SDK's `storetypes.KVGasConfig()`.
pub mod kv {
    pub const HAS: u64 = 1_000;
    pub const DELETE: u64 = 1_000;
    pub const READ_FLAT: u64 = 1_000;
    pub const READ_PER_BYTE: u64 = 3;
    pub const WRITE_FLAT: u64 = 2_000;
    pub const WRITE_PER_BYTE: u64 = 30;
    pub const ITER_NEXT_FLAT: u64 = 30;
}

/// The SDK auth module's default params.
pub mod auth {
    pub const TX_SIZE_COST_PER_BYTE: u64 = 10;
    pub const SIG_VERIFY_COST_SECP256K1: u64 = 1_000;
    pub const MAX_MEMO_CHARACTERS: usize = 256;
    pub const TX_SIG_LIMIT: usize = 7;
}

/// wasmd's `DefaultGasRegisterConfig` (x/wasm/types/gas_register.go, CosmWasm 2+).
pub mod wasm {
    /// CosmWasm gas per SDK gas.
    pub const GAS_MULTIPLIER: u64 = 140_000;
    /// Charged every time a contract is loaded for a call.
    pub const INSTANCE_COST: u64 = 60_000;
    /// Charged instead of `INSTANCE_COST` when the module is surely in memory (pinned; replies).
    pub const INSTANCE_COST_DISCOUNT: u64 = 2_000;
    /// Per byte of stored wasm.
    pub const COMPILE_COST_PER_BYTE: u64 = 3;
    pub const EVENT_PER_ATTRIBUTE_COST: u64 = 10;
    pub const EVENT_ATTRIBUTE_DATA_COST: u64 = 1;
    pub const EVENT_ATTRIBUTE_DATA_FREE_TIER: u64 = 100;
    pub const CUSTOM_EVENT_COST: u64 = 20;
    pub const CONTRACT_MESSAGE_DATA_COST: u64 = 0;
    /// Per byte of a contract's JSON result, as wasmvm's `DeserializeResponse` charges.
    pub const DESERIALIZATION_COST_PER_BYTE: u64 = 1;
    /// wasmd's api.go address costs, in SDK gas.
    pub const HUMANIZE_COST: u64 = 5;
    pub const CANONICALIZE_COST: u64 = 4;
    pub const VALIDATE_COST: u64 = HUMANIZE_COST + CANONICALIZE_COST;
    /// wasmd's default `SmartQueryGasLimit`, in SDK gas.
    pub const SMART_QUERY_GAS_LIMIT: u64 = 3_000_000;

    pub fn to_wasm_gas(sdk_gas: u64) -> u64 {
        sdk_gas.saturating_mul(GAS_MULTIPLIER)
    }

    pub fn from_wasm_gas(wasm_gas: u64) -> u64 {
        wasm_gas / GAS_MULTIPLIER
    }

    /// `SetupContractCost(discount, msgLen)`.
    pub fn setup_cost(discount: bool, msg_len: usize) -> u64 {
        let data = (msg_len as u64).saturating_mul(CONTRACT_MESSAGE_DATA_COST);
        if discount {
            INSTANCE_COST_DISCOUNT + data
        } else {
            INSTANCE_COST + data
        }
    }

    /// `EventCosts(attrs, events)`: the contract's `wasm` attributes and custom events.
    pub fn event_costs(
        attributes: &[(usize, usize)],
        events: &[(usize, Vec<(usize, usize)>)],
    ) -> u64 {
        let (mut gas, mut free) = attribute_costs(attributes, EVENT_ATTRIBUTE_DATA_FREE_TIER);
        for (type_len, attrs) in events {
            gas += CUSTOM_EVENT_COST + *type_len as u64 * EVENT_ATTRIBUTE_DATA_COST;
            let (cost, rest) = attribute_costs(attrs, free);
            gas += cost;
            free = rest;
        }
        gas
    }

    /// Costs of (key length, value length) pairs, with the free tier applied on their total.
    fn attribute_costs(attributes: &[(usize, usize)], free_tier: u64) -> (u64, u64) {
        if attributes.is_empty() {
            return (0, free_tier);
        }
        let stored: u64 = attributes.iter().map(|(k, v)| (*k + *v) as u64).sum();
        let (charged, free_left) = if stored <= free_tier {
            (0, free_tier - stored)
        } else {
            (stored - free_tier, 0)
        };
        (
            charged * EVENT_ATTRIBUTE_DATA_COST
                + attributes.len() as u64 * EVENT_PER_ATTRIBUTE_COST,
            free_left,
        )
    }
}

/// The SDK's basic gas meter, in SDK gas. Consumption past the limit is recorded (as the SDK
/// does), then reported as out of gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasMeter {
    limit: u64,
    consumed: u64,
}

impl GasMeter {
    pub fn new(limit: u64) -> Self {
        Self { limit, consumed: 0 }
    }

    /// For simulation and genesis: never runs out.
    pub fn infinite() -> Self {
        Self::new(u64::MAX)
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.consumed)
    }

    pub fn is_infinite(&self) -> bool {
        self.limit == u64::MAX
    }

    pub fn consume(&mut self, amount: u64, descriptor: &str) -> AbciResult<()> {
        self.consumed = self.consumed.saturating_add(amount);
        if self.consumed > self.limit {
            return Err(out_of_gas(descriptor));
        }
        Ok(())
    }
}

/// The meter ran out at `location`; the tx runner adds gasWanted/gasUsed as the SDK's runTx.
pub fn out_of_gas(location: &str) -> AbciError {
    let mut err = codes::OUT_OF_GAS.err();
    err.log = location.to_string();
    err.out_of_gas = true;
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_records_overflow_then_fails() {
        let mut meter = GasMeter::new(100);
        meter.consume(60, "a").unwrap();
        let err = meter.consume(60, "b").unwrap_err();
        assert!(err.out_of_gas);
        assert_eq!(meter.consumed(), 120);
        assert_eq!(meter.remaining(), 0);
    }

    #[test]
    fn event_costs_match_wasmd_free_tier() {
        // 2 attributes of 60 bytes: 120 - 100 free = 20 data gas + 2 * 10 per attribute.
        assert_eq!(wasm::event_costs(&[(10, 50), (10, 50)], &[]), 40);
        // A custom event: 20 + type length; its attributes use the remaining free tier.
        assert_eq!(wasm::event_costs(&[], &[(5, vec![(3, 3)])]), 20 + 5 + 10);
    }
}
