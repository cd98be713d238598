//! The execution context of one tx, query or genesis step: the state overlay, the gas meter and
//! what the block says. It is shared (`Rc`) with cosmwasm-vm's backend objects, which must be
//! `'static`, so a contract's storage and querier reach the same overlay and meter as the module
//! code that called it. Every store access here is metered with the SDK's KV gas config.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use super::address::AddressCodec;
use super::config::ChainParams;
use super::error::{AbciError, AbciResult};
use super::gas::{kv, GasMeter};
use super::store::{Overlay, StoreError};
use super::tx::sig_cache::SignatureCache;
use super::wasm::WasmEngine;

/// Each module's slice of the flat store: the first byte of every store key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Namespace {
    /// Not merkleized: wasm blobs (their checksums are).
    Local = 0x00,
    /// Chain parameters.
    Params = 0x01,
    Auth = 0x02,
    Bank = 0x03,
    Wasm = 0x04,
}

impl Namespace {
    pub fn key(self, inner: &[u8]) -> Vec<u8> {
        let mut key = Vec::with_capacity(inner.len() + 1);
        key.push(self as u8);
        key.extend_from_slice(inner);
        key
    }
}

/// What the block tells contracts (cosmwasm `Env.block`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEnv {
    pub chain_id: String,
    pub height: u64,
    pub time_nanos: u64,
}

/// The tx being executed (cosmwasm `Env.transaction`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxEnv {
    pub index: u32,
    pub hash: Vec<u8>,
}

/// Why the code runs: decides signature checks, fee checks and what the querier may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecMode {
    Genesis,
    Check,
    Finalize,
    Simulate,
    Query,
}

/// Shared by the modules and the contract backends of one execution.
pub struct Ctx {
    pub store: RefCell<Overlay>,
    gas: Cell<GasMeter>,
    pub block: BlockEnv,
    pub tx: Option<TxEnv>,
    pub mode: ExecMode,
    pub params: Arc<ChainParams>,
    pub codec: AddressCodec,
    pub wasm: Arc<WasmEngine>,
    pub sig_cache: Arc<SignatureCache>,
    /// Nested contract calls (submessages) in progress; bounded to protect the host stack.
    pub call_depth: Cell<u32>,
    /// Nested contract queries in progress; wasmd's `maxQueryStackSize`.
    pub query_depth: Cell<u32>,
}

fn store_err(err: StoreError) -> AbciError {
    AbciError::storage(err)
}

