//! Tx decoding: `TxRaw` → body and auth info, kept with the exact bytes that were signed.
//! Every malformed input is a clean `tx parse error` (sdk/2); nothing here panics.

use cosmrs::proto::cosmos::tx::v1beta1::{AuthInfo, TxBody, TxRaw};
use cosmrs::proto::prost::Message;

use crate::app::error::{codes, AbciResult};
use crate::app::router::Msg;

/// A decoded tx. `body_bytes` and `auth_info_bytes` are the bytes as sent: signatures are
/// verified over them, never over a re-encoding.
#[derive(Debug, Clone)]
pub struct DecodedTx {
    pub body_bytes: Vec<u8>,
    pub auth_info_bytes: Vec<u8>,
    pub signatures: Vec<Vec<u8>>,
    pub body: TxBody,
    pub auth_info: AuthInfo,
    pub msgs: Vec<Msg>,
}

impl DecodedTx {
    pub fn gas_limit(&self) -> u64 {
        self.auth_info.fee.as_ref().map_or(0, |fee| fee.gas_limit)
    }
}

pub fn decode_tx(bytes: &[u8]) -> AbciResult<DecodedTx> {
    let raw = TxRaw::decode(bytes).map_err(|e| codes::TX_DECODE.wrap(e.to_string()))?;
    let body = TxBody::decode(raw.body_bytes.as_slice())
        .map_err(|e| codes::TX_DECODE.wrap(format!("tx body: {e}")))?;
    let auth_info = AuthInfo::decode(raw.auth_info_bytes.as_slice())
        .map_err(|e| codes::TX_DECODE.wrap(format!("auth info: {e}")))?;
    if !body.extension_options.is_empty() {
        return Err(codes::UNKNOWN_EXTENSION_OPTIONS.wrap("unknown extension options"));
    }
    let msgs = body
        .messages
        .iter()
        .map(Msg::from_any)
        .collect::<AbciResult<Vec<_>>>()?;
    Ok(DecodedTx {
        body_bytes: raw.body_bytes,
        auth_info_bytes: raw.auth_info_bytes,
        signatures: raw.signatures,
        body,
        auth_info,
        msgs,
    })
}
