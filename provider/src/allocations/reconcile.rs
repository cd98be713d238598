//! Reconciliation: compares what the chain says is active, what this provider holds, and what
//! is running, and says what to do. Pure, so that a restart after any crash can be tested.

use std::collections::BTreeSet;

use kumo_types::ids::LeaseId;

use super::model::{Allocation, State};

/// What to do to make the host match the chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcilePlan {
    /// Containers running for a lease that is not active any more (closed while the provider
    /// was down): stop them and remove their volumes.
    pub tear_down: Vec<LeaseId>,
    /// Allocations whose lease is not active any more: release them.
    pub release: Vec<LeaseId>,
    /// Active leases held here with nothing running: deploy them again.
    pub recreate: Vec<LeaseId>,
    /// Active leases for which nothing is held here (state lost, or won while the provider was
    /// down before the promotion was saved): the caller must re-allocate or close them.
    pub unaccounted: Vec<LeaseId>,
    /// Reservations for bids that became active leases: promote them.
    pub promote: Vec<LeaseId>,
}

impl ReconcilePlan {
    pub fn is_empty(&self) -> bool {
        *self == ReconcilePlan::default()
    }
}

/// `held` are this provider's allocations and reservations; `active` the chain's active leases
/// for this provider; `running` the leases that have containers on the host. Reservations for
/// bids still open are left alone: the bid's own timeout releases them.
pub fn plan<'a>(
    held: impl IntoIterator<Item = &'a Allocation>,
    active: &[LeaseId],
    running: &[LeaseId],
) -> ReconcilePlan {
    let active: BTreeSet<&LeaseId> = active.iter().collect();
    let running: BTreeSet<&LeaseId> = running.iter().collect();
    let mut plan = ReconcilePlan::default();
    let mut held_ids = BTreeSet::new();
    for a in held {
        held_ids.insert(&a.id);
        let is_active = active.contains(&a.id);
        match (a.state, is_active) {
            (State::Allocated, false) => plan.release.push(a.id.clone()),
            (State::Reserved, true) => plan.promote.push(a.id.clone()),
            _ => {}
        }
        if is_active && !running.contains(&a.id) {
            plan.recreate.push(a.id.clone());
        }
    }
    for id in &running {
        if !active.contains(id) {
            plan.tear_down.push((*id).clone());
        }
    }
    for id in &active {
        if !held_ids.contains(id) {
            plan.unaccounted.push((*id).clone());
        }
    }
    plan.release.sort();
    plan.promote.sort();
    plan.recreate.sort();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocations::model::Amounts;
    use cosmwasm_std::Addr;
    use kumo_types::ids::DeploymentId;

    fn lease(dseq: u64) -> LeaseId {
        DeploymentId::new("tenant", dseq)
            .group(1)
            .order(1)
            .bid(&Addr::unchecked("prov"))
    }

    fn held(dseq: u64, state: State) -> Allocation {
        Allocation {
            id: lease(dseq),
            state,
            amounts: Amounts::default(),
            gpus: vec![],
            reserved_at: 0,
        }
    }

    #[test]
    fn steady_state_needs_nothing() {
        let h = [held(1, State::Allocated), held(2, State::Reserved)];
        let p = plan(&h, &[lease(1)], &[lease(1)]);
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn lease_closed_while_down_is_torn_down_and_released() {
        let h = [held(1, State::Allocated)];
        let p = plan(&h, &[], &[lease(1)]);
        assert_eq!(p.tear_down, [lease(1)]);
        assert_eq!(p.release, [lease(1)]);
        assert!(p.recreate.is_empty());
    }

    #[test]
    fn orphan_containers_without_any_record_are_torn_down() {
        let p = plan([], &[], &[lease(7)]);
        assert_eq!(p.tear_down, [lease(7)]);
        assert!(p.release.is_empty());
    }

    #[test]
    fn active_lease_without_containers_is_recreated() {
        let h = [held(1, State::Allocated)];
        let p = plan(&h, &[lease(1)], &[]);
        assert_eq!(p.recreate, [lease(1)]);
        assert!(p.tear_down.is_empty() && p.release.is_empty());
    }

    #[test]
    fn won_bid_is_promoted_and_unknown_lease_reported() {
        let h = [held(1, State::Reserved)];
        let p = plan(&h, &[lease(1), lease(2)], &[lease(2)]);
        assert_eq!(p.promote, [lease(1)]);
        assert_eq!(p.recreate, [lease(1)]);
        assert_eq!(p.unaccounted, [lease(2)]);
        assert!(p.tear_down.is_empty());
    }
}
