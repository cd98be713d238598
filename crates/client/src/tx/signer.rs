//! [`Signer`]: signs and sends txs for one key. Sends from clones of a signer (or other signers
//! of the same address from the same client) are serialized on the address's sequence slot
//! from reading the sequence until the node accepts the tx, then wait for inclusion in
//! parallel.

use std::sync::Arc;
use std::time::Duration;

use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse};
use cosmrs::proto::prost::Message;
use cosmrs::Any;
use cosmwasm_std::{Coin, Uint128};
use serde::Serialize;
use tendermint_rpc::Client;
use tokio::sync::Mutex as AsyncMutex;

use super::build::{signed_tx_bytes, simulation_tx_bytes, tx_hash};
use super::msgs::wasm_execute_msg;
use super::outcome::TxOutcome;
use crate::abci_log;
use crate::config::GasSetting;
use crate::error::ClientError;
use crate::keys::KeyPair;
use crate::query::{abci_query_raw, path};
use crate::rpc::{self, Backoff};
use crate::sequence::{AccountSequence, SequenceGuard};
use crate::ChainClient;

/// First and longest wait between `tx` lookups while waiting for inclusion.
const POLL_FIRST: Duration = Duration::from_millis(100);
const POLL_MAX: Duration = Duration::from_secs(1);
/// CometBFT's answer to a tx it already holds: the tx is in the mempool.
const ALREADY_IN_CACHE: &str = "tx already exists in cache";

/// Gas limit and fee for a tx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeEstimate {
    pub gas_limit: u64,
    pub amount: Coin,
}

#[derive(Clone)]
pub struct Signer {
    client: ChainClient,
    key: Arc<KeyPair>,
    slot: Arc<AsyncMutex<AccountSequence>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

/// A tx the node accepted into its mempool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentTx {
    /// Upper-case hex.
    pub hash: String,
    /// The gas limit it was signed with.
    pub gas_limit: u64,
}

/// What CheckTx said about a broadcast tx.
enum Broadcast {
    Accepted,
    Rejected {
        code: u32,
        codespace: String,
        log: String,
    },
}

impl Signer {
    pub(crate) fn new(client: ChainClient, key: KeyPair) -> Signer {
        let slot = client.sequences().slot(key.address());
        Signer {
            client,
            key: Arc::new(key),
            slot,
        }
    }

    pub fn address(&self) -> &str {
        self.key.address()
    }

    pub fn key(&self) -> &KeyPair {
        &self.key
    }

    pub fn client(&self) -> &ChainClient {
        &self.client
    }

    /// Gas: simulate × adjustment (`GasSetting::Auto`) or fixed; fee = ceil(gas × price).
    pub async fn estimate(&self, msgs: &[Any]) -> Result<FeeEstimate, ClientError> {
        if let GasSetting::Fixed(gas_limit) = self.client.config().gas {
            return Ok(self.fee_for_gas(gas_limit));
        }
        let mut guard = self.slot.clone().lock_owned().await;
        let mut resynced = false;
        loop {
            let (_, sequence) = self.ensure_synced(&mut guard).await?;
            match self.estimate_at(msgs, sequence).await {
                Err(ClientError::SequenceMismatch { log }) if !resynced => {
                    resynced = true;
                    self.resync(&mut guard, &log).await?;
                }
                result => return result,
            }
        }
    }

    /// Signs with the managed sequence, broadcasts (sync) and waits for inclusion. CheckTx and
    /// DeliverTx failures come back decoded; an account sequence mismatch is resynced and
    /// retried once.
    pub async fn send(&self, msgs: Vec<Any>) -> Result<TxOutcome, ClientError> {
        let sent = self.broadcast_msgs(&msgs, None).await?;
        self.wait_for_inclusion(&sent.hash).await
    }

