//! cosmwasm-vm's `Storage` and `BackendApi` over the devnet's state: a contract's storage is
//! the wasm store under `0x03 | contract address`, metered with the SDK's KV gas config and
//! reported to the VM as externally used gas, as wasmvm's Go callbacks do.

use std::rc::Rc;

use cosmwasm_std::{Order, Record};
use cosmwasm_vm::{BackendApi, BackendError, BackendResult, GasInfo, Storage};

use crate::app::address::AddressCodec;
use crate::app::context::{Ctx, Namespace};
use crate::app::error::AbciError;
use crate::app::gas::wasm as wasm_gas;
use crate::app::store::{Entry, KeyBounds};

/// wasmd's `ContractStorePrefix`.
pub const CONTRACT_STORE_PREFIX: u8 = 0x03;

/// The wasm-store key prefix of a contract's storage.
pub fn contract_store_prefix(contract: &[u8]) -> Vec<u8> {
    let mut prefix = Vec::with_capacity(contract.len() + 1);
    prefix.push(CONTRACT_STORE_PREFIX);
    prefix.extend_from_slice(contract);
    prefix
}

/// Runs a metered store operation and reports its SDK gas to the VM as externally used.
fn metered<T>(ctx: &Ctx, op: impl FnOnce() -> Result<T, AbciError>) -> BackendResult<T> {
    let before = ctx.gas_consumed();
    let result = op();
    let used = wasm_gas::to_wasm_gas(ctx.gas_consumed().saturating_sub(before));
    let gas = GasInfo::with_externally_used(used);
    match result {
        Ok(value) => (Ok(value), gas),
        Err(err) if err.out_of_gas => (Err(BackendError::out_of_gas()), gas),
        Err(err) => (Err(BackendError::unknown(err.log)), gas),
    }
}

/// A scan in progress: the remaining bounds (full wasm-store keys) and the next entry, which
/// the SDK's gas iterator has already paid for when it was positioned.
struct ScanCursor {
    bounds: KeyBounds,
    ascending: bool,
    next: Option<Entry>,
}

/// One contract's storage, as the VM sees it.
pub struct VmStorage {
    ctx: Rc<Ctx>,
    prefix: Vec<u8>,
    iterators: Vec<ScanCursor>,
}

impl VmStorage {
    pub fn new(ctx: Rc<Ctx>, contract: &[u8]) -> Self {
        Self {
            ctx,
            prefix: contract_store_prefix(contract),
            iterators: Vec::new(),
        }
    }

    fn key(&self, key: &[u8]) -> Vec<u8> {
        let mut full = self.prefix.clone();
        full.extend_from_slice(key);
        full
    }

    /// Positions a cursor on its next entry and pays the gas iterator's seek cost.
    fn seek(ctx: &Ctx, cursor: &mut ScanCursor) -> Result<(), AbciError> {
        cursor.next = ctx.kv_first(Namespace::Wasm, &cursor.bounds, cursor.ascending)?;
        if let Some((key, _)) = &cursor.next {
            cursor.bounds.advance_past(key, cursor.ascending);
        }
        Ok(())
    }
}

impl Storage for VmStorage {
    fn get(&self, key: &[u8]) -> BackendResult<Option<Vec<u8>>> {
        let full = self.key(key);
        metered(&self.ctx, || self.ctx.kv_get(Namespace::Wasm, &full))
    }

    fn scan(
        &mut self,
        start: Option<&[u8]>,
        end: Option<&[u8]>,
        order: Order,
    ) -> BackendResult<u32> {
        let start = start.map(|s| self.key(s));
        let end = end.map(|e| self.key(e));
        let mut bounds = KeyBounds::half_open(start.as_deref(), end.as_deref());
        if start.is_none() {
            bounds.start = std::ops::Bound::Included(self.prefix.clone());
        }
        if end.is_none() {
            bounds.end = crate::app::store::prefix_end(&self.prefix)
                .map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        }
        let mut cursor = ScanCursor {
            bounds,
            ascending: order == Order::Ascending,
            next: None,
        };
        let ctx = self.ctx.clone();
        let (result, gas) = metered(&ctx, || {
            Self::seek(&ctx, &mut cursor)?;
            let first = cursor
                .next
                .as_ref()
                .map(|(k, v)| (k.as_slice(), v.as_slice()));
            ctx.charge_iter_item(first)
        });
        match result {
            Ok(()) => {
                self.iterators.push(cursor);
                (Ok(self.iterators.len() as u32), gas)
            }
            Err(err) => (Err(err), gas),
        }
    }

    fn next(&mut self, iterator_id: u32) -> BackendResult<Option<Record>> {
        let ctx = self.ctx.clone();
        let prefix_len = self.prefix.len();
        let Some(cursor) = (iterator_id as usize)
            .checked_sub(1)
            .and_then(|i| self.iterators.get_mut(i))
        else {
            return (
                Err(BackendError::iterator_does_not_exist(iterator_id)),
                GasInfo::free(),
            );
        };
        let Some((key, value)) = cursor.next.take() else {
            return (Ok(None), GasInfo::free());
        };
        metered(&ctx, || {
            ctx.charge_iter_item(Some((&key, &value)))?;
            Self::seek(&ctx, cursor)?;
            Ok(Some((key[prefix_len..].to_vec(), value)))
        })
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> BackendResult<()> {
        let full = self.key(key);
        metered(&self.ctx, || {
            self.ctx.kv_set(Namespace::Wasm, &full, value.to_vec())
        })
    }

    fn remove(&mut self, key: &[u8]) -> BackendResult<()> {
        let full = self.key(key);
        metered(&self.ctx, || self.ctx.kv_delete(Namespace::Wasm, &full))
    }
}

/// Address conversions with wasmd's costs (api.go), errors returned to the contract.
#[derive(Clone)]
pub struct VmApi {
    codec: AddressCodec,
}

impl VmApi {
    pub fn new(codec: AddressCodec) -> Self {
        Self { codec }
    }
}

fn api_cost(sdk_gas: u64) -> GasInfo {
    GasInfo::with_cost(wasm_gas::to_wasm_gas(sdk_gas))
}

impl BackendApi for VmApi {
    fn addr_validate(&self, input: &str) -> BackendResult<()> {
        let result = self
            .codec
            .decode_normalized(input)
            .map(|_| ())
            .map_err(|e| BackendError::user_err(e.to_string()));
        (result, api_cost(wasm_gas::VALIDATE_COST))
    }

    fn addr_canonicalize(&self, human: &str) -> BackendResult<Vec<u8>> {
        let result = self
            .codec
            .decode(human)
            .map_err(|e| BackendError::user_err(e.to_string()));
        (result, api_cost(wasm_gas::CANONICALIZE_COST))
    }

    fn addr_humanize(&self, canonical: &[u8]) -> BackendResult<String> {
        let result = self
            .codec
            .encode(canonical)
            .map_err(|e| BackendError::user_err(e.to_string()));
        (result, api_cost(wasm_gas::HUMANIZE_COST))
    }
}