impl Ctx {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Overlay,
        gas: GasMeter,
        block: BlockEnv,
        tx: Option<TxEnv>,
        mode: ExecMode,
        params: Arc<ChainParams>,
        codec: AddressCodec,
        wasm: Arc<WasmEngine>,
        sig_cache: Arc<SignatureCache>,
    ) -> Self {
        Self {
            store: RefCell::new(store),
            gas: Cell::new(gas),
            block,
            tx,
            mode,
            params,
            codec,
            wasm,
            sig_cache,
            call_depth: Cell::new(0),
            query_depth: Cell::new(0),
        }
    }

    pub fn into_store(self) -> Overlay {
        self.store.into_inner()
    }

    // --- gas -------------------------------------------------------------------------------

    pub fn gas_meter(&self) -> GasMeter {
        self.gas.get()
    }

    pub fn gas_consumed(&self) -> u64 {
        self.gas.get().consumed()
    }

    pub fn consume_gas(&self, amount: u64, descriptor: &str) -> AbciResult<()> {
        let mut meter = self.gas.get();
        let result = meter.consume(amount, descriptor);
        self.gas.set(meter);
        result
    }

    /// Swaps in another meter (a submessage's gas limit, a sub-query) and returns the old one.
    pub fn replace_gas_meter(&self, meter: GasMeter) -> GasMeter {
        self.gas.replace(meter)
    }

    // --- nested caches -----------------------------------------------------------------------

    pub fn push_cache(&self) {
        self.store.borrow_mut().push_layer();
    }

    pub fn commit_cache(&self) {
        self.store.borrow_mut().commit_layer();
    }

    pub fn discard_cache(&self) {
        self.store.borrow_mut().discard_layer();
    }

    /// Runs `f` in a nested cache that is kept only when it succeeds.
    pub fn cached<T>(&self, f: impl FnOnce() -> AbciResult<T>) -> AbciResult<T> {
        self.push_cache();
        let result = f();
        if result.is_ok() {
            self.commit_cache();
        } else {
            self.discard_cache();
        }
        result
    }

    // --- metered KV access (the SDK's gaskv store) --------------------------------------------

    pub fn kv_get(&self, ns: Namespace, key: &[u8]) -> AbciResult<Option<Vec<u8>>> {
        self.consume_gas(kv::READ_FLAT, "ReadFlat")?;
        let value = self.store.borrow().get(&ns.key(key)).map_err(store_err)?;
        self.consume_gas(kv::READ_PER_BYTE * key.len() as u64, "ReadPerByte")?;
        let value_len = value.as_ref().map_or(0, Vec::len) as u64;
        self.consume_gas(kv::READ_PER_BYTE * value_len, "ReadPerByte")?;
        Ok(value)
    }

    pub fn kv_has(&self, ns: Namespace, key: &[u8]) -> AbciResult<bool> {
        self.consume_gas(kv::HAS, "Has")?;
        Ok(self
            .store
            .borrow()
            .get(&ns.key(key))
            .map_err(store_err)?
            .is_some())
    }

    pub fn kv_set(&self, ns: Namespace, key: &[u8], value: Vec<u8>) -> AbciResult<()> {
        self.consume_gas(kv::WRITE_FLAT, "WriteFlat")?;
        self.consume_gas(kv::WRITE_PER_BYTE * key.len() as u64, "WritePerByte")?;
        self.consume_gas(kv::WRITE_PER_BYTE * value.len() as u64, "WritePerByte")?;
        self.store.borrow_mut().set(ns.key(key), value);
        Ok(())
    }

    pub fn kv_delete(&self, ns: Namespace, key: &[u8]) -> AbciResult<()> {
        self.consume_gas(kv::DELETE, "Delete")?;
        self.store.borrow_mut().remove(ns.key(key));
        Ok(())
    }

    /// The first live entry of `ns` within `bounds` (inner keys), unmetered: iterators meter
    /// per returned item with [`Ctx::charge_iter_item`].
    pub fn kv_first(
        &self,
        ns: Namespace,
        bounds: &super::store::KeyBounds,
        ascending: bool,
    ) -> AbciResult<Option<super::store::Entry>> {
        let full = namespaced_bounds(ns, bounds);
        let entry = self
            .store
            .borrow()
            .first_entry(&full, ascending)
            .map_err(store_err)?;
        Ok(entry.map(|(mut k, v)| {
            k.remove(0);
            (k, v)
        }))
    }

    /// The SDK gas iterator's cost of stepping over one item.
    pub fn charge_iter_item(&self, item: Option<(&[u8], &[u8])>) -> AbciResult<()> {
        if let Some((k, v)) = item {
            self.consume_gas(kv::READ_PER_BYTE * k.len() as u64, "ValuePerByte")?;
            self.consume_gas(kv::READ_PER_BYTE * v.len() as u64, "ValuePerByte")?;
        }
        self.consume_gas(kv::ITER_NEXT_FLAT, "IterNextFlat")
    }

    /// Unmetered read, for queries answered outside any tx and for genesis bookkeeping.
    pub fn raw_get(&self, ns: Namespace, key: &[u8]) -> AbciResult<Option<Vec<u8>>> {
        self.store.borrow().get(&ns.key(key)).map_err(store_err)
    }

    /// Unmetered write (wasm blobs, which wasmd keeps outside its gas-metered store).
    pub fn raw_set(&self, ns: Namespace, key: &[u8], value: Vec<u8>) {
        self.store.borrow_mut().set(ns.key(key), value);
    }
}

/// Inner-key bounds of a namespace as full store-key bounds.
pub fn namespaced_bounds(
    ns: Namespace,
    bounds: &super::store::KeyBounds,
) -> super::store::KeyBounds {
    use std::ops::Bound;
    let wrap = |b: &Bound<Vec<u8>>, open: Bound<Vec<u8>>| match b {
        Bound::Included(k) => Bound::Included(ns.key(k)),
        Bound::Excluded(k) => Bound::Excluded(ns.key(k)),
        Bound::Unbounded => open,
    };
    super::store::KeyBounds {
        start: wrap(&bounds.start, Bound::Included(vec![ns as u8])),
        end: wrap(&bounds.end, Bound::Excluded(vec![ns as u8 + 1])),
    }
}
