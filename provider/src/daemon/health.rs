//! The watcher's health: when it last finished a block, and whether that is recent enough. An
//! RPC node that restarts, hangs or forks off must show up here (and in the logs and metrics)
//! within a few block times, never as hours of silently missed orders.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthSnapshot {
    /// The last height fully processed (0 before the first).
    pub height: u64,
    pub since_last_block: Duration,
    pub healthy: bool,
}

#[derive(Debug)]
struct State {
    height: u64,
    last_block_at: Instant,
    healthy: bool,
}

/// Shared between the watcher (which reports blocks) and whoever asks (status, metrics).
#[derive(Debug, Clone)]
pub struct WatcherHealth {
    state: Arc<Mutex<State>>,
    unhealthy_after: Duration,
}

/// A change of health worth a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    BecameUnhealthy,
    Recovered,
}

impl WatcherHealth {
    pub fn new(unhealthy_after: Duration) -> Self {
        WatcherHealth {
            state: Arc::new(Mutex::new(State {
                height: 0,
                last_block_at: Instant::now(),
                healthy: true,
            })),
            unhealthy_after,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A block was processed.
    pub fn block_done(&self, height: u64) -> Option<Transition> {
        self.block_done_at(height, Instant::now())
    }

    fn block_done_at(&self, height: u64, now: Instant) -> Option<Transition> {
        let mut s = self.lock();
        s.height = height;
        s.last_block_at = now;
        let was = s.healthy;
        s.healthy = true;
        (!was).then_some(Transition::Recovered)
    }

    /// Re-evaluates against the clock; says when health changed.
    pub fn check(&self) -> Option<Transition> {
        self.check_at(Instant::now())
    }

    fn check_at(&self, now: Instant) -> Option<Transition> {
        let mut s = self.lock();
        let healthy = now.saturating_duration_since(s.last_block_at) <= self.unhealthy_after;
        let changed = healthy != s.healthy;
        s.healthy = healthy;
        match (changed, healthy) {
            (true, false) => Some(Transition::BecameUnhealthy),
            (true, true) => Some(Transition::Recovered),
            _ => None,
        }
    }

    pub fn snapshot(&self) -> HealthSnapshot {
        let s = self.lock();
        HealthSnapshot {
            height: s.height,
            since_last_block: s.last_block_at.elapsed(),
            healthy: s.healthy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unhealthy_without_blocks_and_recovers_on_the_next() {
        let h = WatcherHealth::new(Duration::from_secs(30));
        let t0 = Instant::now();
        assert_eq!(h.block_done_at(5, t0), None);
        assert_eq!(h.check_at(t0 + Duration::from_secs(29)), None);
        assert_eq!(
            h.check_at(t0 + Duration::from_secs(31)),
            Some(Transition::BecameUnhealthy)
        );
        assert_eq!(h.check_at(t0 + Duration::from_secs(40)), None);
        assert!(!h.snapshot().healthy);
        assert_eq!(
            h.block_done_at(6, t0 + Duration::from_secs(41)),
            Some(Transition::Recovered)
        );
        let s = h.snapshot();
        assert!(s.healthy);
        assert_eq!(s.height, 6);
    }
}