    /// Signs with the managed sequence and broadcasts (sync) without waiting for inclusion:
    /// the tx's hash once the node accepted it into its mempool. The sequence slot is free
    /// again on return, so the next tx from this key can follow in the same block; call
    /// [`Signer::wait_for_inclusion`] for the tx's fate. `gas_limit` skips the configured
    /// gas setting (e.g. a limit scaled from a like tx's simulation).
    pub async fn broadcast_msgs(
        &self,
        msgs: &[Any],
        gas_limit: Option<u64>,
    ) -> Result<SentTx, ClientError> {
        if msgs.is_empty() {
            return Err(ClientError::invalid("transaction", "it has no messages"));
        }
        let config = self.client.config();
        let mut guard = self.slot.clone().lock_owned().await;
        let mut resynced = false;
        let sent = loop {
            let (account_number, sequence) = self.ensure_synced(&mut guard).await?;
            let fee = match gas_limit {
                Some(gas_limit) => Ok(self.fee_for_gas(gas_limit)),
                None => self.gas_setting_fee(msgs, sequence).await,
            };
            let fee = match fee {
                Err(ClientError::SequenceMismatch { log }) if !resynced => {
                    resynced = true;
                    self.resync(&mut guard, &log).await?;
                    continue;
                }
                result => result?,
            };
            let fee_amount = Uint128::try_from(fee.amount.amount)
                .map_err(|e| ClientError::invalid("fee", e))?
                .u128();
            let tx = signed_tx_bytes(
                &self.key,
                &config.chain_id,
                account_number,
                sequence,
                msgs,
                fee.gas_limit,
                &fee.amount.denom,
                fee_amount,
            )?;
            match self.broadcast(&tx).await {
                Ok(Broadcast::Accepted) => {
                    guard.advance();
                    break SentTx {
                        hash: tx_hash(&tx),
                        gas_limit: fee.gas_limit,
                    };
                }
                Ok(Broadcast::Rejected {
                    code,
                    codespace,
                    log,
                }) => match abci_log::decode_failure(code, &codespace, &log) {
                    ClientError::SequenceMismatch { log } if !resynced => {
                        resynced = true;
                        self.resync(&mut guard, &log).await?;
                    }
                    error => return Err(error),
                },
                Err(error) => {
                    // The node may or may not hold the tx now: read the sequence again next time.
                    guard.invalidate();
                    return Err(error);
                }
            }
        };
        Ok(sent)
    }

    /// Sends one `MsgExecuteContract`.
    pub async fn execute<M: Serialize>(
        &self,
        contract: &str,
        msg: &M,
        funds: &[Coin],
    ) -> Result<TxOutcome, ClientError> {
        let msg = wasm_execute_msg(self.address(), contract, msg, funds)?;
        self.send(vec![msg]).await
    }

    fn fee_for_gas(&self, gas_limit: u64) -> FeeEstimate {
        let price = &self.client.config().gas_prices;
        FeeEstimate {
            gas_limit,
            amount: Coin::new(price.fee_for(gas_limit), price.denom.clone()),
        }
    }

    async fn gas_setting_fee(
        &self,
        msgs: &[Any],
        sequence: u64,
    ) -> Result<FeeEstimate, ClientError> {
        match self.client.config().gas {
            GasSetting::Fixed(gas_limit) => Ok(self.fee_for_gas(gas_limit)),
            GasSetting::Auto => self.estimate_at(msgs, sequence).await,
        }
    }

    async fn estimate_at(&self, msgs: &[Any], sequence: u64) -> Result<FeeEstimate, ClientError> {
        let gas_used = self.simulate(msgs, sequence).await?;
        Ok(self.fee_for_gas(self.client.config().adjusted_gas(gas_used)))
    }

    /// Gas used by `msgs` at `sequence`, per the node's Simulate.
    async fn simulate(&self, msgs: &[Any], sequence: u64) -> Result<u64, ClientError> {
        #[allow(deprecated)]
        let request = SimulateRequest {
            tx: None,
            tx_bytes: simulation_tx_bytes(&self.key, sequence, msgs)?,
        };
        let answer =
            abci_query_raw(self.client.rpc(), path::SIMULATE, request.encode_to_vec()).await?;
        if answer.code.is_err() {
            return Err(abci_log::decode_failure(
                answer.code.value(),
                &answer.codespace,
                &answer.log,
            ));
        }
        let response = SimulateResponse::decode(answer.value.as_slice())
            .map_err(|e| ClientError::decode("the simulation result", e))?;
        response
            .gas_info
            .map(|g| g.gas_used)
            .ok_or_else(|| ClientError::decode("the simulation result", "no gas info"))
    }

