//! Shared helpers of the devnet's integration tests.
#![allow(dead_code)]

pub mod chain;
pub mod kumo;
pub mod kv_app;
pub mod raw_http;
pub mod shape;

use std::net::SocketAddr;
use std::time::Duration;

use kumo_devnet::node::{BlockProduction, GenesisSpec, NodeConfig};
use kumo_devnet::rpc::RpcConfig;
use kumo_devnet::Devnet;

pub use kv_app::KvApp;

pub const CHAIN_ID: &str = "kumo-test-1";

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// An in-memory devnet around the kv stand-in app.
pub async fn kv_devnet(production: BlockProduction) -> Devnet {
    kv_devnet_with(production, RpcConfig::default()).await
}

pub async fn kv_devnet_with(production: BlockProduction, rpc: RpcConfig) -> Devnet {
    let mut config = NodeConfig::in_memory(CHAIN_ID);
    config.block_production = production;
    config.commit_timeout = Duration::from_secs(5);
    Devnet::spawn_with_app(
        KvApp::in_memory(),
        config,
        GenesisSpec {
            genesis_time: None,
            app_state: serde_json::json!({ "genesis_key": "genesis_value" }),
        },
        loopback(),
        rpc,
    )
    .await
    .expect("devnet starts")
}

/// Kumo's built contract artifacts (`scripts/build-wasm.sh`), if present.
pub fn artifacts_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts");
    dir.join("kumo_market.wasm").is_file().then_some(dir)
}

/// An in-memory devnet running the real application, with Kumo's contracts when the artifacts
/// exist.
pub async fn kumo_devnet() -> Devnet {
    let mut config = kumo_devnet::DevnetConfig::in_memory();
    config.artifacts = artifacts_dir();
    config.artifacts_required = config.artifacts.is_some();
    Devnet::spawn(config).await.expect("the real devnet starts")
}

/// Polls `check` every 20 ms until it returns `Some` or `timeout` passes.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
