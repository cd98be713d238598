//! Per-key account sequences. Each address has one async mutex, shared by every [`Signer`] of
//! that address made from the same [`ChainClient`] (clones included). A send holds it from
//! reading the sequence until the node has accepted the tx into its mempool, so concurrent
//! sends from one key get consecutive sequences instead of colliding; waiting for inclusion
//! happens after it is released, so many txs can be in flight at once.
//!
//! [`Signer`]: crate::tx::Signer
//! [`ChainClient`]: crate::ChainClient

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// What the manager knows of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSequence {
    /// `None` until read from the chain, and again after a failure left it uncertain.
    state: Option<Known>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    account_number: u64,
    next_sequence: u64,
}

impl AccountSequence {
    /// `(account_number, next sequence)`, if known.
    pub fn get(&self) -> Option<(u64, u64)> {
        self.state.map(|k| (k.account_number, k.next_sequence))
    }

    /// Sets what the chain says.
    pub fn set(&mut self, account_number: u64, next_sequence: u64) {
        self.state = Some(Known {
            account_number,
            next_sequence,
        });
    }

    /// Uses `sequence` next (e.g. the one a mismatch error says the node expects).
    pub fn set_next(&mut self, next_sequence: u64) {
        if let Some(known) = &mut self.state {
            known.next_sequence = next_sequence;
        }
    }

    /// A tx with the current sequence was accepted.
    pub fn advance(&mut self) {
        if let Some(known) = &mut self.state {
            known.next_sequence += 1;
        }
    }

    /// Forget: the next send reads the account from the chain.
    pub fn invalidate(&mut self) {
        self.state = None;
    }
}

/// Exclusive use of one account's sequence.
pub type SequenceGuard = OwnedMutexGuard<AccountSequence>;

/// The sequence slots of every address used through one client.
#[derive(Debug, Clone, Default)]
pub struct SequenceManager {
    slots: Arc<Mutex<HashMap<String, Arc<AsyncMutex<AccountSequence>>>>>,
}

impl SequenceManager {
    /// The slot of `address`, created on first use.
    pub fn slot(&self, address: &str) -> Arc<AsyncMutex<AccountSequence>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(address.to_string()).or_default().clone()
    }

    /// Waits for exclusive use of `address`'s sequence.
    pub async fn lock(&self, address: &str) -> SequenceGuard {
        self.slot(address).lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_advance_and_resync() {
        let mut seq = AccountSequence::default();
        assert_eq!(seq.get(), None);
        seq.advance();
        seq.set_next(9);
        assert_eq!(seq.get(), None, "nothing to advance before the first sync");
        seq.set(7, 3);
        seq.advance();
        assert_eq!(seq.get(), Some((7, 4)));
        seq.set_next(10);
        assert_eq!(seq.get(), Some((7, 10)));
        seq.invalidate();
        assert_eq!(seq.get(), None);
    }

    #[tokio::test]
    async fn one_slot_per_address_shared_by_clones() {
        let manager = SequenceManager::default();
        let clone = manager.clone();
        {
            let mut guard = manager.lock("kumo1a").await;
            guard.set(1, 5);
        }
        assert_eq!(clone.lock("kumo1a").await.get(), Some((1, 5)));
        assert_eq!(clone.lock("kumo1b").await.get(), None);
        // While one holder has the slot, another waits.
        let guard = manager.lock("kumo1a").await;
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(50), clone.lock("kumo1a")).await;
        assert!(waiting.is_err());
        drop(guard);
        assert!(clone.lock("kumo1a").await.get().is_some());
    }
}
