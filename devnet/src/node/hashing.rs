//! The hashes a CometBFT block header commits to, computed exactly as CometBFT 0.38 does, so
//! headers and block ids are what a real node would produce for the same contents.

use sha2::{Digest, Sha256};
use tendermint::abci::types::ExecTxResult;
use tendermint::block::{parts, Commit};
use tendermint::merkle::{self, MerkleHash};
use tendermint::{consensus, Block, Hash};
use tendermint_proto::v0_38 as pb;
use tendermint_proto::Protobuf;

/// CometBFT's block part size (`types.BlockPartSizeBytes`).
const BLOCK_PART_SIZE: usize = 65_536;

fn sha256_hash(bytes: &[u8]) -> Hash {
    Hash::Sha256(Sha256::digest(bytes).into())
}

/// Merkle root over arbitrary leaves (RFC 6962 style, CometBFT's `merkle.HashFromByteSlices`).
pub fn merkle_root(leaves: &[impl AsRef<[u8]>]) -> Hash {
    Hash::Sha256(merkle::simple_hash_from_byte_vectors::<Sha256>(leaves))
}

/// The hash of a tx: sha256 of its bytes (what `tx` lookups and `tx.hash` use).
pub fn tx_hash(tx: &[u8]) -> Hash {
    sha256_hash(tx)
}

/// `Header.DataHash`: the merkle root of the txs' hashes (`types.Txs.Hash`).
pub fn data_hash(txs: &[Vec<u8>]) -> Hash {
    let hashes: Vec<[u8; 32]> = txs.iter().map(|tx| Sha256::digest(tx).into()).collect();
    merkle_root(&hashes)
}

/// `Header.LastResultsHash`: the merkle root of the deterministic part of each tx result
/// (code, data, gas wanted, gas used), as `types.NewResults(...).Hash()` does.
pub fn results_hash(results: &[ExecTxResult]) -> Hash {
    use prost::Message;
    let leaves: Vec<Vec<u8>> = results
        .iter()
        .map(|r| {
            pb::abci::ExecTxResult {
                code: r.code.value(),
                data: r.data.clone(),
                gas_wanted: r.gas_wanted,
                gas_used: r.gas_used,
                ..Default::default()
            }
            .encode_to_vec()
        })
        .collect();
    merkle_root(&leaves)
}

/// `Header.LastCommitHash`: the merkle root of the commit's proto-encoded signatures.
pub fn commit_hash(commit: Option<&Commit>) -> Hash {
    use prost::Message;
    let leaves: Vec<Vec<u8>> = commit
        .map(|c| {
            c.signatures
                .iter()
                .map(|sig| pb::types::CommitSig::from(sig.clone()).encode_to_vec())
                .collect()
        })
        .unwrap_or_default();
    merkle_root(&leaves)
}

/// `Header.EvidenceHash` of an empty evidence list.
pub fn empty_hash() -> Hash {
    let none: [&[u8]; 0] = [];
    merkle_root(&none)
}

/// `Header.ConsensusHash`: sha256 of the proto-encoded `HashedParams` (block size and gas only).
pub fn consensus_hash(params: &consensus::Params) -> Hash {
    use prost::Message;
    let hashed = pb::types::HashedParams {
        block_max_bytes: params.block.max_bytes as i64,
        block_max_gas: params.block.max_gas,
    };
    sha256_hash(&hashed.encode_to_vec())
}

/// The part set header of a block: the block's protobuf bytes split into 64 KiB parts, and the
/// merkle root of the parts.
pub fn part_set_header(block: &Block) -> (parts::Header, usize) {
    let bytes = Protobuf::<pb::types::Block>::encode_vec(block.clone());
    let chunks: Vec<&[u8]> = if bytes.is_empty() {
        vec![&[][..]]
    } else {
        bytes.chunks(BLOCK_PART_SIZE).collect()
    };
    let header = parts::Header::new(chunks.len() as u32, merkle_root(&chunks))
        .expect("a sha256 part set hash with at least one part is valid");
    (header, bytes.len())
}

