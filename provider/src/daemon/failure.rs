//! How a handler failed a block: `Retry` (the chain or Docker was unreachable: the watcher
//! hands the same block again later; handlers are idempotent) or `Fatal` (local state cannot be
//! written: the daemon stops rather than run on a state it cannot keep).

use kumo_client::ClientError;

use super::store::StoreError;
use super::DaemonError;
use crate::allocations::AllocError;

#[derive(Debug)]
pub(crate) enum Failure {
    Retry(String),
    /// Boxed: errors travel through every handler's `Result`.
    Fatal(Box<DaemonError>),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Failure::Retry(e.to_string())
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Fatal(Box::new(e.into()))
    }
}

impl From<AllocError> for Failure {
    fn from(e: AllocError) -> Self {
        Failure::Fatal(Box::new(e.into()))
    }
}

impl Failure {
    /// What the watcher is told.
    pub fn ack(&self) -> Result<(), String> {
        Err(match self {
            Failure::Retry(reason) => reason.clone(),
            Failure::Fatal(e) => e.to_string(),
        })
    }
}

/// The ack for a handler's result, and the error that must stop the daemon, if any.
pub(crate) fn split(result: Result<(), Failure>) -> (Result<(), String>, Option<DaemonError>) {
    match result {
        Ok(()) => (Ok(()), None),
        Err(f) => {
            let ack = f.ack();
            match f {
                Failure::Retry(_) => (ack, None),
                Failure::Fatal(e) => (ack, Some(*e)),
            }
        }
    }
}
