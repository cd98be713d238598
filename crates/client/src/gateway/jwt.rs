//! ES256K JSON Web Tokens for provider gateways, after Akash's AEP-64: the tenant signs a short
//! token with its account key (secp256k1), bound to one provider, and the provider derives the
//! tenant's address from the public key the token carries.
//!
//! A token is `base64url(header) . base64url(claims) . base64url(r || s)` (no padding):
//! - header `{"alg":"ES256K","typ":"JWT"}`;
//! - claims: `iss` (the tenant's bech32 address), `aud` (the provider's address), `iat`, `nbf`,
//!   `exp` (unix seconds), `jti` (128 random bits, hex: the provider refuses a replay), `scope`
//!   (what the token may do: [`scope`](super::types::scope)), `pub` (the compressed secp256k1
//!   public key, standard base64) and `version` (`v1`);
//! - signature: ECDSA over secp256k1 of sha256(`header.claims`), 64 bytes r || s with low S.
//!
//! [`verify`] accepts a token only if the signature is valid for `pub`, `pub`'s address equals
//! `iss`, `aud` is the verifier's address, `nbf <= now < exp` (with [`CLOCK_SKEW_SECS`] of
//! slack), and the token lives at most [`MAX_TTL`]. Replay protection (remembering `jti` until
//! `exp`) is the verifier's job; [`VerifiedClaims::jti`] and [`VerifiedClaims::exp`] feed it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::OsRng;
use k256::ecdsa::signature::Verifier;
use k256::ecdsa::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::keys::{address_of, KeyPair};

/// The longest lifetime (`exp - iat`) a verifier accepts.
pub const MAX_TTL: Duration = Duration::from_secs(15 * 60);
/// The lifetime [`issue`] callers should use unless they have a reason not to.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5 * 60);
/// Clock difference tolerated between tenant and provider, for `nbf`, `iat` and `exp`.
pub const CLOCK_SKEW_SECS: u64 = 30;
/// The `version` claim.
pub const VERSION: &str = "v1";

const ALG: &str = "ES256K";
const MAX_TOKEN_LEN: usize = 8 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("unsupported token algorithm {alg:?} (only ES256K)")]
    UnsupportedAlgorithm { alg: String },
    #[error("bad token signature")]
    BadSignature,
    #[error("token issuer {iss} is not the address of its public key ({derived})")]
    AddressMismatch { iss: String, derived: String },
    #[error("token is for {actual}, not this provider ({expected})")]
    WrongAudience { expected: String, actual: String },
    #[error(
        "token expired at {exp} (now {now}); issue a new one (check the clock if this repeats)"
    )]
    Expired { exp: u64, now: u64 },
    #[error("token is not valid before {nbf} (now {now}); check the clock of the issuing machine")]
    NotYetValid { nbf: u64, now: u64 },
    #[error("token lifetime {secs}s exceeds the maximum of {max}s")]
    LifetimeTooLong { secs: u64, max: u64 },
    #[error("cannot sign token: {0}")]
    Signing(String),
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: Option<String>,
}

/// The claims as they travel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    jti: String,
    scope: Vec<String>,
    #[serde(rename = "pub")]
    public_key: String,
    version: String,
}

/// What a valid token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClaims {
    /// The tenant's address, derived from the token's public key (equal to `iss`).
    pub address: String,
    pub audience: String,
    pub issued_at: u64,
    pub not_before: u64,
    pub expires_at: u64,
    pub jti: String,
    pub scopes: Vec<String>,
}

