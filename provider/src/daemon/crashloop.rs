//! When a lease's containers keep crashing: Docker restarts a crashed container itself (restart
//! policy `unless-stopped`, with its own growing delay); the provider recreates containers that
//! are gone or stopped for good, with a doubling backoff; and only a sustained crash loop —
//! more than `max_restarts` restarts within `window` — makes the lease unstable, so a brief
//! blip never closes a lease. Pure: time is passed in, so the policy is unit-tested.

use std::collections::VecDeque;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashLoopPolicy {
    /// Restarts (Docker's and the provider's) tolerated within `window`.
    pub max_restarts: u32,
    pub window: Duration,
    /// First wait before recreating containers that are not running; doubles up to
    /// `backoff_max`.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

impl Default for CrashLoopPolicy {
    fn default() -> Self {
        CrashLoopPolicy {
            max_restarts: 5,
            window: Duration::from_secs(10 * 60),
            backoff_initial: Duration::from_secs(5),
            backoff_max: Duration::from_secs(5 * 60),
        }
    }
}

/// What the runtime reported for one lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// Sum of Docker's restart counts over the lease's containers.
    pub restarts: u64,
    /// Containers running.
    pub running: usize,
    /// Containers the manifest asks for.
    pub expected: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything runs.
    Healthy,
    /// Something is down; Docker may bring it back, or the backoff has not passed yet.
    Waiting,
    /// Recreate the lease's containers now.
    Redeploy,
    /// A sustained crash loop: close the lease with reason `unstable`.
    Unstable { restarts: usize },
}

/// One lease's restart history.
#[derive(Debug, Clone, Default)]
pub struct CrashTracker {
    /// When each restart was seen (time since an arbitrary origin).
    restarts_at: VecDeque<Duration>,
    /// Docker's restart total at the last observation; `None` after containers were recreated.
    last_total: Option<u64>,
    /// When the current outage may be answered with a redeploy.
    redeploy_at: Option<Duration>,
    backoff: Option<Duration>,
}

impl CrashTracker {
    pub fn observe(
        &mut self,
        policy: &CrashLoopPolicy,
        now: Duration,
        obs: Observation,
    ) -> Verdict {
        let new_restarts = match self.last_total {
            Some(last) if obs.restarts >= last => obs.restarts - last,
            // First look, or fewer restarts than before (containers were recreated).
            _ => 0,
        };
        self.last_total = Some(obs.restarts);
        for _ in 0..new_restarts.min(u64::from(policy.max_restarts) + 1) {
            self.restarts_at.push_back(now);
        }
        self.prune(policy, now);
        if self.restarts_at.len() > policy.max_restarts as usize {
            return Verdict::Unstable {
                restarts: self.restarts_at.len(),
            };
        }
        if obs.expected > 0 && obs.running >= obs.expected {
            self.redeploy_at = None;
            if new_restarts == 0 {
                // Healthy for a whole check: the next outage starts from the initial backoff.
                self.backoff = None;
            }
            return Verdict::Healthy;
        }
        let backoff = self.backoff.unwrap_or(policy.backoff_initial);
        match self.redeploy_at {
            None => {
                self.redeploy_at = Some(now + backoff);
                Verdict::Waiting
            }
            Some(at) if now < at => Verdict::Waiting,
            Some(_) => {
                // A redeploy is a restart too: a lease that only runs when recreated loops.
                self.restarts_at.push_back(now);
                self.redeploy_at = None;
                self.last_total = None;
                self.backoff = Some((backoff * 2).min(policy.backoff_max));
                if self.restarts_at.len() > policy.max_restarts as usize {
                    return Verdict::Unstable {
                        restarts: self.restarts_at.len(),
                    };
                }
                Verdict::Redeploy
            }
        }
    }

    /// The containers were recreated outside [`observe`](Self::observe) (a new manifest):
    /// Docker's restart counts start again from zero.
    pub fn reset_counts(&mut self) {
        self.last_total = None;
        self.redeploy_at = None;
    }