    /// The account number and next sequence, read from the chain if not known.
    async fn ensure_synced(&self, guard: &mut SequenceGuard) -> Result<(u64, u64), ClientError> {
        if let Some(known) = guard.get() {
            return Ok(known);
        }
        let account = self.client.account(self.address()).await?.ok_or_else(|| {
            ClientError::AccountNotFound {
                address: self.address().to_string(),
            }
        })?;
        guard.set(account.account_number, account.sequence);
        Ok((account.account_number, account.sequence))
    }

    /// After a sequence mismatch: the sequence the node said it expects (it counts txs still
    /// in its mempool, which the account query does not), else the chain's.
    async fn resync(&self, guard: &mut SequenceGuard, log: &str) -> Result<(), ClientError> {
        match (abci_log::sequence_mismatch(log).flatten(), guard.get()) {
            (Some(expected), Some(_)) => {
                tracing::info!(address = %self.address(), expected, "account sequence resynced from the node's answer");
                guard.set_next(expected);
            }
            _ => {
                guard.invalidate();
                self.ensure_synced(guard).await?;
                tracing::info!(address = %self.address(), "account sequence resynced from the chain");
            }
        }
        Ok(())
    }

    /// broadcast_tx_sync, repeating the same bytes after transport failures (the node's
    /// cache answer to a repeat means the first attempt got through).
    async fn broadcast(&self, tx: &[u8]) -> Result<Broadcast, ClientError> {
        let rpc = self.client.rpc();
        let retries = self.client.config().retries;
        let mut backoff = rpc.backoff();
        let mut attempt = 0;
        loop {
            match rpc.http().broadcast_tx_sync(tx.to_vec()).await {
                Ok(response) if response.code.is_ok() => return Ok(Broadcast::Accepted),
                Ok(response) => {
                    return Ok(Broadcast::Rejected {
                        code: response.code.value(),
                        codespace: response.codespace,
                        log: response.log,
                    })
                }
                Err(e) if rpc::describe(&e).contains(ALREADY_IN_CACHE) => {
                    return Ok(Broadcast::Accepted)
                }
                Err(e) if rpc::is_transient(&e) && attempt < retries => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %rpc::describe(&e), "broadcast failed; retrying");
                    tokio::time::sleep(backoff.next_delay()).await;
                }
                Err(e) => return Err(rpc.error("broadcast_tx_sync", &e)),
            }
        }
    }

    /// Polls `tx` by hash until the tx is in a block or the inclusion timeout passes; a tx
    /// that failed in its block comes back as its decoded error.
    pub async fn wait_for_inclusion(&self, hash: &str) -> Result<TxOutcome, ClientError> {
        let waited = self.client.config().inclusion_timeout;
        let deadline = tokio::time::Instant::now() + waited;
        let parsed: tendermint::Hash = hash
            .parse()
            .map_err(|e| ClientError::decode("the tx hash", e))?;
        let mut poll = Backoff::new(POLL_FIRST, POLL_MAX);
        loop {
            // Not found yet, or a transport hiccup: both mean "ask again".
            if let Ok(found) = self.client.rpc().http().tx(parsed, false).await {
                return self.outcome(hash, found);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(ClientError::NotIncluded {
                    hash: hash.to_string(),
                    waited,
                });
            }
            tokio::time::sleep(poll.next_delay().min(deadline - now)).await;
        }
    }

    fn outcome(
        &self,
        hash: &str,
        found: tendermint_rpc::endpoint::tx::Response,
    ) -> Result<TxOutcome, ClientError> {
        let result = found.tx_result;
        if result.code.is_err() {
            return Err(abci_log::decode_failure(
                result.code.value(),
                &result.codespace,
                &result.log,
            ));
        }
        Ok(TxOutcome {
            hash: hash.to_string(),
            height: found.height.value(),
            gas_wanted: u64::try_from(result.gas_wanted).unwrap_or(0),
            gas_used: u64::try_from(result.gas_used).unwrap_or(0),
            events: result.events,
            contracts: Some(self.client.contracts().clone()),
        })
    }
}
