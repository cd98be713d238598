//! The daemon's Prometheus metrics, served as text by the gateway's `GET /metrics`.
//!
//! [`Metrics`] owns its own [`prometheus::Registry`] (no global state, so tests can make as many
//! as they like) and is cheap to clone: every handle shares the same series. The daemon's
//! tasks update the fields directly, e.g. `metrics.bids_placed.inc()`,
//! `metrics.tx_failures.with_label_values(&["bid"]).inc()`,
//! `metrics.gpu_utilization.with_label_values(&[uuid, model]).set(87.0)`.

use prometheus::{
    Encoder, Gauge, GaugeVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// Every metric name starts with this.
pub const NAMESPACE: &str = "kumo_provider";

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Open orders the watcher saw (matching or not).
    pub orders_seen: IntCounter,
    /// Bids sent to the market (included in a block).
    pub bids_placed: IntCounter,
    /// Bids that became leases.
    pub bids_won: IntCounter,
    /// Bids that lost, or were closed before a lease.
    pub bids_lost: IntCounter,
    /// Leases this provider runs now.
    pub leases_active: IntGauge,
    /// GPUs allocated to leases or held for open bids.
    pub gpus_allocated: IntGauge,
    /// GPUs free for new bids.
    pub gpus_free: IntGauge,
    /// Per-GPU utilization in percent, labelled `uuid` and `model`.
    pub gpu_utilization: GaugeVec,
    /// Successful lease withdrawals.
    pub withdrawals: IntCounter,
    /// Amount withdrawn, in the pricing denom's base unit (a float: totals can exceed 2^63).
    pub withdrawn_amount: Gauge,
    /// Transactions that failed (simulation, check, or delivery), labelled by `kind`: bid,
    /// close_bid, withdraw, close_lease, other.
    pub tx_failures: IntCounterVec,
    /// Chain height minus the last height the watcher processed.
    pub watcher_lag_blocks: IntGauge,
    /// The last height the watcher processed.
    pub watcher_height: IntGauge,
    /// Manifests the gateway accepted.
    pub manifests_accepted: IntCounter,
    /// Gateway responses by `endpoint` (status, manifest, lease_status, lease_logs, metrics)
    /// and HTTP `status` code.
    pub gateway_requests: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let opts = |name: &str, help: &str| Opts::new(name, help).namespace(NAMESPACE);
        // Registration fails only on duplicate or malformed names, which are constants here.
        fn reg<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, m: M) -> M {
            registry
                .register(Box::new(m.clone()))
                .expect("metric names are unique constants");
            m
        }
        let counter = |name: &str, help: &str| {
            reg(
                &registry,
                IntCounter::with_opts(opts(name, help)).expect("valid metric"),
            )
        };
        let gauge = |name: &str, help: &str| {
            reg(
                &registry,
                IntGauge::with_opts(opts(name, help)).expect("valid metric"),
            )
        };
        Metrics {
            orders_seen: counter("orders_seen_total", "Open orders seen on chain"),
            bids_placed: counter("bids_placed_total", "Bids placed on the market"),
            bids_won: counter("bids_won_total", "Bids that became leases"),
            bids_lost: counter("bids_lost_total", "Bids lost or closed without a lease"),
            leases_active: gauge("leases_active", "Leases running on this provider"),
            gpus_allocated: gauge(
                "gpus_allocated",
                "GPUs allocated to leases or held for open bids",
            ),
            gpus_free: gauge("gpus_free", "GPUs free for new bids"),
            gpu_utilization: reg(
                &registry,
                GaugeVec::new(
                    opts("gpu_utilization_percent", "GPU utilization in percent"),
                    &["uuid", "model"],
                )
                .expect("valid metric"),
            ),
            withdrawals: counter("withdrawals_total", "Successful lease withdrawals"),
            withdrawn_amount: reg(
                &registry,
                Gauge::with_opts(opts(
                    "withdrawn_amount",
                    "Amount withdrawn since start, in the pricing denom's base unit",
                ))
                .expect("valid metric"),
            ),
            tx_failures: reg(
                &registry,
                IntCounterVec::new(
                    opts("tx_failures_total", "Failed transactions by kind"),
                    &["kind"],
                )
                .expect("valid metric"),
            ),
            watcher_lag_blocks: gauge(
                "watcher_lag_blocks",
                "Chain height minus the last height the watcher processed",
            ),
            watcher_height: gauge("watcher_height", "Last height the watcher processed"),
            manifests_accepted: counter("manifests_accepted_total", "Manifests accepted"),
            gateway_requests: reg(
                &registry,
                IntCounterVec::new(
                    opts(
                        "gateway_requests_total",
                        "Gateway responses by endpoint and status",
                    ),
                    &["endpoint", "status"],
                )
                .expect("valid metric"),
            ),
            registry,
        }
    }

    /// The registry, for callers that add their own collectors.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Prometheus text exposition format (version 0.0.4).
    pub fn encode(&self) -> String {
        encode_registry(&self.registry)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// The content type of [`Metrics::encode`]'s output.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Encodes any registry in the text format.
pub fn encode_registry(registry: &Registry) -> String {
    let mut buf = Vec::new();
    // The text encoder fails only on a writer error, and a Vec never fails.
    TextEncoder::new()
        .encode(&registry.gather(), &mut buf)
        .expect("text encoding into a Vec");
    String::from_utf8(buf).expect("the text format is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_exposed() {
        let m = Metrics::new();
        m.orders_seen.inc();
        m.bids_placed.inc_by(3);
        m.bids_won.inc();
        m.bids_lost.inc();
        m.leases_active.set(2);
        m.gpus_allocated.set(3);
        m.gpus_free.set(5);
        m.gpu_utilization
            .with_label_values(&["GPU-0", "h100"])
            .set(87.5);
        m.withdrawals.inc();
        m.withdrawn_amount.add(1234.0);
        m.tx_failures.with_label_values(&["bid"]).inc();
        m.watcher_lag_blocks.set(4);
        m.watcher_height.set(100);
        m.manifests_accepted.inc();
        m.gateway_requests
            .with_label_values(&["status", "200"])
            .inc();
        let text = m.encode();
        for line in [
            "kumo_provider_orders_seen_total 1",
            "kumo_provider_bids_placed_total 3",
            "kumo_provider_bids_won_total 1",
            "kumo_provider_bids_lost_total 1",
            "kumo_provider_leases_active 2",
            "kumo_provider_gpus_allocated 3",
            "kumo_provider_gpus_free 5",
            "kumo_provider_gpu_utilization_percent{model=\"h100\",uuid=\"GPU-0\"} 87.5",
            "kumo_provider_withdrawals_total 1",
            "kumo_provider_withdrawn_amount 1234",
            "kumo_provider_tx_failures_total{kind=\"bid\"} 1",
            "kumo_provider_watcher_lag_blocks 4",
            "kumo_provider_watcher_height 100",
            "kumo_provider_manifests_accepted_total 1",
            "kumo_provider_gateway_requests_total{endpoint=\"status\",status=\"200\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        assert!(text.contains("# TYPE kumo_provider_bids_placed_total counter"));
        assert!(text.contains("# HELP kumo_provider_leases_active "));
    }

    #[test]
    fn clones_share_series_and_registries_are_independent() {
        let a = Metrics::new();
        let b = a.clone();
        b.bids_won.inc();
        assert_eq!(a.bids_won.get(), 1);
        assert_eq!(Metrics::new().bids_won.get(), 0);
    }
}
