//! What becomes of a placed bid, decided from its age and what the chain says. Pure.
//!
//! - open and younger than `timeouts.bid`: keep waiting for the tenant;
//! - open and older: close it on chain (refunds the deposit) and release its reservation;
//! - active: it became a lease, which the lease manager now owns;
//! - lost, closed, or unknown to the chain: release the reservation.

use std::time::Duration;

use kumo_types::market::BidState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BidAction {
    Keep,
    /// Timed out without a lease: close it, then release.
    Close,
    /// Won: forget the bid (the reservation stays, promoted by the lease manager).
    Won,
    /// Lost or gone: release the reservation and forget the bid.
    Release,
}

/// `chain` is the bid's state on chain, `None` when the chain has no such bid.
pub fn decide(placed_at: u64, chain: Option<BidState>, now: u64, timeout: Duration) -> BidAction {
    match chain {
        Some(BidState::Open) if now.saturating_sub(placed_at) >= timeout.as_secs() => {
            BidAction::Close
        }
        Some(BidState::Open) => BidAction::Keep,
        Some(BidState::Active) => BidAction::Won,
        Some(BidState::Lost | BidState::Closed) | None => BidAction::Release,
    }
}

/// Whether a bid is old enough to ask the chain about (saves a query per bid per sweep).
pub fn due(placed_at: u64, now: u64, timeout: Duration) -> bool {
    now.saturating_sub(placed_at) >= timeout.as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(300);

    #[test]
    fn open_bids_wait_then_close() {
        assert_eq!(decide(1000, Some(BidState::Open), 1299, T), BidAction::Keep);
        assert_eq!(
            decide(1000, Some(BidState::Open), 1300, T),
            BidAction::Close
        );
        assert!(!due(1000, 1299, T));
        assert!(due(1000, 1300, T));
    }

    #[test]
    fn won_lost_and_vanished_bids() {
        assert_eq!(
            decide(1000, Some(BidState::Active), 5000, T),
            BidAction::Won
        );
        assert_eq!(
            decide(1000, Some(BidState::Lost), 1001, T),
            BidAction::Release
        );
        assert_eq!(
            decide(1000, Some(BidState::Closed), 1001, T),
            BidAction::Release
        );
        assert_eq!(decide(1000, None, 1001, T), BidAction::Release);
    }

    #[test]
    fn a_clock_that_went_backwards_keeps_the_bid() {
        assert_eq!(decide(1000, Some(BidState::Open), 10, T), BidAction::Keep);
    }
}
