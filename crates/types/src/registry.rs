//! The provider registry contract's API: providers, auditor-signed attributes, collateral.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Api, Coin, Decimal, Timestamp, Uint256};

use crate::attributes::{validate_attributes, Attribute, AuditedAttributes};
use crate::coins::{validate_denom, FundsDestination};
use crate::error::{ensure, ValidationError};
use crate::gpu::{GpuSpec, CAPABILITY_PREFIX};

/// Most pending unbonding entries per provider, as in Cosmos staking.
pub const MAX_UNBONDING_ENTRIES: usize = 7;
/// Most certified auditors governance may name.
pub const MAX_CERTIFIED_AUDITORS: usize = 32;
/// Longest unbonding period governance may set: one year.
pub const MAX_UNBONDING_PERIOD_SECONDS: u64 = 365 * 24 * 3600;
/// Longest host URI, email or website.
pub const MAX_URI_LEN: usize = 256;
/// Most auditors one profile query may ask about.
pub const MAX_PROFILE_AUDITORS: usize = 64;
/// Longest slash reason.
pub const MAX_REASON_LEN: usize = 256;

#[cw_serde]
pub struct RegistryParams {
    /// The staking denom that collateral is bonded in.
    pub collateral_denom: String,
    /// Seconds between unbonding and being able to claim.
    pub unbonding_period_seconds: u64,
    /// Bonded collateral needed per GPU a provider holds in active leases; the market also
    /// checks it when a bid is made and when it becomes a lease.
    pub min_collateral_per_gpu: Uint256,
    /// When non-empty, GPU capabilities count only when one of these auditors signed them.
    pub certified_auditors: Vec<String>,
    /// Where slashed collateral goes.
    pub slash_destination: FundsDestination,
}

/// A partial update: fields left out keep their value.
#[cw_serde]
#[derive(Default)]
pub struct RegistryParamsUpdate {
    pub unbonding_period_seconds: Option<u64>,
    pub min_collateral_per_gpu: Option<Uint256>,
    pub certified_auditors: Option<Vec<String>>,
    pub slash_destination: Option<FundsDestination>,
}

impl RegistryParams {
    pub fn validate(&self, api: &dyn Api) -> Result<(), ValidationError> {
        validate_denom("collateral_denom", &self.collateral_denom)?;
        ensure(
            self.unbonding_period_seconds <= MAX_UNBONDING_PERIOD_SECONDS,
            || "unbonding_period_seconds".into(),
            || {
                format!(
                    "{} is above the maximum of {MAX_UNBONDING_PERIOD_SECONDS}",
                    self.unbonding_period_seconds
                )
            },
        )?;
        ensure(
            self.certified_auditors.len() <= MAX_CERTIFIED_AUDITORS,
            || "certified_auditors".into(),
            || {
                format!(
                    "{} auditors, at most {MAX_CERTIFIED_AUDITORS} allowed",
                    self.certified_auditors.len()
                )
            },
        )?;
        for (i, auditor) in self.certified_auditors.iter().enumerate() {
            api.addr_validate(auditor).map_err(|e| {
                ValidationError::new(
                    format!("certified_auditors[{i}]"),
                    format!("{auditor:?} is not an address: {e}"),
                )
            })?;
            ensure(
                !self.certified_auditors[..i].contains(auditor),
                || format!("certified_auditors[{i}]"),
                || format!("{auditor} is listed twice"),
            )?;
        }
        Ok(())
    }

    /// Applies a partial update and validates the result.
    pub fn updated(
        &self,
        update: &RegistryParamsUpdate,
        api: &dyn Api,
    ) -> Result<Self, ValidationError> {
        let mut next = self.clone();
        if let Some(v) = update.unbonding_period_seconds {
            next.unbonding_period_seconds = v;
        }
        if let Some(v) = update.min_collateral_per_gpu {
            next.min_collateral_per_gpu = v;
        }
        if let Some(v) = &update.certified_auditors {
            next.certified_auditors = v.clone();
        }
        if let Some(v) = update.slash_destination {
            next.slash_destination = v;
        }
        next.validate(api)?;
        Ok(next)
    }
}

#[cw_serde]
#[derive(Default)]
pub struct ProviderInfo {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub website: String,
}

/// What a provider states about itself.
#[cw_serde]
pub struct ProviderDetails {
    /// The gateway: an absolute `https://host[:port]` URL with no path.
    pub host_uri: String,
    pub attributes: Vec<Attribute>,
    #[serde(default)]
    pub info: ProviderInfo,
    /// Hex sha256 of the gateway's TLS certificate (DER), for pinning without a CA.
    pub tls_cert_fingerprint: String,
}