    fn prune(&mut self, policy: &CrashLoopPolicy, now: Duration) {
        while let Some(first) = self.restarts_at.front() {
            if now.saturating_sub(*first) > policy.window {
                self.restarts_at.pop_front();
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> CrashLoopPolicy {
        CrashLoopPolicy {
            max_restarts: 3,
            window: Duration::from_secs(60),
            backoff_initial: Duration::from_secs(2),
            backoff_max: Duration::from_secs(8),
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn obs(restarts: u64, running: usize) -> Observation {
        Observation {
            restarts,
            running,
            expected: 1,
        }
    }

    #[test]
    fn a_brief_blip_does_not_close_the_lease() {
        let p = policy();
        let mut t = CrashTracker::default();
        assert_eq!(t.observe(&p, secs(0), obs(0, 1)), Verdict::Healthy);
        // One crash, restarted by Docker.
        assert_eq!(t.observe(&p, secs(5), obs(1, 1)), Verdict::Healthy);
        assert_eq!(t.observe(&p, secs(10), obs(1, 1)), Verdict::Healthy);
        // Two more crashes much later: the first fell out of the window.
        assert_eq!(t.observe(&p, secs(100), obs(3, 1)), Verdict::Healthy);
        assert_eq!(t.observe(&p, secs(200), obs(3, 1)), Verdict::Healthy);
    }

    #[test]
    fn a_sustained_crash_loop_is_unstable() {
        let p = policy();
        let mut t = CrashTracker::default();
        assert_eq!(t.observe(&p, secs(0), obs(0, 1)), Verdict::Healthy);
        assert_eq!(t.observe(&p, secs(10), obs(2, 1)), Verdict::Healthy);
        assert_eq!(t.observe(&p, secs(20), obs(3, 0)), Verdict::Waiting);
        assert_eq!(
            t.observe(&p, secs(30), obs(4, 1)),
            Verdict::Unstable { restarts: 4 }
        );
    }

    #[test]
    fn the_first_observation_is_a_baseline() {
        // A provider restarted next to containers that restarted before: no history yet.
        let p = policy();
        let mut t = CrashTracker::default();
        assert_eq!(t.observe(&p, secs(0), obs(50, 1)), Verdict::Healthy);
        assert_eq!(t.observe(&p, secs(5), obs(51, 1)), Verdict::Healthy);
    }

    #[test]
    fn stopped_containers_are_recreated_with_doubling_backoff() {
        let p = policy();
        let mut t = CrashTracker::default();
        assert_eq!(t.observe(&p, secs(0), obs(0, 0)), Verdict::Waiting);
        assert_eq!(t.observe(&p, secs(1), obs(0, 0)), Verdict::Waiting);
        assert_eq!(t.observe(&p, secs(2), obs(0, 0)), Verdict::Redeploy);
        // Still down after the redeploy: now the wait is 4 s.
        assert_eq!(t.observe(&p, secs(3), obs(0, 0)), Verdict::Waiting);
        assert_eq!(t.observe(&p, secs(6), obs(0, 0)), Verdict::Waiting);
        assert_eq!(t.observe(&p, secs(7), obs(0, 0)), Verdict::Redeploy);
        // Running again for a whole check resets the backoff.
        assert_eq!(t.observe(&p, secs(8), obs(0, 1)), Verdict::Healthy);
        assert_eq!(t.observe(&p, secs(30), obs(0, 0)), Verdict::Waiting);
        assert_eq!(t.observe(&p, secs(32), obs(0, 0)), Verdict::Redeploy);
    }

    #[test]
    fn redeploys_count_towards_the_loop() {
        let p = policy();
        let mut t = CrashTracker::default();
        let verdicts: Vec<Verdict> = (0..40)
            .map(|now| t.observe(&p, secs(now), obs(0, 0)))
            .collect();
        let redeploys = verdicts.iter().filter(|v| **v == Verdict::Redeploy).count();
        assert_eq!(redeploys, 3, "{verdicts:?}");
        assert!(verdicts.contains(&Verdict::Unstable { restarts: 4 }));
    }

    #[test]
    fn backoff_is_capped() {
        let p = policy();
        let mut t = CrashTracker {
            backoff: Some(secs(8)),
            ..CrashTracker::default()
        };
        assert_eq!(t.observe(&p, secs(0), obs(0, 0)), Verdict::Waiting);
        assert_eq!(t.observe(&p, secs(8), obs(0, 0)), Verdict::Redeploy);
        assert_eq!(t.backoff, Some(secs(8)));
    }
}
