//! Knobs of the daemon that are not part of provider.yaml: intervals of its loops and the
//! policies' thresholds. The defaults suit a real chain (6 s blocks); tests shorten them.

use std::time::Duration;

use super::crashloop::CrashLoopPolicy;

#[derive(Debug, Clone)]
pub struct DaemonOptions {
    /// `--sync-registry`: update the on-chain registration (attributes, certificate
    /// fingerprint) when it differs from the configuration, instead of refusing to start.
    pub sync_registry: bool,
    /// The chain's expected block time; the watcher is unhealthy after
    /// `unhealthy_after_blocks` of these without a block.
    pub block_time: Duration,
    pub unhealthy_after_blocks: u32,
    /// At first start (no persisted height): most pages of open orders read to catch up.
    pub catch_up_max_pages: u32,
    /// How often open bids are checked against `timeouts.bid`, and leases against
    /// `timeouts.manifest`.
    pub sweep_interval: Duration,
    /// How often running leases are checked (crash loops, missing containers).
    pub monitor_interval: Duration,
    pub crash_loop: CrashLoopPolicy,
    /// How often the escrow of every lease is checked.
    pub escrow_check_interval: Duration,
    /// Withdraw a lease early when its escrow pays for at most this many more blocks.
    pub escrow_low_blocks: u64,
    /// SIGTERM-to-SIGKILL grace when stopping containers.
    pub stop_grace: Duration,
    /// The gateway certificate's fingerprint (sha256 of its DER, lowercase hex), compared with
    /// the registry's at startup. `None` skips the check (no gateway in this process).
    pub tls_fingerprint: Option<String>,
}

impl Default for DaemonOptions {
    fn default() -> Self {
        DaemonOptions {
            sync_registry: false,
            block_time: Duration::from_secs(6),
            unhealthy_after_blocks: 10,
            catch_up_max_pages: 50,
            sweep_interval: Duration::from_secs(15),
            monitor_interval: Duration::from_secs(10),
            crash_loop: CrashLoopPolicy::default(),
            escrow_check_interval: Duration::from_secs(60),
            escrow_low_blocks: 100,
            stop_grace: Duration::from_secs(10),
            tls_fingerprint: None,
        }
    }
}

impl DaemonOptions {
    /// How long without a block before the watcher reports itself unhealthy.
    pub fn unhealthy_after(&self) -> Duration {
        self.block_time * self.unhealthy_after_blocks.max(1)
    }
}
