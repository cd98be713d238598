//! The tenant side of a provider's gateway (and the types the gateway shares with it):
//! - [`types`]: request and response bodies, serde only;
//! - [`jwt`]: ES256K JSON Web Tokens signed with the tenant's account key (Akash AEP-64 style),
//!   issued by tenants and verified by providers;
//! - [`client`]: an HTTPS client that pins the provider's certificate to the fingerprint the
//!   provider published in the registry (no CA involved).

pub mod client;
pub mod jwt;
pub mod types;

pub use client::{cert_fingerprint, GatewayClient, GatewayClientError};
pub use jwt::{JwtError, VerifiedClaims};
