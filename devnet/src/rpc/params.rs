//! Typed access to a request's params, accepting what CometBFT accepts: named or positional
//! JSON params, integers as numbers or strings, and the URI form's quoted strings and `0x` hex.
//! Every failure names the param.

use base64::Engine;
use serde_json::Value;
use tendermint::Hash;

use super::jsonrpc::{ParamSource, Request, RpcError};

pub struct Params<'a> {
    params: &'a Value,
    /// Names of the method's params in positional order.
    names: &'static [&'static str],
    source: ParamSource,
}

impl<'a> Params<'a> {
    pub fn new(request: &'a Request, names: &'static [&'static str]) -> Result<Self, RpcError> {
        if let Value::Array(items) = &request.params {
            if items.len() > names.len() {
                return Err(RpcError::invalid_params(format!(
                    "expected at most {} params ({}), got {}",
                    names.len(),
                    names.join(", "),
                    items.len()
                )));
            }
        }
        Ok(Params {
            params: &request.params,
            names,
            source: request.source,
        })
    }

    /// The raw value of `name`; `None` when absent or null.
    fn get(&self, name: &str) -> Option<&'a Value> {
        let value = match self.params {
            Value::Object(map) => map.get(name),
            Value::Array(items) => self
                .names
                .iter()
                .position(|n| *n == name)
                .and_then(|i| items.get(i)),
            _ => None,
        }?;
        (!value.is_null()).then_some(value)
    }

    /// A string param; the URI form's surrounding double quotes are removed.
    fn raw_string(&self, name: &str) -> Result<Option<&'a str>, RpcError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(match self.source {
                ParamSource::Uri => strip_quotes(s),
                ParamSource::Json => s.as_str(),
            })),
            Some(_) => Err(invalid(name, "expected a string")),
        }
    }

    pub fn opt_string(&self, name: &str) -> Result<Option<String>, RpcError> {
        Ok(self.raw_string(name)?.map(str::to_string))
    }

    pub fn string(&self, name: &str) -> Result<String, RpcError> {
        self.opt_string(name)?
            .ok_or_else(|| invalid(name, "missing required param"))
    }

    /// A non-negative integer given as a JSON number or a decimal string; "" counts as absent.
    pub fn opt_u64(&self, name: &str) -> Result<Option<u64>, RpcError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| invalid(name, "expected a non-negative integer")),
            Some(Value::String(s)) => {
                let s = strip_quotes(s);
                if s.is_empty() {
                    return Ok(None);
                }
                s.parse::<u64>().map(Some).map_err(|_| {
                    invalid(name, format!("expected a non-negative integer, got {s:?}"))
                })
            }
            Some(_) => Err(invalid(name, "expected a non-negative integer")),
        }
    }

    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, RpcError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match strip_quotes(s) {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                "" => Ok(None),
                other => Err(invalid(
                    name,
                    format!("expected true or false, got {other:?}"),
                )),
            },
            Some(_) => Err(invalid(name, "expected a boolean")),
        }
    }

    /// Bytes that JSON-RPC sends as base64 (a tx). The URI form sends `0x…` hex or a quoted
    /// string of the raw bytes.
    pub fn base64_bytes(&self, name: &str) -> Result<Vec<u8>, RpcError> {
        let Some(s) = self.get(name) else {
            return Err(invalid(name, "missing required param"));
        };
        let Value::String(s) = s else {
            return Err(invalid(name, "expected a base64 string"));
        };
        if self.source == ParamSource::Uri {
            return uri_bytes(name, s);
        }
        base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|e| invalid(name, format!("invalid base64: {e}")))
    }

    /// Bytes that JSON-RPC sends as hex (`abci_query`'s data); absent means empty.
    pub fn hex_bytes(&self, name: &str) -> Result<Vec<u8>, RpcError> {
        let Some(s) = self.get(name) else {
            return Ok(Vec::new());
        };
        let Value::String(s) = s else {
            return Err(invalid(name, "expected a hex string"));
        };
        if self.source == ParamSource::Uri {
            return uri_bytes(name, s);
        }
        let s = s.trim();
        hex::decode(s.strip_prefix("0x").unwrap_or(s))
            .map_err(|e| invalid(name, format!("invalid hex: {e}")))
    }

    /// A sha256 hash (tx or block): base64 as tendermint-rpc sends it, or hex.
    pub fn hash(&self, name: &str) -> Result<Hash, RpcError> {
        let s = self
            .raw_string(name)?
            .ok_or_else(|| invalid(name, "missing required param"))?
            .trim();
        let hex_form = s.strip_prefix("0x").unwrap_or(s);
        let bytes = if hex_form.len() == 64 {
            hex::decode(hex_form).map_err(|e| invalid(name, format!("invalid hex: {e}")))?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| invalid(name, "expected a 32-byte hash in base64 or hex"))?
        };
        Hash::from_bytes(tendermint::hash::Algorithm::Sha256, &bytes)
            .map_err(|_| invalid(name, format!("expected 32 bytes, got {}", bytes.len())))
    }
}

fn invalid(name: &str, detail: impl std::fmt::Display) -> RpcError {
    RpcError::invalid_params(format!("invalid param {name:?}: {detail}"))
}

fn strip_quotes(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// CometBFT's URI byte params: `0x`-prefixed hex, or a quoted string taken as raw bytes.
fn uri_bytes(name: &str, s: &str) -> Result<Vec<u8>, RpcError> {
    if let Some(hex_str) = s.strip_prefix("0x") {
        return hex::decode(hex_str).map_err(|e| invalid(name, format!("invalid hex: {e}")));
    }
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        return Ok(s.as_bytes()[1..s.len() - 1].to_vec());
    }
    // Lenient: unquoted values are tried as base64, then taken raw.
    Ok(base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_else(|_| s.as_bytes().to_vec()))
}
