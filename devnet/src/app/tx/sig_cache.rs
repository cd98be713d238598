//! Signatures already verified: `check_tx` verifies a tx when it enters the mempool, and the
//! same tx in a block would verify the same signature over the same bytes with the same key
//! again. Verification is a pure function of (sign bytes, key, signature), so its result is
//! memoized under their hash; gas is charged as if it ran.

use std::collections::HashSet;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Bounds memory: the set is cleared when it grows past this (a miss only costs a verify).
const MAX_ENTRIES: usize = 200_000;

#[derive(Default)]
pub struct SignatureCache {
    verified: Mutex<HashSet<[u8; 32]>>,
}

fn key(sign_bytes: &[u8], pub_key: &[u8], signature: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in [sign_bytes, pub_key, signature] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

impl SignatureCache {
    /// `verify(sign_bytes, pub_key, signature)`, skipped when this exact triple verified before.
    pub fn verify(
        &self,
        sign_bytes: &[u8],
        pub_key: &[u8],
        signature: &[u8],
        verify: impl FnOnce() -> bool,
    ) -> bool {
        let key = key(sign_bytes, pub_key, signature);
        if self.lock().contains(&key) {
            return true;
        }
        let ok = verify();
        if ok {
            let mut verified = self.lock();
            if verified.len() >= MAX_ENTRIES {
                verified.clear();
            }
            verified.insert(key);
        }
        ok
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<[u8; 32]>> {
        self.verified.lock().unwrap_or_else(|e| e.into_inner())
    }
}