impl ProviderDetails {
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_host_uri(&self.host_uri)?;
        validate_provider_attributes(&self.attributes)?;
        ensure(
            self.info.email.len() <= MAX_URI_LEN && !self.info.email.chars().any(char::is_control),
            || "info.email".into(),
            || format!("must be at most {MAX_URI_LEN} printable characters"),
        )?;
        ensure(
            self.info.email.is_empty() || self.info.email.contains('@'),
            || "info.email".into(),
            || format!("{:?} is not an email address", self.info.email),
        )?;
        ensure(
            self.info.website.is_empty()
                || (self.info.website.len() <= MAX_URI_LEN
                    && (self.info.website.starts_with("https://")
                        || self.info.website.starts_with("http://"))
                    && !self
                        .info
                        .website
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control())),
            || "info.website".into(),
            || {
                format!(
                    "{:?} is not an http(s) URL of at most {MAX_URI_LEN} characters",
                    self.info.website
                )
            },
        )?;
        validate_fingerprint(&self.tls_cert_fingerprint)
    }
}

/// Attributes about a provider, its own or an auditor's: the general rules, plus GPU capability
/// keys that parse (a malformed one could never match an order).
pub fn validate_provider_attributes(attributes: &[Attribute]) -> Result<(), ValidationError> {
    validate_attributes("attributes", attributes, false)?;
    for (i, attr) in attributes.iter().enumerate() {
        if attr.key.starts_with(CAPABILITY_PREFIX) {
            GpuSpec::parse_capability_key(&attr.key)
                .map_err(|r| ValidationError::new(format!("attributes[{i}].key"), r))?;
        }
    }
    Ok(())
}

/// What an auditor signs: at least one attribute, under the provider attribute rules.
pub fn validate_signed_attributes(attributes: &[Attribute]) -> Result<(), ValidationError> {
    ensure(
        !attributes.is_empty(),
        || "attributes".into(),
        || "sign at least one attribute".into(),
    )?;
    validate_provider_attributes(attributes)
}

/// A slash: a fraction in (0, 1] and a non-blank, bounded reason. Governance checks the same at
/// proposal submission.
pub fn validate_slash(fraction: Decimal, reason: &str) -> Result<(), ValidationError> {
    ensure(
        !fraction.is_zero() && fraction <= Decimal::one(),
        || "fraction".into(),
        || format!("{fraction} must be above 0 and at most 1"),
    )?;
    ensure(
        !reason.trim().is_empty() && reason.len() <= MAX_REASON_LEN,
        || "reason".into(),
        || format!("must be 1-{MAX_REASON_LEN} bytes and not blank"),
    )
}

/// `https://host[:port]` with an optional trailing '/', nothing else.
pub fn validate_host_uri(uri: &str) -> Result<(), ValidationError> {
    let fail = |reason: &str| {
        Err(ValidationError::new(
            "host_uri",
            format!("{uri:?} {reason}"),
        ))
    };
    if uri.len() > MAX_URI_LEN {
        return fail("is too long");
    }
    let Some(rest) = uri.strip_prefix("https://") else {
        return fail("must be an absolute https:// URL");
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return fail("must have no path, query or fragment");
    }
    if authority.contains('@') {
        return fail("must not carry user info");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p))
                if !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit() || c == ':') =>
            {
                (h, p)
            }
            _ => return fail("has a malformed IPv6 host"),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, &authority[h.len()..][..p.len() + 1]),
            None => (authority, ""),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c))
        && !host.starts_with(['-', '.']);
    if !host_ok {
        return fail("has no valid host");
    }
    if let Some(p) = port.strip_prefix(':') {
        if p.parse::<u16>().map_or(true, |p| p == 0) {
            return fail("has an invalid port");
        }
    } else if !port.is_empty() {
        return fail("has garbage after the host");
    }
    Ok(())
}

/// 64 lowercase hex characters (sha256).
pub fn validate_fingerprint(fingerprint: &str) -> Result<(), ValidationError> {
    ensure(
        fingerprint.len() == 64
            && fingerprint
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        || "tls_cert_fingerprint".into(),
        || format!("{fingerprint:?} is not a sha256 hex digest (64 lowercase hex characters)"),
    )
}

#[cw_serde]
pub struct InstantiateMsg {
    /// The only account that may change params, slash, and rewire the contract.
    pub governance: String,
    /// The market contract, asked about active leases; may be set later by governance.
    pub market: Option<String>,
    pub params: RegistryParams,
}