impl VerifiedClaims {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Unix seconds now.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A token for `audience` (the provider's address) with `scopes`, valid from now for `ttl`
/// (at most [`MAX_TTL`]).
pub fn issue(
    key: &KeyPair,
    audience: &str,
    scopes: &[&str],
    ttl: Duration,
) -> Result<String, JwtError> {
    issue_at(key, audience, scopes, now_unix(), ttl)
}

/// [`issue`] with an explicit issue time (unix seconds).
pub fn issue_at(
    key: &KeyPair,
    audience: &str,
    scopes: &[&str],
    iat: u64,
    ttl: Duration,
) -> Result<String, JwtError> {
    if ttl > MAX_TTL {
        return Err(JwtError::LifetimeTooLong {
            secs: ttl.as_secs(),
            max: MAX_TTL.as_secs(),
        });
    }
    if ttl.is_zero() {
        return Err(JwtError::Signing(
            "the token lifetime must be positive".into(),
        ));
    }
    let mut jti = [0u8; 16];
    OsRng.fill_bytes(&mut jti);
    let claims = Claims {
        iss: key.address().to_string(),
        aud: audience.to_string(),
        iat,
        nbf: iat,
        exp: iat + ttl.as_secs(),
        jti: hex::encode(jti),
        scope: scopes.iter().map(|s| s.to_string()).collect(),
        public_key: STANDARD.encode(key.public_key().to_bytes()),
        version: VERSION.to_string(),
    };
    sign_claims(key, &claims)
}

fn sign_claims(key: &KeyPair, claims: &Claims) -> Result<String, JwtError> {
    let header = Header {
        alg: ALG.to_string(),
        typ: Some("JWT".to_string()),
    };
    let signing_input = format!("{}.{}", b64_json(&header), b64_json(claims));
    let signature = key
        .signing_key()
        .sign(signing_input.as_bytes())
        .map_err(|e| JwtError::Signing(e.to_string()))?;
    // k256 signs with low S already; normalizing again keeps that true whatever the signer.
    let signature = signature.normalize_s().unwrap_or(signature);
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

fn b64_json<T: Serialize>(value: &T) -> String {
    // Plain structs of strings and integers always serialize.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("token parts serialize"))
}

/// Checks `token` for a verifier whose address is `expected_audience`, at unix time `now`;
/// `prefix` is the chain's bech32 account prefix (the issuer's address is derived under it).
pub fn verify(
    token: &str,
    expected_audience: &str,
    now: u64,
    prefix: &str,
) -> Result<VerifiedClaims, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed(format!(
            "longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed(
            "expected three base64url parts separated by dots".into(),
        ));
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| JwtError::Malformed(format!("{what} is not base64url: {e}")))
    };
    let header: Header = serde_json::from_slice(&decode(h, "header")?)
        .map_err(|e| JwtError::Malformed(format!("header: {e}")))?;
    if header.alg != ALG {
        return Err(JwtError::UnsupportedAlgorithm { alg: header.alg });
    }
    if header
        .typ
        .as_deref()
        .is_some_and(|t| !t.eq_ignore_ascii_case("JWT"))
    {
        return Err(JwtError::Malformed(format!(
            "header typ {:?} is not JWT",
            header.typ.unwrap_or_default()
        )));
    }
    let claims: Claims = serde_json::from_slice(&decode(c, "claims")?)
        .map_err(|e| JwtError::Malformed(format!("claims: {e}")))?;
    let sig_bytes = decode(s, "signature")?;
    let signature = Signature::from_slice(&sig_bytes)
        .map_err(|_| JwtError::Malformed("signature is not 64 bytes r || s".into()))?;
    if signature.normalize_s().is_some() {
        // High S: a malleated copy of a valid signature.
        return Err(JwtError::BadSignature);
    }
    let public_key = STANDARD
        .decode(&claims.public_key)
        .map_err(|e| JwtError::Malformed(format!("pub is not base64: {e}")))?;
    if public_key.len() != 33 {
        return Err(JwtError::Malformed(
            "pub is not a compressed secp256k1 public key (33 bytes)".into(),
        ));
    }
    let verifying_key = VerifyingKey::from_sec1_bytes(&public_key)
        .map_err(|_| JwtError::Malformed("pub is not a secp256k1 public key".into()))?;
    let signing_input = &token[..h.len() + 1 + c.len()];
    verifying_key
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| JwtError::BadSignature)?;
    let derived =
        address_of(&public_key, prefix).map_err(|e| JwtError::Malformed(format!("pub: {e}")))?;
    if derived != claims.iss {
        return Err(JwtError::AddressMismatch {
            iss: claims.iss,
            derived,
        });
    }
    if claims.aud != expected_audience {
        return Err(JwtError::WrongAudience {
            expected: expected_audience.to_string(),
            actual: claims.aud,
        });
    }
    if claims.exp <= claims.nbf.max(claims.iat) {
        return Err(JwtError::Malformed("exp is not after nbf and iat".into()));
    }
    let lifetime = claims.exp - claims.iat.min(claims.nbf);
    if lifetime > MAX_TTL.as_secs() {
        return Err(JwtError::LifetimeTooLong {
            secs: lifetime,
            max: MAX_TTL.as_secs(),
        });
    }
    if now >= claims.exp.saturating_add(CLOCK_SKEW_SECS) {
        return Err(JwtError::Expired {
            exp: claims.exp,
            now,
        });
    }
    let earliest = claims.nbf.max(claims.iat);
    if now.saturating_add(CLOCK_SKEW_SECS) < earliest {
        return Err(JwtError::NotYetValid { nbf: earliest, now });
    }
    if claims.jti.is_empty() || claims.jti.len() > 128 {
        return Err(JwtError::Malformed(
            "jti must be 1 to 128 characters".into(),
        ));
    }
    Ok(VerifiedClaims {
        address: derived,
        audience: claims.aud,
        issued_at: claims.iat,
        not_before: claims.nbf,
        expires_at: claims.exp,
        jti: claims.jti,
        scopes: claims.scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::COSMOS_HD_PATH;

    const PREFIX: &str = "kumo";
    const MNEMONIC_A: &str = "test test test test test test test test test test test junk";
    const MNEMONIC_B: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    const PROVIDER: &str = "kumo1provider";
    const NOW: u64 = 1_700_000_000;

    fn key(m: &str) -> KeyPair {
        KeyPair::from_mnemonic(m, COSMOS_HD_PATH, PREFIX).unwrap()
    }

    fn parts(token: &str) -> (String, serde_json::Value, String) {
        let p: Vec<&str> = token.split('.').collect();
        let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p[1]).unwrap()).unwrap();
        (p[0].to_string(), claims, p[2].to_string())
    }

    /// Re-signs edited claims with `key` (a forger with a real key of its own).
    fn resign(key: &KeyPair, claims: serde_json::Value) -> String {
        let claims: Claims = serde_json::from_value(claims).unwrap();
        sign_claims(key, &claims).unwrap()
    }

    #[test]
    fn roundtrip() {
        let a = key(MNEMONIC_A);
        let token = issue_at(&a, PROVIDER, &["status", "logs"], NOW, DEFAULT_TTL).unwrap();
        let (h, claims, _) = parts(&token);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&URL_SAFE_NO_PAD.decode(h).unwrap())
                .unwrap(),
            serde_json::json!({"alg": "ES256K", "typ": "JWT"})
        );
        assert_eq!(claims["iss"], a.address());
        assert_eq!(claims["aud"], PROVIDER);
        assert_eq!(claims["exp"], NOW + 300);
        let v = verify(&token, PROVIDER, NOW + 10, PREFIX).unwrap();
        assert_eq!(v.address, a.address());
        assert_eq!(v.scopes, vec!["status", "logs"]);
        assert!(v.has_scope("logs") && !v.has_scope("send-manifest"));
        assert_eq!(v.expires_at, NOW + 300);
        assert_eq!(v.jti.len(), 32);
        // jti is random per token.
        let other = issue_at(&a, PROVIDER, &["status"], NOW, DEFAULT_TTL).unwrap();
        assert_ne!(verify(&other, PROVIDER, NOW, PREFIX).unwrap().jti, v.jti);
    }

    #[test]
    fn time_checks() {
        let a = key(MNEMONIC_A);
        let token = issue_at(&a, PROVIDER, &["status"], NOW, DEFAULT_TTL).unwrap();
        // Expired (past the skew allowance).
        assert_eq!(
            verify(&token, PROVIDER, NOW + 300 + CLOCK_SKEW_SECS, PREFIX),
            Err(JwtError::Expired {
                exp: NOW + 300,
                now: NOW + 330
            })
        );
        assert!(verify(&token, PROVIDER, NOW + 300 + CLOCK_SKEW_SECS - 1, PREFIX).is_ok());
        // Not yet valid.
        assert!(matches!(
            verify(&token, PROVIDER, NOW - CLOCK_SKEW_SECS - 1, PREFIX),
            Err(JwtError::NotYetValid { .. })
        ));
        assert!(verify(&token, PROVIDER, NOW - CLOCK_SKEW_SECS, PREFIX).is_ok());
        // Too long-lived, at issue and at verification.
        assert!(matches!(
            issue_at(&a, PROVIDER, &[], NOW, MAX_TTL + Duration::from_secs(1)),
            Err(JwtError::LifetimeTooLong { .. })
        ));
        let (_, mut claims, _) = parts(&token);
        claims["exp"] = (NOW + 3600).into();
        assert!(matches!(
            verify(&resign(&a, claims), PROVIDER, NOW, PREFIX),
            Err(JwtError::LifetimeTooLong { secs: 3600, .. })
        ));
    }

    #[test]
    fn audience_must_match() {
        let a = key(MNEMONIC_A);
        let token = issue_at(&a, "kumo1other", &["status"], NOW, DEFAULT_TTL).unwrap();
        assert_eq!(
            verify(&token, PROVIDER, NOW, PREFIX),
            Err(JwtError::WrongAudience {
                expected: PROVIDER.into(),
                actual: "kumo1other".into()
            })
        );
    }

    #[test]
    fn forgeries_are_refused() {
        let a = key(MNEMONIC_A);
        let b = key(MNEMONIC_B);
        let token = issue_at(&a, PROVIDER, &["status"], NOW, DEFAULT_TTL).unwrap();
        let (h, claims, sig) = parts(&token);

        // Edited claims under the original signature.
        let mut edited = claims.clone();
        edited["aud"] = "kumo1elsewhere".into();
        let forged = format!(
            "{h}.{}.{sig}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&edited).unwrap())
        );
        assert_eq!(
            verify(&forged, "kumo1elsewhere", NOW, PREFIX),
            Err(JwtError::BadSignature)
        );

        // B signs claiming to be A, with A's public key: signature does not verify.
        assert_eq!(
            verify(&resign(&b, claims.clone()), PROVIDER, NOW, PREFIX),
            Err(JwtError::BadSignature)
        );

        // B signs with its own key but claims A's address.
        let mut as_a = claims.clone();
        as_a["pub"] = STANDARD.encode(b.public_key().to_bytes()).into();
        assert_eq!(
            verify(&resign(&b, as_a), PROVIDER, NOW, PREFIX),
            Err(JwtError::AddressMismatch {
                iss: a.address().into(),
                derived: b.address().into()
            })
        );

        // A high-S copy of a valid signature (malleability).
        let raw = URL_SAFE_NO_PAD.decode(&sig).unwrap();
        let s = Signature::from_slice(&raw).unwrap();
        let (r, s_scalar) = s.split_scalars();
        let high = Signature::from_scalars(r, -*s_scalar).unwrap();
        let malleated = format!(
            "{h}.{}.{}",
            token.split('.').nth(1).unwrap(),
            URL_SAFE_NO_PAD.encode(high.to_bytes())
        );
        assert_eq!(
            verify(&malleated, PROVIDER, NOW, PREFIX),
            Err(JwtError::BadSignature)
        );

        // alg=none and other algorithms.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            token.split('.').nth(1).unwrap()
        );
        assert_eq!(
            verify(&none, PROVIDER, NOW, PREFIX),
            Err(JwtError::UnsupportedAlgorithm { alg: "none".into() })
        );
    }

    #[test]
    fn malformed_tokens() {
        let a = key(MNEMONIC_A);
        let token = issue_at(&a, PROVIDER, &["status"], NOW, DEFAULT_TTL).unwrap();
        for bad in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "!!!.???.***",
            &format!("{token}x"),
            &"a".repeat(MAX_TOKEN_LEN + 1),
        ] {
            assert!(
                matches!(
                    verify(bad, PROVIDER, NOW, PREFIX),
                    Err(JwtError::Malformed(_)) | Err(JwtError::BadSignature)
                ),
                "{bad:.40}: {:?}",
                verify(bad, PROVIDER, NOW, PREFIX)
            );
        }
        // Claims missing a field.
        let (h, mut claims, sig) = parts(&token);
        claims.as_object_mut().unwrap().remove("jti");
        let t = format!(
            "{h}.{}.{sig}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
        );
        assert!(
            matches!(verify(&t, PROVIDER, NOW, PREFIX), Err(JwtError::Malformed(m)) if m.contains("jti"))
        );
    }
}
