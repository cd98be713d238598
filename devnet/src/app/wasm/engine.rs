//! The VM side: cosmwasm-vm's module cache (wasm blobs and compiled modules on disk, hot
//! modules in memory) and the metered call of one contract entry point.
//!
//! Gas follows wasmd: the VM gets the SDK meter's remaining gas × 140,000 as its limit; store
//! and query costs are charged on the SDK meter as they happen and reported to the VM as
//! externally used; afterwards the VM's internal use ÷ 140,000 and 1 SDK gas per byte of the
//! JSON result are charged. Reaching the limit is the SDK's out-of-gas error.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use cosmwasm_std::{Addr, BlockInfo, Checksum, ContractInfo, Env, Timestamp, TransactionInfo};
use cosmwasm_vm::{
    call_execute_raw, call_instantiate_raw, call_migrate_raw, call_migrate_with_info_raw,
    call_query_raw, call_reply_raw, Backend, Cache, CacheOptions, InstanceOptions, Size, VmError,
};

use super::backend::{VmApi, VmStorage};
use super::querier::VmQuerier;
use crate::app::context::Ctx;
use crate::app::error::{codes, AbciResult, Registered};
use crate::app::gas::{out_of_gas, wasm as wasm_gas};

/// What a wasmd 0.55 node (wasmvm 3) offers, less staking/stargate/ibc, which the devnet lacks.
const CAPABILITIES: &[&str] = &[
    "iterator",
    "cosmwasm_1_1",
    "cosmwasm_1_2",
    "cosmwasm_1_3",
    "cosmwasm_1_4",
    "cosmwasm_2_0",
    "cosmwasm_2_1",
    "cosmwasm_2_2",
    "cosmwasm_3_0",
];

/// wasmd's `contractMemoryLimit`: 32 MiB per instance.
const INSTANCE_MEMORY_LIMIT: Size = Size::mebi(32);

type VmCache = Cache<VmApi, VmStorage, VmQuerier>;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("wasm cache directory: {0}")]
    Dir(#[from] std::io::Error),
    #[error("wasm cache: {0}")]
    Vm(#[from] VmError),
}

/// The module cache shared by every execution of the application.
pub struct WasmEngine {
    cache: VmCache,
    dir: PathBuf,
    _temp_dir: Option<tempfile::TempDir>,
}

impl WasmEngine {
    /// Opens the cache in `dir`, or in a temporary directory removed on drop.
    pub fn open(dir: Option<&Path>, memory_cache_mb: u32) -> Result<Self, EngineError> {
        let (dir, temp_dir) = match dir {
            Some(dir) => (dir.to_path_buf(), None),
            None => {
                let temp = tempfile::Builder::new().prefix("kumo-wasm-").tempdir()?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        std::fs::create_dir_all(&dir)?;
        let options = CacheOptions::new(
            dir.clone(),
            CAPABILITIES
                .iter()
                .map(|c| c.to_string())
                .collect::<HashSet<_>>(),
            Size::mebi(memory_cache_mb as usize),
            INSTANCE_MEMORY_LIMIT,
        );
        // SAFETY: the directory is ours; modules on disk were written by this same cosmwasm-vm.
        let cache = unsafe { Cache::new(options)? };
        Ok(Self {
            cache,
            dir,
            _temp_dir: temp_dir,
        })
    }

    /// Statically checks and compiles a new code, persisting blob and module in the cache.
    pub fn store_code(&self, wasm: &[u8]) -> Result<Checksum, VmError> {
        self.cache.store_code(wasm, true, true)
    }

    /// Makes sure a code stored in the state is in the cache (e.g. after the cache directory
    /// was removed); compiles it only when its blob is missing.
    pub fn ensure_stored(&self, checksum: &Checksum, wasm: &[u8]) -> Result<(), VmError> {
        let path = self
            .dir
            .join("state")
            .join("wasm")
            .join(format!("{}.wasm", checksum.to_hex()));
        if !path.exists() {
            self.cache.store_code(wasm, false, true)?;
        }
        Ok(())
    }

    pub fn required_capabilities(&self, checksum: &Checksum) -> Result<Vec<String>, VmError> {
        Ok(self
            .cache
            .analyze(checksum)?
            .required_capabilities
            .into_iter()
            .collect())
    }

    pub fn migrate_version(&self, checksum: &Checksum) -> Result<Option<u64>, VmError> {
        Ok(self.cache.analyze(checksum)?.contract_migrate_version)
    }

    pub fn metrics(&self) -> cosmwasm_vm::Metrics {
        self.cache.metrics()
    }
}

/// A contract being called: its canonical address and bech32 string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRef {
    pub canonical: Vec<u8>,
    pub address: String,
}

/// One entry point call with its JSON arguments.
pub enum EntryCall<'a> {
    Instantiate {
        info: &'a [u8],
        msg: &'a [u8],
    },
    Execute {
        info: &'a [u8],
        msg: &'a [u8],
    },
    Migrate {
        msg: &'a [u8],
        info: Option<&'a [u8]>,
    },
    Reply {
        reply: &'a [u8],
    },
    Query {
        msg: &'a [u8],
    },
}

impl EntryCall<'_> {
    /// wasmd's error for a failure of this entry point.
    pub fn failure(&self) -> Registered {
        match self {
            EntryCall::Instantiate { .. } => codes::WASM_INSTANTIATE_FAILED,
            EntryCall::Execute { .. } | EntryCall::Reply { .. } => codes::WASM_EXECUTE_FAILED,
            EntryCall::Migrate { .. } => codes::WASM_MIGRATION_FAILED,
            EntryCall::Query { .. } => codes::WASM_QUERY_FAILED,
        }
    }
}

