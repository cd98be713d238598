//! What every command shares: the resolved settings, the keyring, the connection to the node,
//! and the one way transactions are built, confirmed, broadcast and reported.
//!
//! The order of checks for a transaction is fixed so that bad input broadcasts nothing and
//! asks nothing needlessly: confirmation possible (a terminal, or -y) → the key exists → the
//! node answers with the expected chain id → the passphrase unlocks the key → the messages
//! simulate (fee estimate) → the person confirms → broadcast.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use cosmrs::Any;
use cosmwasm_std::{Coin, Decimal256};
use kumo_client::config::{ChainConfig, ContractAddresses, GasPrice, GasSetting};
use kumo_client::keyring::{KeyInfo, Keyring, KeyringBackend};
use kumo_client::{ChainClient, Signer, TxOutcome};
use kumo_types::events::KumoEvent;
use serde::Serialize;
use serde_json::Value;

use crate::cli::KeyringBackendArg;
use crate::config::Settings;
use crate::output::{self, OutputMode};
use crate::parse::GasArg;
use crate::prompt;

pub struct App {
    pub settings: Settings,
}

/// A connected client and an unlocked signer.
pub struct TxSession {
    pub client: ChainClient,
    pub signer: Signer,
    pub key_name: String,
}

impl TxSession {
    pub fn address(&self) -> &str {
        self.signer.address()
    }
}

/// A Kumo event as JSON: its type (without `wasm-`) and its attributes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventJson {
    #[serde(rename = "type")]
    pub ty: String,
    pub attributes: BTreeMap<String, String>,
}

impl From<&KumoEvent> for EventJson {
    fn from(e: &KumoEvent) -> Self {
        let ev = e.to_event();
        EventJson {
            ty: ev.ty,
            attributes: ev
                .attributes
                .into_iter()
                .map(|a| (a.key, a.value))
                .collect(),
        }
    }
}

/// What every transaction prints with `--output json`.
#[derive(Debug, Clone, Serialize)]
pub struct TxJson {
    pub txhash: String,
    pub height: u64,
    pub gas_wanted: u64,
    pub gas_used: u64,
    pub fee: Coin,
    /// Kumo's events, decoded with `KumoEvent::decode`.
    pub events: Vec<EventJson>,
}

/// ceil(gas x price).
pub fn fee_for(gas: u64, price: &crate::parse::GasPriceArg) -> Coin {
    let amount = (Decimal256::from_ratio(gas, 1u64) * price.amount).to_uint_ceil();
    Coin::new(amount, price.denom.clone())
}

impl TxJson {
    pub fn new(outcome: &TxOutcome, price: &crate::parse::GasPriceArg) -> TxJson {
        TxJson {
            txhash: outcome.hash.clone(),
            height: outcome.height,
            gas_wanted: outcome.gas_wanted,
            gas_used: outcome.gas_used,
            fee: fee_for(outcome.gas_wanted, price),
            events: outcome.kumo_events().iter().map(EventJson::from).collect(),
        }
    }

    /// The human form: a headline, the hash, height and gas, one line per event.
    pub fn text(&self, headline: &str) -> String {
        let mut out = format!("{headline}\n");
        out.push_str(&output::key_values(&[
            ("txhash", self.txhash.clone()),
            ("height", self.height.to_string()),
            (
                "gas",
                format!(
                    "{} used of {} (fee {}{})",
                    self.gas_used, self.gas_wanted, self.fee.amount, self.fee.denom
                ),
            ),
        ]));
        if !self.events.is_empty() {
            out.push_str("events:\n");
            for e in &self.events {
                let attrs: Vec<String> = e
                    .attributes
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                out.push_str(&format!("  {} {}\n", e.ty, attrs.join(" ")));
            }
        }
        out
    }
}

impl App {
    pub fn new(settings: Settings) -> App {
        App { settings }
    }

    pub fn out(&self) -> OutputMode {
        self.settings.output
    }

    pub fn json(&self) -> bool {
        self.settings.output.is_json()
    }

    pub fn yes(&self) -> bool {
        self.settings.yes
    }

    pub fn denom(&self) -> &str {
        &self.settings.denom
    }

    pub fn chain_config(&self) -> ChainConfig {
        let s = &self.settings;
        ChainConfig {
            rpc_url: s.node.clone(),
            chain_id: s.chain_id.clone(),
            bech32_prefix: s.bech32_prefix.clone(),
            denom: s.denom.clone(),
            gas: match s.gas {
                GasArg::Auto => GasSetting::Auto,
                GasArg::Fixed(n) => GasSetting::Fixed(n),
            },
            gas_adjustment: s.gas_adjustment,
            gas_prices: GasPrice {
                amount: s.gas_prices.amount,
                denom: s.gas_prices.denom.clone(),
            },
            contracts: ContractAddresses {
                market: s.contracts.market.clone(),
                registry: s.contracts.registry.clone(),
                governance: s.contracts.governance.clone(),
            },
            ..ChainConfig::default()
        }
    }

    pub fn backend(&self) -> KeyringBackend {
        match self.settings.keyring_backend {
            KeyringBackendArg::File => KeyringBackend::File,
            KeyringBackendArg::Test => KeyringBackend::Test,
        }
    }

    pub fn keyring(&self) -> anyhow::Result<Keyring> {
        let dir = &self.settings.keyring_dir;
        Keyring::open(dir, self.backend(), &self.settings.bech32_prefix).with_context(|| {
            format!(
                "cannot open the {} keyring in {}: check --keyring-dir / KUMO_KEYRING_DIR",
                self.settings.keyring_backend,
                dir.display()
            )
        })
    }

