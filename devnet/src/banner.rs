//! What `kumo-devnet` prints at start, like anvil: where to connect, the chain, the funded dev
//! accounts with their keys and mnemonic, and the contracts deployed at genesis.

use std::fmt;
use std::path::PathBuf;

/// One funded dev account as printed.
#[derive(Debug, Clone)]
pub struct BannerAccount {
    pub name: String,
    pub address: String,
    pub private_key_hex: String,
    pub balance: String,
}

#[derive(Debug, Clone)]
pub struct Banner {
    pub rpc_url: String,
    pub websocket_url: String,
    pub chain_id: String,
    pub home: Option<PathBuf>,
    /// "1s", "0.1s" or "on demand".
    pub block_time: String,
    pub height: u64,
    /// The genesis profile, when not the default.
    pub profile: Option<String>,
    pub mnemonic: String,
    pub hd_path: String,
    pub accounts: Vec<BannerAccount>,
    /// (label, address)
    pub contracts: Vec<(String, String)>,
}

impl fmt::Display for Banner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f)?;
        writeln!(f, "                 kumo devnet")?;
        writeln!(f, "  an embedded CosmWasm chain speaking CometBFT RPC")?;
        writeln!(f)?;
        writeln!(f, "Available Accounts")?;
        writeln!(f, "==================")?;
        for (i, a) in self.accounts.iter().enumerate() {
            writeln!(f, "({i}) {} ({}, {})", a.address, a.name, a.balance)?;
        }
        writeln!(f)?;
        writeln!(f, "Private Keys (secp256k1, hex)")?;
        writeln!(f, "=============================")?;
        for (i, a) in self.accounts.iter().enumerate() {
            writeln!(f, "({i}) {}", a.private_key_hex)?;
        }
        writeln!(f)?;
        writeln!(f, "Wallet")?;
        writeln!(f, "==================")?;
        writeln!(f, "Mnemonic:          {}", self.mnemonic)?;
        writeln!(f, "Derivation path:   {}", self.hd_path)?;
        writeln!(
            f,
            "(dev only: anyone can spend these keys; never fund them on a real chain)"
        )?;
        writeln!(f)?;
        if !self.contracts.is_empty() {
            writeln!(f, "Contracts")?;
            writeln!(f, "==================")?;
            for (label, address) in &self.contracts {
                writeln!(f, "{label:<12} {address}")?;
            }
            writeln!(f)?;
        }
        writeln!(f, "Chain ID:          {}", self.chain_id)?;
        writeln!(f, "Block time:        {}", self.block_time)?;
        writeln!(f, "Height:            {}", self.height)?;
        if let Some(profile) = &self.profile {
            writeln!(f, "Genesis profile:   {profile}")?;
        }
        match &self.home {
            Some(home) => writeln!(f, "Home:              {}", home.display())?,
            None => writeln!(f, "Home:              (in memory)")?,
        }
        writeln!(f, "WebSocket:         {}", self.websocket_url)?;
        writeln!(f)?;
        writeln!(f, "Listening on {}", self.rpc_url)
    }
}
