//! The devnet's single validator. Its ed25519 key is derived from a fixed seed, so the
//! validator address, node id and every block id are the same on every machine and restart.
//! It signs real precommit votes, so commits verify like a real chain's.

use sha2::{Digest, Sha256};
use tendermint::block::{self, Commit, CommitSig, Round};
use tendermint::{account, chain, node, validator, vote, PublicKey, Signature, Time};

/// Voting power of the devnet validator (CometBFT's kvstore example uses 10 too).
const VOTING_POWER: u32 = 10;
const SEED_LABEL: &[u8] = b"kumo-devnet/validator/0";

#[derive(Clone)]
pub struct DevnetValidator {
    signing_key: ed25519_consensus::SigningKey,
    public_key: PublicKey,
    address: account::Id,
}

impl std::fmt::Debug for DevnetValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevnetValidator")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Default for DevnetValidator {
    fn default() -> Self {
        Self::fixed()
    }
}

impl DevnetValidator {
    /// The devnet's well-known validator key.
    pub fn fixed() -> Self {
        let seed: [u8; 32] = Sha256::digest(SEED_LABEL).into();
        let signing_key = ed25519_consensus::SigningKey::from(seed);
        let public_key = PublicKey::from_ed25519_consensus(signing_key.verification_key());
        let address = account::Id::from(public_key);
        DevnetValidator {
            signing_key,
            public_key,
            address,
        }
    }

    pub fn address(&self) -> account::Id {
        self.address
    }

    pub fn public_key(&self) -> PublicKey {
        self.public_key
    }

    /// The node id peers would see: derived from the same key, as a single-key devnet node.
    pub fn node_id(&self) -> node::Id {
        let ed = self
            .public_key
            .ed25519()
            .expect("the devnet validator key is ed25519");
        node::Id::from(ed)
    }

    pub fn info(&self) -> validator::Info {
        validator::Info::new(self.public_key, vote::Power::from(VOTING_POWER))
    }

    /// The validator set, the same at every height.
    pub fn set(&self) -> validator::Set {
        let info = self.info();
        validator::Set::new(vec![info.clone()], Some(info))
    }

    /// The commit for `block_id` at `height`: one precommit from this validator, signed over
    /// CometBFT's canonical vote bytes. `timestamp` becomes the next block's time (BFT time
    /// with a single validator is its vote's timestamp).
    pub fn sign_commit(
        &self,
        chain_id: &chain::Id,
        height: block::Height,
        block_id: block::Id,
        timestamp: Time,
    ) -> Commit {
        let vote = tendermint::Vote {
            vote_type: vote::Type::Precommit,
            height,
            round: Round::default(),
            block_id: Some(block_id),
            timestamp: Some(timestamp),
            validator_address: self.address,
            validator_index: vote::ValidatorIndex::try_from(0u32).expect("index 0 is valid"),
            signature: None,
            extension: Vec::new(),
            extension_signature: None,
        };
        let sign_bytes = vote.into_signable_vec(chain_id.clone());
        let signature: Signature = self.signing_key.sign(&sign_bytes).into();
        Commit {
            height,
            round: Round::default(),
            block_id,
            signatures: vec![CommitSig::BlockIdFlagCommit {
                validator_address: self.address,
                timestamp,
                signature: Some(signature),
            }],
        }
    }
}