/// The inclusion proof of tx `index` among `txs`, as `types.Txs.Proof` builds it: the leaves
/// are the txs' hashes.
pub fn tx_proof(txs: &[Vec<u8>], index: usize) -> Option<tendermint::tx::Proof> {
    let tx = txs.get(index)?;
    let leaves: Vec<[u8; 32]> = txs.iter().map(|tx| Sha256::digest(tx).into()).collect();
    let (root, leaf_hash, aunts) = merkle_proof(&leaves, index);
    Some(tendermint::tx::Proof {
        root_hash: Hash::Sha256(root),
        data: tx.clone(),
        proof: merkle::Proof {
            total: leaves.len() as u64,
            index: index as u64,
            leaf_hash: Hash::Sha256(leaf_hash),
            aunts: aunts.into_iter().map(Hash::Sha256).collect(),
        },
    })
}

/// Returns (root, leaf hash, aunts from the leaf's sibling upwards), as CometBFT's
/// `merkle.ProofsFromByteSlices` orders them.
fn merkle_proof(leaves: &[[u8; 32]], index: usize) -> ([u8; 32], [u8; 32], Vec<[u8; 32]>) {
    let mut hasher = Sha256::new();
    if leaves.len() == 1 {
        let leaf = hasher.leaf_hash(&leaves[0]);
        return (leaf, leaf, Vec::new());
    }
    let split = leaves.len().next_power_of_two() / 2;
    let (left, right) = leaves.split_at(split);
    if index < split {
        let (left_root, leaf, mut aunts) = merkle_proof(left, index);
        let right_root = merkle::simple_hash_from_byte_vectors::<Sha256>(right);
        aunts.push(right_root);
        (hasher.inner_hash(left_root, right_root), leaf, aunts)
    } else {
        let (right_root, leaf, mut aunts) = merkle_proof(right, index - split);
        let left_root = merkle::simple_hash_from_byte_vectors::<Sha256>(left);
        aunts.push(left_root);
        (hasher.inner_hash(left_root, right_root), leaf, aunts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_merkle_root_is_sha256_of_nothing() {
        assert_eq!(
            empty_hash().to_string(),
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        );
    }

    #[test]
    fn tx_proofs_reproduce_the_data_hash_for_every_index() {
        for n in 1..=9usize {
            let txs: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; 3]).collect();
            let root = data_hash(&txs);
            for i in 0..n {
                let proof = tx_proof(&txs, i).unwrap();
                assert_eq!(proof.root_hash, root, "n={n} i={i}");
                // Recompute the root from the leaf and aunts, as a verifier would.
                let mut hasher = Sha256::new();
                let leaf = match proof.proof.leaf_hash {
                    Hash::Sha256(h) => h,
                    Hash::None => unreachable!(),
                };
                let aunts: Vec<[u8; 32]> = proof
                    .proof
                    .aunts
                    .iter()
                    .map(|a| match a {
                        Hash::Sha256(h) => *h,
                        Hash::None => unreachable!(),
                    })
                    .collect();
                assert_eq!(
                    verify(&mut hasher, i, n, leaf, &aunts),
                    Some(match root {
                        Hash::Sha256(h) => h,
                        Hash::None => unreachable!(),
                    })
                );
            }
        }
    }

    // CometBFT's computeHashFromAunts.
    fn verify(
        h: &mut Sha256,
        index: usize,
        total: usize,
        leaf: [u8; 32],
        aunts: &[[u8; 32]],
    ) -> Option<[u8; 32]> {
        if total == 1 {
            return aunts.is_empty().then_some(leaf);
        }
        let (last, rest) = aunts.split_last()?;
        let split = total.next_power_of_two() / 2;
        if index < split {
            let left = verify(h, index, split, leaf, rest)?;
            Some(h.inner_hash(left, *last))
        } else {
            let right = verify(h, index - split, total - split, leaf, rest)?;
            Some(h.inner_hash(*last, right))
        }
    }
}
