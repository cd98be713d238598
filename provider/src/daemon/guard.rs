//! The bid-storm guard: every bid costs a fee and a deposit, so a tenant who posts (and closes)
//! orders in a loop must not be able to make the provider spend without bound. Two limits:
//! bids per tenant per hour (sliding window), and open bids overall.

use std::collections::{HashMap, VecDeque};

const HOUR_SECS: u64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardRefusal {
    #[error(
        "tenant {tenant} already got {limit} bids in the last hour (limits.tenant_bids_per_hour)"
    )]
    TenantRate { tenant: String, limit: u32 },
    #[error("{open} bids are open, the most allowed (limits.max_open_bids)")]
    MaxOpenBids { open: usize },
}

#[derive(Debug, Clone)]
pub struct BidGuard {
    tenant_bids_per_hour: u32,
    max_open_bids: u32,
    /// Per tenant, when each bid of the last hour was admitted (unix seconds).
    recent: HashMap<String, VecDeque<u64>>,
}

impl BidGuard {
    pub fn new(tenant_bids_per_hour: u32, max_open_bids: u32) -> Self {
        BidGuard {
            tenant_bids_per_hour,
            max_open_bids,
            recent: HashMap::new(),
        }
    }

    /// Admits one more bid for `tenant` when `open_bids` are open now (including bids admitted
    /// but not yet sent), and counts it.
    pub fn admit(&mut self, tenant: &str, open_bids: usize, now: u64) -> Result<(), GuardRefusal> {
        if open_bids >= self.max_open_bids as usize {
            return Err(GuardRefusal::MaxOpenBids { open: open_bids });
        }
        let times = self.recent.entry(tenant.to_string()).or_default();
        while times
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= HOUR_SECS)
        {
            times.pop_front();
        }
        if times.len() >= self.tenant_bids_per_hour as usize {
            return Err(GuardRefusal::TenantRate {
                tenant: tenant.to_string(),
                limit: self.tenant_bids_per_hour,
            });
        }
        times.push_back(now);
        Ok(())
    }

    /// Forgets tenants with no bid in the last hour (keeps the map bounded).
    pub fn prune(&mut self, now: u64) {
        self.recent.retain(|_, times| {
            times
                .back()
                .is_some_and(|t| now.saturating_sub(*t) < HOUR_SECS)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_are_limited_per_hour_each() {
        let mut g = BidGuard::new(2, 100);
        assert!(g.admit("a", 0, 1000).is_ok());
        assert!(g.admit("a", 1, 1001).is_ok());
        assert_eq!(
            g.admit("a", 2, 1002),
            Err(GuardRefusal::TenantRate {
                tenant: "a".into(),
                limit: 2
            })
        );
        // Another tenant is not affected.
        assert!(g.admit("b", 2, 1002).is_ok());
        // An hour after the first bid, one slot is free again.
        assert!(g.admit("a", 3, 1000 + HOUR_SECS - 1).is_err());
        assert!(g.admit("a", 3, 1000 + HOUR_SECS).is_ok());
        assert!(g.admit("a", 4, 1000 + HOUR_SECS).is_err());
    }

    #[test]
    fn open_bids_are_capped() {
        let mut g = BidGuard::new(100, 3);
        assert!(g.admit("a", 2, 0).is_ok());
        assert_eq!(
            g.admit("b", 3, 0),
            Err(GuardRefusal::MaxOpenBids { open: 3 })
        );
        // A refusal for the cap does not use up the tenant's allowance.
        let mut g = BidGuard::new(1, 1);
        assert!(g.admit("a", 1, 0).is_err());
        assert!(g.admit("a", 0, 0).is_ok());
    }

    #[test]
    fn prune_forgets_quiet_tenants() {
        let mut g = BidGuard::new(1, 10);
        g.admit("a", 0, 0).unwrap();
        g.admit("b", 0, 3000).unwrap();
        g.prune(HOUR_SECS + 1);
        assert_eq!(g.recent.len(), 1);
        assert!(g.admit("a", 0, HOUR_SECS + 1).is_ok());
    }
}