/// The JSON `Env` a contract sees.
pub fn env_json(ctx: &Ctx, contract: &ContractRef) -> Vec<u8> {
    let env = Env {
        block: BlockInfo {
            height: ctx.block.height,
            time: Timestamp::from_nanos(ctx.block.time_nanos),
            chain_id: ctx.block.chain_id.clone(),
        },
        transaction: ctx
            .tx
            .as_ref()
            .map(|tx| TransactionInfo::new(tx.index, tx.hash.clone().into())),
        contract: ContractInfo {
            address: Addr::unchecked(&contract.address),
        },
    };
    serde_json::to_vec(&env).expect("Env serializes")
}

/// Runs one entry point with wasmd's gas accounting and returns the contract's raw JSON result
/// (`{"ok": ...}` or `{"error": ...}`). VM failures are `call.failure()` errors; running out of
/// gas is the SDK's out-of-gas error.
pub fn call_contract(
    ctx: &Rc<Ctx>,
    checksum: &Checksum,
    contract: &ContractRef,
    call: EntryCall<'_>,
) -> AbciResult<Vec<u8>> {
    let env = env_json(ctx, contract);
    let gas_limit = wasm_gas::to_wasm_gas(ctx.gas_meter().remaining());
    let backend = Backend {
        api: VmApi::new(ctx.codec.clone()),
        storage: VmStorage::new(ctx.clone(), &contract.canonical),
        querier: VmQuerier::new(ctx.clone(), &contract.canonical),
    };
    let mut instance = ctx
        .wasm
        .cache
        .get_instance(checksum, backend, InstanceOptions { gas_limit })
        .map_err(|e| call.failure().wrap(e.to_string()))?;
    let result = match &call {
        EntryCall::Instantiate { info, msg } => {
            call_instantiate_raw(&mut instance, &env, info, msg)
        }
        EntryCall::Execute { info, msg } => call_execute_raw(&mut instance, &env, info, msg),
        EntryCall::Migrate { msg, info: None } => call_migrate_raw(&mut instance, &env, msg),
        EntryCall::Migrate {
            msg,
            info: Some(info),
        } => call_migrate_with_info_raw(&mut instance, &env, msg, info),
        EntryCall::Reply { reply } => call_reply_raw(&mut instance, &env, reply),
        EntryCall::Query { msg } => call_query_raw(&mut instance, &env, msg),
    };
    let report = instance.create_gas_report();
    drop(instance);

    // wasmd's consumeRuntimeGas: charge what the VM used, then fail if the meter is exhausted.
    const LOCATION: &str = "Wasmer function execution";
    ctx.consume_gas(wasm_gas::from_wasm_gas(report.used_internally), LOCATION)?;
    let meter = ctx.gas_meter();
    if meter.consumed() >= meter.limit() {
        return Err(out_of_gas(LOCATION));
    }
    match result {
        Ok(json) => {
            ctx.consume_gas(
                wasm_gas::DESERIALIZATION_COST_PER_BYTE * json.len() as u64,
                "contract result deserialization",
            )?;
            Ok(json)
        }
        Err(VmError::GasDepletion { .. }) => Err(out_of_gas(LOCATION)),
        Err(err) => Err(call.failure().wrap(err.to_string())),
    }
}
