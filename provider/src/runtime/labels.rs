//! Docker labels and names for a lease's containers, volumes and network. Labels carry the
//! full lease id so that a restarted provider finds what it started (reconciliation) without
//! any local state.

use std::collections::HashMap;

use cosmwasm_std::Addr;
use kumo_types::ids::LeaseId;
use sha2::{Digest, Sha256};

/// On everything the provider creates; listing by it finds all of it.
pub const MANAGED: &str = "kumo.managed";
/// The lease id as `owner/dseq/gseq/oseq/provider`, for exact filtering.
pub const LEASE: &str = "kumo.lease";
pub const OWNER: &str = "kumo.lease.owner";
pub const DSEQ: &str = "kumo.lease.dseq";
pub const GSEQ: &str = "kumo.lease.gseq";
pub const OSEQ: &str = "kumo.lease.oseq";
pub const PROVIDER: &str = "kumo.lease.provider";
pub const SERVICE: &str = "kumo.service";
pub const REPLICA: &str = "kumo.replica";

/// Labels that identify the lease.
pub fn lease_labels(lease: &LeaseId) -> HashMap<String, String> {
    HashMap::from([
        (MANAGED.to_string(), "true".to_string()),
        (LEASE.to_string(), lease.to_string()),
        (OWNER.to_string(), lease.owner.to_string()),
        (DSEQ.to_string(), lease.dseq.to_string()),
        (GSEQ.to_string(), lease.gseq.to_string()),
        (OSEQ.to_string(), lease.oseq.to_string()),
        (PROVIDER.to_string(), lease.provider.to_string()),
    ])
}

/// Docker's label filter that selects one lease's objects.
pub fn lease_filter(lease: &LeaseId) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{MANAGED}=true"), format!("{LEASE}={lease}")],
    )])
}

/// Docker's label filter that selects everything the provider manages.
pub fn managed_filter() -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), vec![format!("{MANAGED}=true")])])
}

/// The lease id back from labels; `None` when any part is missing or malformed (something
/// else wearing our labels, which reconciliation reports rather than trusts).
pub fn lease_from_labels(labels: &HashMap<String, String>) -> Option<LeaseId> {
    let get = |k: &str| labels.get(k).filter(|v| !v.is_empty());
    let id = LeaseId {
        owner: Addr::unchecked(get(OWNER)?),
        dseq: get(DSEQ)?.parse().ok()?,
        gseq: get(GSEQ)?.parse().ok()?,
        oseq: get(OSEQ)?.parse().ok()?,
        provider: Addr::unchecked(get(PROVIDER)?),
    };
    // The combined label must agree with the parts.
    (get(LEASE)? == &id.to_string()).then_some(id)
}

/// A short, stable name stem for a lease: `kumo-<12 hex of sha256(lease id)>`. Addresses are
/// too long for readable names, and the hash keeps names within Docker's character set.
pub fn lease_stem(lease: &LeaseId) -> String {
    let digest = Sha256::digest(lease.to_string().as_bytes());
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("kumo-{hex}")
}

/// Keeps `[a-z0-9-]`, so names from manifests cannot inject anything into Docker names.
pub fn sanitize(part: &str) -> String {
    let cleaned: String = part
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    if cleaned.is_empty() {
        "x".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kumo_types::ids::DeploymentId;

    fn lease() -> LeaseId {
        DeploymentId::new("akash1tenant", 42)
            .group(2)
            .order(3)
            .bid(&Addr::unchecked("akash1prov"))
    }

    #[test]
    fn labels_round_trip() {
        let labels = lease_labels(&lease());
        assert_eq!(labels[LEASE], "akash1tenant/42/2/3/akash1prov");
        assert_eq!(labels[DSEQ], "42");
        assert_eq!(lease_from_labels(&labels), Some(lease()));
    }

    #[test]
    fn inconsistent_labels_are_not_trusted() {
        let mut labels = lease_labels(&lease());
        labels.insert(DSEQ.into(), "43".into());
        assert_eq!(lease_from_labels(&labels), None);
        let mut labels = lease_labels(&lease());
        labels.remove(PROVIDER);
        assert_eq!(lease_from_labels(&labels), None);
        let mut labels = lease_labels(&lease());
        labels.insert(GSEQ.into(), "x".into());
        assert_eq!(lease_from_labels(&labels), None);
    }

    #[test]
    fn stems_are_stable_short_and_distinct() {
        let stem = lease_stem(&lease());
        assert_eq!(stem, lease_stem(&lease()));
        assert_eq!(stem.len(), "kumo-".len() + 12);
        let other = DeploymentId::new("akash1tenant", 43)
            .group(2)
            .order(3)
            .bid(&Addr::unchecked("akash1prov"));
        assert_ne!(stem, lease_stem(&other));
    }

    #[test]
    fn sanitize_keeps_docker_safe_characters() {
        assert_eq!(sanitize("Web_App.1"), "web-app-1");
        assert_eq!(sanitize("../../etc"), "------etc");
        assert_eq!(sanitize(""), "x");
        assert_eq!(sanitize(&"a".repeat(100)).len(), 40);
    }
}
