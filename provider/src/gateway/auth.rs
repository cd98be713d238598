//! Bearer-token authentication: ES256K JWTs ([`kumo_client::gateway::jwt`]) for this provider's
//! address, each accepted once.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::sync::Mutex;

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use kumo_client::gateway::jwt::{self, VerifiedClaims};

use super::error::ApiError;

/// Verifies tokens and remembers their ids until they expire.
pub(crate) struct Authenticator {
    provider_address: String,
    prefix: String,
    replay: Mutex<ReplayCache>,
}

impl Authenticator {
    pub(crate) fn new(provider_address: String, prefix: String, capacity: usize) -> Self {
        Authenticator {
            provider_address,
            prefix,
            replay: Mutex::new(ReplayCache::new(capacity)),
        }
    }

    /// The caller's verified claims, if the request carries a valid, unused token with `scope`.
    pub(crate) fn authenticate(
        &self,
        headers: &HeaderMap,
        scope: &str,
        now: u64,
    ) -> Result<VerifiedClaims, ApiError> {
        let value = headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token>"))?;
        let value = value
            .to_str()
            .map_err(|_| ApiError::unauthorized("Authorization header is not ASCII"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("Authorization must be `Bearer <token>`"))?;
        let claims = jwt::verify(token, &self.provider_address, now, &self.prefix)
            .map_err(|e| ApiError::unauthorized(e.to_string()))?;
        // Only tokens that verified reach the cache, so forgeries cannot fill it.
        let expires = claims.expires_at.saturating_add(jwt::CLOCK_SKEW_SECS);
        self.replay.lock().expect("replay cache lock").insert(
            &claims.address,
            &claims.jti,
            expires,
            now,
        )?;
        if !claims.has_scope(scope) {
            return Err(ApiError::forbidden(format!(
                "the token lacks the {scope:?} scope"
            )));
        }
        Ok(claims)
    }
}

/// Token ids seen and not yet expired, bounded: when full of live entries, new tokens are
/// refused (429) rather than forgetting a live one, which would allow its replay.
pub(crate) struct ReplayCache {
    seen: HashSet<(String, String)>,
    by_expiry: BinaryHeap<Reverse<(u64, String, String)>>,
    capacity: usize,
}

impl ReplayCache {
    pub(crate) fn new(capacity: usize) -> Self {
        ReplayCache {
            seen: HashSet::new(),
            by_expiry: BinaryHeap::new(),
            capacity: capacity.max(1),
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.seen.len()
    }

    /// Records (issuer, jti) until `expires`; refuses one already recorded.
    pub(crate) fn insert(
        &mut self,
        issuer: &str,
        jti: &str,
        expires: u64,
        now: u64,
    ) -> Result<(), ApiError> {
        while let Some(Reverse((exp, _, _))) = self.by_expiry.peek() {
            if *exp > now {
                break;
            }
            let Reverse((_, iss, id)) = self.by_expiry.pop().expect("peeked");
            self.seen.remove(&(iss, id));
        }
        let key = (issuer.to_string(), jti.to_string());
        if self.seen.contains(&key) {
            return Err(ApiError::unauthorized(
                "token already used (replay); issue a new token for each request",
            ));
        }
        if self.seen.len() >= self.capacity {
            return Err(ApiError::too_many(
                "too many live tokens; retry in a minute",
            ));
        }
        self.by_expiry
            .push(Reverse((expires, key.0.clone(), key.1.clone())));
        self.seen.insert(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_cache_refuses_repeats_and_forgets_expired() {
        let mut c = ReplayCache::new(2);
        c.insert("a", "1", 100, 0).unwrap();
        assert_eq!(
            c.insert("a", "1", 100, 50).unwrap_err().status.as_u16(),
            401
        );
        // Same jti from another issuer is another token.
        c.insert("b", "1", 200, 50).unwrap();
        // Full of live entries: refused, not evicted.
        assert_eq!(
            c.insert("c", "9", 300, 60).unwrap_err().status.as_u16(),
            429
        );
        assert_eq!(c.len(), 2);
        // At 100 the first expired: room again, and its id may not come back anyway
        // (the token itself is expired by then).
        c.insert("c", "9", 300, 100).unwrap();
        assert_eq!(c.len(), 2);
        c.insert("d", "1", 400, 300).unwrap();
        assert_eq!(c.len(), 1);
    }
}
