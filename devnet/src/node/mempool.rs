//! A bounded FIFO mempool. Txs enter only after the application's `check_tx` accepted them;
//! blocks take them from the front, bounded by count and bytes.

use std::collections::{HashSet, VecDeque};

use tendermint::Hash;

use super::error::MempoolError;
use super::hashing::tx_hash;

#[derive(Debug)]
pub struct Mempool {
    txs: VecDeque<(Hash, Vec<u8>)>,
    hashes: HashSet<Hash>,
    bytes: usize,
    max_txs: usize,
    max_bytes: usize,
    max_tx_bytes: usize,
}

impl Mempool {
    pub fn new(max_txs: usize, max_bytes: usize, max_tx_bytes: usize) -> Self {
        Mempool {
            txs: VecDeque::new(),
            hashes: HashSet::new(),
            bytes: 0,
            max_txs,
            max_bytes,
            max_tx_bytes,
        }
    }

    pub fn len(&self) -> usize {
        self.txs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    pub fn total_bytes(&self) -> usize {
        self.bytes
    }

    /// Checks, before asking the application, whether `tx` could enter at all.
    pub fn precheck(&self, tx: &[u8]) -> Result<Hash, MempoolError> {
        if tx.len() > self.max_tx_bytes {
            return Err(MempoolError::TxTooLarge {
                size: tx.len(),
                max: self.max_tx_bytes,
            });
        }
        let hash = tx_hash(tx);
        if self.hashes.contains(&hash) {
            return Err(MempoolError::AlreadyInCache);
        }
        if self.txs.len() >= self.max_txs || self.bytes + tx.len() > self.max_bytes {
            return Err(MempoolError::Full {
                txs: self.txs.len(),
                max_txs: self.max_txs,
                bytes: self.bytes,
                max_bytes: self.max_bytes,
            });
        }
        Ok(hash)
    }

    /// Appends a tx that passed [`Self::precheck`] and the application's check.
    pub fn push(&mut self, hash: Hash, tx: Vec<u8>) {
        if self.hashes.insert(hash) {
            self.bytes += tx.len();
            self.txs.push_back((hash, tx));
        }
    }

    /// Takes txs from the front for a block: at most `max_txs` and `max_bytes` in total. A tx
    /// that does not fit ends the block, so FIFO order is kept.
    pub fn reap(&mut self, max_txs: usize, max_bytes: usize) -> Vec<Vec<u8>> {
        let mut taken = Vec::new();
        let mut bytes = 0;
        while taken.len() < max_txs {
            let Some((_, front)) = self.txs.front() else {
                break;
            };
            if bytes + front.len() > max_bytes {
                break;
            }
            let (hash, tx) = self.txs.pop_front().expect("front exists");
            self.hashes.remove(&hash);
            self.bytes -= tx.len();
            bytes += tx.len();
            taken.push(tx);
        }
        taken
    }

    /// Removes every tx and returns them in order (for re-checking after a commit).
    pub fn drain(&mut self) -> Vec<(Hash, Vec<u8>)> {
        self.hashes.clear();
        self.bytes = 0;
        self.txs.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(pool: &mut Mempool, tx: &[u8]) -> Result<(), MempoolError> {
        let hash = pool.precheck(tx)?;
        pool.push(hash, tx.to_vec());
        Ok(())
    }

    #[test]
    fn fifo_with_count_and_byte_caps() {
        let mut pool = Mempool::new(10, 1000, 100);
        for i in 0..5u8 {
            add(&mut pool, &[i; 10]).unwrap();
        }
        assert_eq!(pool.reap(2, 1000), vec![vec![0u8; 10], vec![1u8; 10]]);
        assert_eq!(pool.reap(10, 25), vec![vec![2u8; 10], vec![3u8; 10]]);
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.total_bytes(), 10);
    }

    #[test]
    fn refuses_duplicates_oversized_and_overflow() {
        let mut pool = Mempool::new(2, 1000, 100);
        add(&mut pool, b"a").unwrap();
        assert_eq!(add(&mut pool, b"a"), Err(MempoolError::AlreadyInCache));
        assert!(matches!(
            add(&mut pool, &[0; 101]),
            Err(MempoolError::TxTooLarge { .. })
        ));
        add(&mut pool, b"b").unwrap();
        assert!(matches!(
            add(&mut pool, b"c"),
            Err(MempoolError::Full { .. })
        ));
    }
}
