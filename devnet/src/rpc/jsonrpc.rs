//! JSON-RPC 2.0 envelopes as CometBFT reads and writes them: requests with an id, a method and
//! params (named, positional or absent), and responses carrying either a result or an error
//! with CometBFT's codes and messages.

use serde::Serialize;
use serde_json::{Map, Value};
use tendermint_rpc::response_error::{Code, ResponseError};
use tendermint_rpc::Id;

/// Most requests accepted in one batch.
pub const MAX_BATCH: usize = 100;

/// An error answered to the client. `data` carries the detail, as CometBFT does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    pub code: Code,
    pub data: String,
}

impl RpcError {
    pub fn parse(detail: impl ToString) -> Self {
        RpcError {
            code: Code::ParseError,
            data: detail.to_string(),
        }
    }

    pub fn invalid_request(detail: impl ToString) -> Self {
        RpcError {
            code: Code::InvalidRequest,
            data: detail.to_string(),
        }
    }

    pub fn method_not_found(method: &str) -> Self {
        RpcError {
            code: Code::MethodNotFound,
            data: format!("method {method:?} is not supported"),
        }
    }

    pub fn invalid_params(detail: impl ToString) -> Self {
        RpcError {
            code: Code::InvalidParams,
            data: detail.to_string(),
        }
    }

    /// CometBFT answers failures of a well-formed call (unknown height, full mempool, bad
    /// query) as internal errors with the reason in `data`.
    pub fn internal(detail: impl ToString) -> Self {
        RpcError {
            code: Code::InternalError,
            data: detail.to_string(),
        }
    }

    pub fn to_response_error(&self) -> ResponseError {
        ResponseError::new(self.code, Some(self.data.clone()))
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.code.value(), self.data)
    }
}

/// Where the params came from; the same name may need decoding differently (CometBFT's URI
/// form writes bytes as `0x…` hex or quoted strings, JSON-RPC as base64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamSource {
    Json,
    Uri,
}

/// A parsed request, before its params are interpreted by the method.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: Id,
    pub method: String,
    pub params: Value,
    pub source: ParamSource,
}

/// One request, or a batch, or a failure that must be answered with `id: null`.
#[derive(Debug)]
pub enum Incoming {
    Single(Result<Request, (Id, RpcError)>),
    Batch(Vec<Result<Request, (Id, RpcError)>>),
}

/// Parses a POST body. Never panics; every malformed input becomes a JSON-RPC error.
pub fn parse_body(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Incoming::Single(Err((Id::None, RpcError::parse(e)))),
    };
    match value {
        Value::Array(items) if items.is_empty() => {
            Incoming::Single(Err((Id::None, RpcError::invalid_request("empty batch"))))
        }
        Value::Array(items) if items.len() > MAX_BATCH => Incoming::Single(Err((
            Id::None,
            RpcError::invalid_request(format!(
                "batch of {} requests, max {MAX_BATCH}",
                items.len()
            )),
        ))),
        Value::Array(items) => Incoming::Batch(items.into_iter().map(parse_request).collect()),
        other => Incoming::Single(parse_request(other)),
    }
}

/// Interprets one request object.
pub fn parse_request(value: Value) -> Result<Request, (Id, RpcError)> {
    let Value::Object(mut object) = value else {
        return Err((
            Id::None,
            RpcError::invalid_request("a request must be a JSON object"),
        ));
    };
    let id = match object.remove("id") {
        None | Some(Value::Null) => Id::None,
        Some(Value::String(s)) => Id::Str(s),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(n) => Id::Num(n),
            None => {
                return Err((
                    Id::None,
                    RpcError::invalid_request("id must be a string or an integer"),
                ))
            }
        },
        Some(_) => {
            return Err((
                Id::None,
                RpcError::invalid_request("id must be a string or an integer"),
            ))
        }
    };
    match object.remove("jsonrpc") {
        None => {}
        Some(Value::String(v)) if v == "2.0" => {}
        Some(_) => return Err((id, RpcError::invalid_request("jsonrpc must be \"2.0\""))),
    }
    let method = match object.remove("method") {
        Some(Value::String(m)) if !m.is_empty() => m,
        _ => {
            return Err((
                id,
                RpcError::invalid_request("method must be a non-empty string"),
            ))
        }
    };
    let params = match object.remove("params") {
        None | Some(Value::Null) => Value::Null,
        Some(p @ (Value::Object(_) | Value::Array(_))) => p,
        Some(_) => {
            return Err((
                id,
                RpcError::invalid_params("params must be an object, an array or null"),
            ))
        }
    };
    Ok(Request {
        id,
        method,
        params,
        source: ParamSource::Json,
    })
}

/// A request from CometBFT's URI form: `GET /block?height=5`.
pub fn uri_request(method: &str, query: &[(String, String)]) -> Request {
    let params: Map<String, Value> = query
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Request {
        id: Id::Num(-1),
        method: method.to_string(),
        params: Value::Object(params),
        source: ParamSource::Uri,
    }
}

#[derive(Serialize)]
struct SuccessEnvelope<'a, R: Serialize> {
    jsonrpc: &'static str,
    id: &'a Id,
    result: R,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    jsonrpc: &'static str,
    id: &'a Id,
    error: ResponseError,
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`
pub fn success(id: &Id, result: impl Serialize) -> Value {
    serde_json::to_value(SuccessEnvelope {
        jsonrpc: "2.0",
        id,
        result,
    })
    .unwrap_or_else(|e| {
        failure(
            id,
            &RpcError::internal(format!("cannot encode result: {e}")),
        )
    })
}

/// `{"jsonrpc":"2.0","id":…,"error":{"code":…,"message":…,"data":…}}`
pub fn failure(id: &Id, error: &RpcError) -> Value {
    serde_json::to_value(ErrorEnvelope {
        jsonrpc: "2.0",
        id,
        error: error.to_response_error(),
    })
    .expect("error envelopes always serialize")
}

pub fn respond(id: &Id, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(value) => success(id, value),
        Err(error) => failure(id, &error),
    }
}