    /// The `--from` key's name.
    pub fn signer_name(&self) -> anyhow::Result<String> {
        self.settings.from.clone().ok_or_else(|| {
            anyhow!(
                "no signing key chosen: pass --from <key> (or set KUMO_FROM, or `from` in the \
                 config file); `kumo keys list` shows the keys, `kumo keys add <name>` makes one"
            )
        })
    }

    /// The `--from` key, checked to exist (no passphrase needed).
    pub fn signer_info(&self) -> anyhow::Result<KeyInfo> {
        let name = self.signer_name()?;
        Ok(self.keyring()?.show(&name)?)
    }

    /// `explicit`, or the `--from` key's address.
    pub fn address_or_from(&self, explicit: Option<String>, what: &str) -> anyhow::Result<String> {
        if let Some(a) = explicit {
            return Ok(a);
        }
        if self.settings.from.is_none() {
            bail!("which {what}? give an address, or --from <key> to use that key's address");
        }
        Ok(self.signer_info()?.address)
    }

    /// Connects, checking that the node answers and reports the expected chain id.
    pub async fn connect(&self) -> anyhow::Result<ChainClient> {
        Ok(ChainClient::connect(self.chain_config()).await?)
    }

    /// Everything a transaction needs, checked in the order the module docs give.
    pub async fn tx_session(&self) -> anyhow::Result<TxSession> {
        prompt::ensure_can_confirm(self.yes(), "sign and broadcast a transaction")?;
        let name = self.signer_name()?;
        let keyring = self.keyring()?;
        keyring.show(&name)?;
        let client = self.connect().await?;
        let passphrase = match self.backend() {
            KeyringBackend::File => Some(prompt::passphrase(&name)?),
            KeyringBackend::Test => None,
        };
        let key = keyring.unlock(&name, passphrase.as_deref())?;
        let signer = client.signer(key);
        Ok(TxSession {
            client,
            signer,
            key_name: name,
        })
    }

    /// Simulates `msgs` for the fee, asks for confirmation (unless -y), then broadcasts and
    /// waits for inclusion. `summary` says what the transaction does.
    pub async fn broadcast(
        &self,
        session: &TxSession,
        msgs: Vec<Any>,
        summary: &str,
    ) -> anyhow::Result<TxOutcome> {
        let estimate =
            session.signer.estimate(&msgs).await.with_context(|| {
                format!("cannot {summary}: the transaction fails in simulation")
            })?;
        if !self.yes() {
            eprintln!(
                "{summary}\n  from:  {} ({})\n  fee:   ~{}{} (gas limit {})",
                session.key_name,
                session.address(),
                estimate.amount.amount,
                estimate.amount.denom,
                estimate.gas_limit
            );
            if !prompt::confirm(false, "Sign and broadcast?")? {
                bail!("cancelled: nothing was broadcast");
            }
        }
        let outcome = session.signer.send(msgs).await?;
        Ok(outcome)
    }

    pub fn tx_json(&self, outcome: &TxOutcome) -> TxJson {
        TxJson::new(outcome, &self.settings.gas_prices)
    }

    /// Prints a transaction's result: JSON (with `extra` fields merged in), or a headline and
    /// the details.
    pub fn print_tx(&self, outcome: &TxOutcome, headline: &str, extra: Option<Value>) {
        let tx = self.tx_json(outcome);
        if self.json() {
            let mut value = serde_json::to_value(&tx).expect("tx serializes");
            if let (Value::Object(map), Some(Value::Object(more))) = (&mut value, extra) {
                map.extend(more);
            }
            output::print_json(&value);
        } else {
            print!("{}", tx.text(headline));
        }
    }

    /// A single-message transaction to a contract, end to end.
    pub async fn execute_contract<M: Serialize>(
        &self,
        session: &TxSession,
        contract: &str,
        msg: &M,
        funds: &[Coin],
        summary: &str,
    ) -> anyhow::Result<TxOutcome> {
        let any = kumo_client::tx::wasm_execute_msg(session.address(), contract, msg, funds)?;
        self.broadcast(session, vec![any], summary).await
    }

    /// The devnet-style block time assumed for estimates.
    pub fn block_time(&self) -> f64 {
        self.settings.block_time
    }
}

/// Waits `d` (for polling loops).
pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_gas_price;

    #[test]
    fn fees_round_up() {
        let price = parse_gas_price("0.025uakt").unwrap();
        assert_eq!(fee_for(200_000, &price), Coin::new(5000u128, "uakt"));
        assert_eq!(fee_for(1, &price), Coin::new(1u128, "uakt"));
        assert_eq!(fee_for(0, &price), Coin::new(0u128, "uakt"));
    }

    #[test]
    fn events_render_as_type_and_attributes() {
        let e = KumoEvent::DeploymentClosed {
            id: kumo_types::ids::DeploymentId::new("kumo1owner", 7),
        };
        let j = EventJson::from(&e);
        assert_eq!(j.ty, "deployment_closed");
        assert_eq!(j.attributes["dseq"], "7");
        assert_eq!(j.attributes["owner"], "kumo1owner");
        let tx = TxJson {
            txhash: "AB".into(),
            height: 3,
            gas_wanted: 100,
            gas_used: 90,
            fee: Coin::new(3u128, "uakt"),
            events: vec![j],
        };
        let text = tx.text("closed");
        assert!(text.starts_with("closed\n"));
        assert!(
            text.contains("gas:    90 used of 100 (fee 3uakt)"),
            "{text}"
        );
        assert!(
            text.contains("  deployment_closed dseq=7 owner=kumo1owner"),
            "{text}"
        );
        let v = serde_json::to_value(&tx).unwrap();
        assert_eq!(v["events"][0]["type"], "deployment_closed");
        assert_eq!(v["fee"]["amount"], "3");
    }
}