#[cw_serde]
pub enum ExecuteMsg {
    RegisterProvider(ProviderDetails),
    UpdateProvider(ProviderDetails),
    /// Refused while the provider has active leases. Bonded collateral stays claimable.
    DeregisterProvider {},
    /// The sender, as auditor, signs (adds or replaces) attributes for a provider.
    SignAttributes {
        provider: String,
        attributes: Vec<Attribute>,
    },
    /// The sender, as auditor, deletes attributes it signed; an empty list deletes all.
    DeleteSignedAttributes {
        provider: String,
        keys: Vec<String>,
    },
    /// Bonds the collateral denom sent in the funds.
    BondCollateral {},
    /// Starts unbonding; claimable after the unbonding period.
    UnbondCollateral {
        amount: Uint256,
    },
    /// Pays out every matured unbonding entry.
    ClaimCollateral {},
    /// Governance: slash a fraction of a provider's bonded and unbonding collateral.
    Slash {
        provider: String,
        fraction: Decimal,
        reason: String,
    },
    /// Governance: partial params update.
    UpdateParams(RegistryParamsUpdate),
    /// Governance: hand over authority or point at a new market.
    UpdateConfig {
        governance: Option<String>,
        market: Option<String>,
    },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(ConfigResponse)]
    Config {},
    #[returns(RegistryParams)]
    Params {},
    #[returns(Provider)]
    Provider { address: String },
    #[returns(ProvidersResponse)]
    Providers {
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// What one auditor signed for a provider.
    #[returns(AuditedAttributes)]
    SignedAttributes { provider: String, auditor: String },
    /// What every auditor signed for a provider, paged by auditor.
    #[returns(SignedAttributesResponse)]
    AllSignedAttributes {
        provider: String,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    #[returns(CollateralResponse)]
    Collateral { provider: String },
    /// All a market needs to check a bid, in one query: the provider, its bonded collateral,
    /// and what the named auditors and the certified auditors signed.
    #[returns(ProviderProfile)]
    ProviderProfile {
        provider: String,
        auditors: Vec<String>,
    },
}

#[cw_serde]
pub struct MigrateMsg {}

#[cw_serde]
pub struct ConfigResponse {
    pub governance: Addr,
    pub market: Option<Addr>,
}

/// A registered provider.
#[cw_serde]
pub struct Provider {
    pub owner: Addr,
    pub host_uri: String,
    pub attributes: Vec<Attribute>,
    pub info: ProviderInfo,
    pub tls_cert_fingerprint: String,
    pub registered_at_height: u64,
}

#[cw_serde]
pub struct ProvidersResponse {
    pub providers: Vec<Provider>,
}

#[cw_serde]
pub struct SignedAttributesResponse {
    pub signed: Vec<AuditedAttributes>,
}

#[cw_serde]
pub struct UnbondingEntry {
    pub amount: Uint256,
    pub release_at: Timestamp,
}

#[cw_serde]
pub struct CollateralResponse {
    pub provider: Addr,
    pub bonded: Coin,
    pub unbonding: Vec<UnbondingEntry>,
    /// GPUs in the provider's active leases, as the market reports them.
    pub leased_gpus: u64,
    /// Collateral those leases require.
    pub required: Uint256,
}

#[cw_serde]
pub struct ProviderProfile {
    pub provider: Provider,
    pub bonded: Uint256,
    pub min_collateral_per_gpu: Uint256,
    /// Signatures of the requested auditors that exist.
    pub audited: Vec<AuditedAttributes>,
    pub certified_auditors: Vec<Addr>,
    /// Signatures of the certified auditors that exist.
    pub certified: Vec<AuditedAttributes>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_uris() {
        for ok in [
            "https://provider.example.com",
            "https://p.example:8443",
            "https://p.example:8443/",
            "https://[::1]:8443",
            "https://127.0.0.1:8443",
        ] {
            assert!(validate_host_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://p.example",
            "https://",
            "https://p.example/path",
            "p.example",
            "https://p.example:0",
            "https://p.example:99999",
            "https://u@p.example",
            "https://p.example?q",
            "https://-p.example",
            "https://p example",
        ] {
            let err = validate_host_uri(bad).unwrap_err();
            assert_eq!(err.field, "host_uri", "{bad}");
        }
    }

    #[test]
    fn fingerprints() {
        assert!(validate_fingerprint(&"ab".repeat(32)).is_ok());
        assert!(validate_fingerprint(&"AB".repeat(32)).is_err());
        assert!(validate_fingerprint("abc").is_err());
    }

    #[test]
    fn gpu_capabilities_must_parse() {
        let details = ProviderDetails {
            host_uri: "https://p.example".into(),
            attributes: vec![Attribute::new(
                "capabilities/gpu/vendor/nvidia/model/*",
                "true",
            )],
            info: ProviderInfo::default(),
            tls_cert_fingerprint: "00".repeat(32),
        };
        assert_eq!(details.validate().unwrap_err().field, "attributes[0].key");
    }
}
