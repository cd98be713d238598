//! Property tests over tx decoding: random bytes and mutations of valid signed txs never panic
//! the application, always end in a clean error code, and never change the state.

use std::sync::{Mutex, OnceLock};

use crate::app_support::{sign, TestChain};
use kumo_devnet::abci::Application;
use proptest::prelude::*;

struct Fixture {
    chain: TestChain,
    valid: Vec<u8>,
}

fn fixture() -> &'static Mutex<Fixture> {
    static FIXTURE: OnceLock<Mutex<Fixture>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let chain = TestChain::new();
        let bob = chain.addr(1);
        let send = chain.send(0, &bob, 1);
        let spec = chain.spec(0, vec![send]);
        let valid = sign(&chain.accounts[0].signing_key(), &spec);
        Mutex::new(Fixture { chain, valid })
    })
}

/// SDK codes a malformed or tampered tx may get.
const CLEAN_CODES: &[u32] = &[
    2, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15, 18, 29, 30, 31, 32, 37, 41,
];

fn assert_clean_rejection(fixture: &mut Fixture, tx: &[u8]) {
    let hash_before = fixture.chain.app.last_app_hash().to_vec();
    let check = fixture.chain.app.check_tx(tx);
    if tx == fixture.valid.as_slice() {
        return;
    }
    assert!(
        CLEAN_CODES.contains(&check.code.value()),
        "check_tx code {} ({}) for {:02x?}",
        check.code.value(),
        check.log,
        tx
    );
    let height = fixture.chain.height + 1;
    let block = fixture.chain.block_context(height);
    let result = fixture.chain.app.finalize_block(&block, &[tx.to_vec()]);
    let code = result.tx_results[0].code.value();
    assert!(
        CLEAN_CODES.contains(&code),
        "finalize code {code}: {}",
        result.tx_results[0].log
    );
    // Not committed: the next case starts from the same state.
    assert_eq!(result.app_hash.as_bytes(), hash_before.as_slice());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_are_rejected_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut fixture = fixture().lock().unwrap_or_else(|e| e.into_inner());
        assert_clean_rejection(&mut fixture, &bytes);
    }

    #[test]
    fn mutated_valid_txs_are_rejected_cleanly(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6)
    ) {
        let mut fixture = fixture().lock().unwrap_or_else(|e| e.into_inner());
        let mut tx = fixture.valid.clone();
        for (index, byte, kind) in edits {
            if tx.is_empty() {
                break;
            }
            let at = index.index(tx.len());
            match kind {
                0 => tx[at] ^= byte.max(1),
                1 => tx.insert(at, byte),
                _ => { tx.remove(at); }
            }
        }
        assert_clean_rejection(&mut fixture, &tx);
    }
}
