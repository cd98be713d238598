//! Shared helpers: a devnet with Kumo's contracts, client configs, dev keys, Kumo messages and a
//! TCP proxy that can take the node away for a while.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use cosmwasm_std::HexBinary;
use kumo_client::config::ChainConfig;
use kumo_client::keys::KeyPair;
use kumo_client::ChainClient;
use kumo_devnet::{Devnet, DevnetConfig};
use kumo_types::attributes::{PlacementRequirements, SignedBy};
use kumo_types::coins::DecCoin;
use kumo_types::market::ExecuteMsg;
use kumo_types::resources::*;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

pub const DENOM: &str = "uakt";
/// The devnet market's minimum deployment deposit.
pub const MIN_DEPOSIT: u128 = 5_000_000;
const GI: u64 = 1 << 30;

pub fn artifacts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../artifacts")
}

/// An in-memory devnet (blocks on demand) with Kumo's contracts deployed at genesis.
pub async fn devnet() -> Devnet {
    let mut config = DevnetConfig::in_memory();
    config.artifacts = Some(artifacts_dir());
    config.artifacts_required = true;
    Devnet::spawn(config)
        .await
        .expect("the devnet starts (are artifacts/ built? scripts/build-wasm.sh)")
}

/// A devnet without contracts.
pub async fn bare_devnet() -> Devnet {
    Devnet::spawn(DevnetConfig::in_memory())
        .await
        .expect("the devnet starts")
}

/// The devnet's defaults, pointed at `rpc_url`, with short waits for tests.
pub fn config(rpc_url: &str) -> ChainConfig {
    ChainConfig {
        rpc_url: rpc_url.to_string(),
        retry_backoff: Duration::from_millis(20),
        request_timeout: Duration::from_secs(5),
        inclusion_timeout: Duration::from_secs(30),
        ..ChainConfig::default()
    }
}

pub async fn connect(devnet: &Devnet) -> ChainClient {
    ChainClient::connect(config(&devnet.rpc_url()))
        .await
        .expect("connects to the devnet")
}

/// Dev account `index` of the devnet's public mnemonic.
pub fn dev_key(index: u32) -> KeyPair {
    KeyPair::from_mnemonic(
        kumo_devnet::app::DEV_MNEMONIC,
        &kumo_devnet::app::dev_accounts::hd_path(index),
        "kumo",
    )
    .unwrap()
}

pub fn uakt(amount: u128) -> Vec<cosmwasm_std::Coin> {
    vec![cosmwasm_std::coin(amount, DENOM)]
}

/// A one-group CPU deployment paying at most `price` uakt per block.
pub fn create_deployment(dseq: u64) -> ExecuteMsg {
    ExecuteMsg::CreateDeployment {
        dseq,
        groups: vec![GroupSpec {
            name: "web".into(),
            requirements: PlacementRequirements {
                signed_by: SignedBy::default(),
                attributes: vec![],
            },
            resources: vec![ResourceUnit {
                resource: Resources {
                    id: 1,
                    cpu: CpuResource {
                        units: ResourceValue::new(1000),
                        attributes: vec![],
                    },
                    memory: MemoryResource {
                        size: ResourceValue::new(GI),
                        attributes: vec![],
                    },
                    storage: vec![StorageResource {
                        name: "default".into(),
                        size: ResourceValue::new(10 * GI),
                        attributes: vec![],
                    }],
                    gpu: GpuResource {
                        units: ResourceValue::new(0),
                        attributes: vec![],
                    },
                    endpoints: vec![],
                },
                count: 1,
                price: DecCoin::new("1".parse().unwrap(), DENOM),
            }],
        }],
        manifest_hash: HexBinary::from(vec![7u8; 32]),
    }
}

/// A 127.0.0.1 port nothing listens on.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// A TCP proxy on 127.0.0.1 in front of the node; stopping it drops every connection and
/// refuses new ones until it is started again on the same port.
pub struct TcpProxy {
    addr: SocketAddr,
    target: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl TcpProxy {
    pub async fn start(target: SocketAddr) -> TcpProxy {
        let mut proxy = TcpProxy {
            addr: "127.0.0.1:0".parse().unwrap(),
            target,
            task: None,
        };
        proxy.listen().await;
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn listen(&mut self) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(self.addr).unwrap();
        let listener = socket.listen(64).unwrap();
        self.addr = listener.local_addr().unwrap();
        let target = self.target;
        self.task = Some(tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every connection.
            let mut connections = JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        }));
    }

    /// Takes the node away: open connections are cut, new ones refused.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Brings the node back on the same address.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.listen().await;
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
