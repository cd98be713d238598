//! Running a tx, as the SDK's `runTx`: decode, the ante handler in its own cache (kept when it
//! passes, so the fee and sequence stick even if the messages fail), then all messages in one
//! more cache that is kept only if every message succeeds.

pub mod ante;
pub mod decode;
pub mod sig_cache;
pub mod verify;

use std::rc::Rc;

use cosmrs::proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmrs::proto::prost::Message;
use cosmrs::proto::Any;

use super::context::{Ctx, ExecMode};
use super::error::{codes, AbciError};
use super::events::{names, Event};
use super::gas::GasMeter;
use super::router::message_failed;
use decode::decode_tx;

/// How a tx ended.
#[derive(Debug)]
pub struct TxOutcome {
    /// `Ok(TxMsgData bytes and responses)` or the error with its code.
    pub result: Result<TxSuccess, AbciError>,
    pub gas_wanted: u64,
    pub gas_used: u64,
    /// Ante events, then (on success) each message's events.
    pub events: Vec<Event>,
}

#[derive(Debug, Default)]
pub struct TxSuccess {
    pub data: Vec<u8>,
    pub msg_responses: Vec<Any>,
}

impl TxOutcome {
    fn failed(err: AbciError, gas_wanted: u64, gas_used: u64, events: Vec<Event>) -> Self {
        let mut err = err;
        if err.out_of_gas {
            err.log = err.out_of_gas_log(gas_wanted, gas_used);
        }
        Self {
            result: Err(err),
            gas_wanted,
            gas_used,
            events,
        }
    }

    pub fn code(&self) -> u32 {
        self.result.as_ref().err().map_or(0, |e| e.code)
    }

    pub fn to_exec_tx_result(&self) -> tendermint::abci::types::ExecTxResult {
        let (code, data, log, codespace) = match &self.result {
            Ok(success) => (0, success.data.clone(), String::new(), String::new()),
            Err(err) => (
                err.code,
                Vec::new(),
                err.log.clone(),
                err.codespace.to_string(),
            ),
        };
        tendermint::abci::types::ExecTxResult {
            code: code.into(),
            data: data.into(),
            log,
            info: String::new(),
            gas_wanted: self.gas_wanted as i64,
            gas_used: self.gas_used as i64,
            events: super::events::to_abci(&self.events),
            codespace,
        }
    }

    pub fn to_check_tx(&self) -> tendermint::abci::response::CheckTx {
        let (code, log, codespace) = match &self.result {
            Ok(_) => (0, String::new(), String::new()),
            Err(err) => (err.code, err.log.clone(), err.codespace.to_string()),
        };
        tendermint::abci::response::CheckTx {
            code: code.into(),
            log,
            gas_wanted: self.gas_wanted as i64,
            gas_used: self.gas_used as i64,
            events: super::events::to_abci(&self.events),
            codespace,
            ..Default::default()
        }
    }
}

/// Runs a tx in `ctx` (whose mode says check, finalize or simulate). In check mode only the
/// ante handler runs.
pub fn run_tx(ctx: &Rc<Ctx>, tx_bytes: &[u8]) -> TxOutcome {
    let tx = match decode_tx(tx_bytes) {
        Ok(tx) => tx,
        Err(err) => return TxOutcome::failed(err, 0, 0, Vec::new()),
    };
    let gas_wanted = tx.gas_limit();
    let max_gas = ctx.params.max_tx_gas;
    let meter = if ctx.mode == ExecMode::Simulate {
        GasMeter::new(max_gas)
    } else {
        if gas_wanted > max_gas {
            let err = codes::INVALID_GAS_LIMIT.wrap(format!(
                "tx gas limit {gas_wanted} exceeds the maximum of {max_gas}"
            ));
            return TxOutcome::failed(err, gas_wanted, 0, Vec::new());
        }
        GasMeter::new(gas_wanted)
    };
    ctx.replace_gas_meter(meter);

    ctx.push_cache();
    let ante_events = match ante::run(ctx, &tx, tx_bytes.len()) {
        Ok(events) => {
            ctx.commit_cache();
            events
        }
        Err(err) => {
            ctx.discard_cache();
            return TxOutcome::failed(err, gas_wanted, ctx.gas_consumed(), Vec::new());
        }
    };
    if ctx.mode == ExecMode::Check {
        return TxOutcome {
            result: Ok(TxSuccess::default()),
            gas_wanted,
            gas_used: ctx.gas_consumed(),
            events: ante_events,
        };
    }

    ctx.push_cache();
    let mut events = ante_events.clone();
    let mut msg_responses = Vec::new();
    for (index, msg) in tx.msgs.iter().enumerate() {
        match msg.handle(ctx) {
            Ok(output) => {
                let mut message = Event::new(names::MESSAGE)
                    .attr(names::ACTION, msg.type_url())
                    .attr(names::SENDER, msg.signer());
                if !output.events.iter().any(|e| e.has_attribute(names::MODULE)) {
                    message = message.attr(names::MODULE, msg.module());
                }
                for event in std::iter::once(message).chain(output.events) {
                    events.push(event.attr(names::MSG_INDEX, index.to_string()));
                }
                msg_responses.extend(output.response);
            }
            Err(err) => {
                ctx.discard_cache();
                let err = message_failed(err, index);
                return TxOutcome::failed(err, gas_wanted, ctx.gas_consumed(), ante_events);
            }
        }
    }
    ctx.commit_cache();
    #[allow(deprecated)]
    let data = TxMsgData {
        data: Vec::new(),
        msg_responses: msg_responses.clone(),
    }
    .encode_to_vec();
    TxOutcome {
        result: Ok(TxSuccess {
            data,
            msg_responses,
        }),
        gas_wanted,
        gas_used: ctx.gas_consumed(),
        events,
    }
}
