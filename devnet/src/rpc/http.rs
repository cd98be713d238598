//! HTTP transport: JSON-RPC over POST (single or batch), CometBFT's URI form over GET
//! (`/status`, `/block?height=5`), and the upgrade to `/websocket`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use tendermint_rpc::Id;

use super::jsonrpc::{self, Incoming, RpcError};
use super::methods::{self, METHODS};
use super::RpcState;

/// POST `/`: one JSON-RPC request or a batch.
pub async fn post_jsonrpc(
    State(state): State<RpcState>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let error = RpcError::invalid_request(format!(
                "cannot read request body: {}",
                rejection.body_text()
            ));
            return (status, Json(jsonrpc::failure(&Id::None, &error))).into_response();
        }
    };
    match jsonrpc::parse_body(&body) {
        Incoming::Single(request) => Json(answer(&state, request).await).into_response(),
        Incoming::Batch(requests) => {
            let mut answers = Vec::with_capacity(requests.len());
            for request in requests {
                answers.push(answer(&state, request).await);
            }
            Json(Value::Array(answers)).into_response()
        }
    }
}

async fn answer(state: &RpcState, request: Result<jsonrpc::Request, (Id, RpcError)>) -> Value {
    match request {
        Ok(request) => {
            let result = dispatch(state, &request).await;
            jsonrpc::respond(&request.id, result)
        }
        Err((id, error)) => jsonrpc::failure(&id, &error),
    }
}

/// Runs a method; subscriptions exist only on WebSocket connections.
async fn dispatch(state: &RpcState, request: &jsonrpc::Request) -> Result<Value, RpcError> {
    match request.method.as_str() {
        "subscribe" | "unsubscribe" | "unsubscribe_all" => Err(RpcError::method_not_found(
            &format!("{} (only available over /websocket)", request.method),
        )),
        _ => methods::call(&state.methods, request).await,
    }
}

/// GET `/<method>?<params>`: CometBFT's URI form.
pub async fn get_uri(
    State(state): State<RpcState>,
    Path(method): Path<String>,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = match query {
        Ok(Query(q)) => q,
        Err(rejection) => {
            let error = RpcError::invalid_params(rejection.body_text());
            return Json(jsonrpc::failure(&Id::Num(-1), &error)).into_response();
        }
    };
    let request = jsonrpc::uri_request(&method, &query);
    let result = dispatch(&state, &request).await;
    Json(jsonrpc::respond(&request.id, result)).into_response()
}

/// GET `/`: the available endpoints, like CometBFT's index page.
pub async fn index() -> Response {
    let mut text = String::from("Available endpoints:\n");
    for method in METHODS {
        text.push_str(&format!("//127.0.0.1/{method}\n"));
    }
    text.push_str("//127.0.0.1/websocket (subscribe, unsubscribe, unsubscribe_all)\n");
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}
