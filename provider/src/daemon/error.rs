//! Why the daemon did not start or stopped.

use std::path::PathBuf;

use kumo_client::ClientError;

use super::keys::KeyError;
use super::startup::StartupError;
use super::store::StoreError;
use crate::allocations::AllocError;
use crate::inventory::HostError;
use crate::runtime::docker::RuntimeError;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("connecting to the chain: {0}")]
    Connect(#[source] ClientError),
    /// Boxed: the startup refusals carry amounts and lists.
    #[error(transparent)]
    Startup(Box<StartupError>),
    #[error("cannot create data_dir {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("inventory: {0}")]
    Inventory(#[from] HostError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Allocations(#[from] AllocError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("chain: {0}")]
    Chain(#[from] ClientError),
    #[error("gateway certificate: {0}")]
    Tls(#[from] crate::gateway::TlsError),
    #[error("gateway: {0}")]
    Gateway(#[from] crate::gateway::GatewayStartError),
    #[error("{0}")]
    Task(String),
}

impl From<StartupError> for DaemonError {
    fn from(e: StartupError) -> Self {
        DaemonError::Startup(Box::new(e))
    }
}
