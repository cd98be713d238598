//! Input files: `provider.yaml` (its `registration` section) and governance proposal files.
//! Every error names the file and the field.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use cosmwasm_std::Coin;
use kumo_types::attributes::Attribute;
use kumo_types::governance::{validate_action_bounds, validate_proposal_text, ProposalAction};
use kumo_types::registry::{validate_slash, ProviderDetails, ProviderInfo};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::parse::parse_coin;

/// Deserializes YAML with the path of a bad field in the error (and its line, for errors the
/// YAML reader finds).
fn from_yaml<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let de = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| path_error(e.path().to_string(), e.inner()))
}

/// YAML read as a plain tree first, then deserialized: enums written as `{variant: value}`
/// maps, as in JSON (the YAML reader alone wants `!variant` tags).
fn from_yaml_tree<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let tree: serde_json::Value =
        serde_norway::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    serde_path_to_error::deserialize(tree).map_err(|e| path_error(e.path().to_string(), e.inner()))
}

fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| path_error(e.path().to_string(), e.inner()))
}

fn path_error(path: String, inner: &impl std::fmt::Display) -> String {
    let inner = inner.to_string();
    // The YAML reader names the path itself.
    if path == "." || path.is_empty() || inner.starts_with(&format!("{path}: ")) {
        inner
    } else {
        format!("{path}: {inner}")
    }
}

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} {}: check the path", path.display()))
}

// --- provider.yaml ----------------------------------------------------------------------------

/// `provider.yaml`. The CLI reads only `registration`; other top-level sections belong to
/// the provider daemon and are ignored here.
#[derive(Debug, Deserialize)]
struct ProviderFile {
    registration: Option<Registration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    host_uri: String,
    /// Hex sha256 of the gateway certificate (DER).
    #[serde(default)]
    tls_cert_fingerprint: Option<String>,
    /// Or the certificate itself (PEM), relative to the file; its fingerprint is computed.
    #[serde(default)]
    tls_cert: Option<PathBuf>,
    #[serde(default)]
    info: RegistrationInfo,
    #[serde(default)]
    attributes: Vec<Attribute>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistrationInfo {
    #[serde(default)]
    email: String,
    #[serde(default)]
    website: String,
}

/// sha256 of the first certificate in a PEM file, as 64 lowercase hex characters.
pub fn pem_fingerprint(pem: &str) -> Result<String, String> {
    use base64::Engine as _;
    let begin = "-----BEGIN CERTIFICATE-----";
    let end = "-----END CERTIFICATE-----";
    let start = pem
        .find(begin)
        .ok_or("no `-----BEGIN CERTIFICATE-----` block: give a PEM certificate")?
        + begin.len();
    let stop = pem[start..]
        .find(end)
        .ok_or("the certificate block is not closed with `-----END CERTIFICATE-----`")?
        + start;
    let body: String = pem[start..stop].split_whitespace().collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| format!("the certificate is not valid base64: {e}"))?;
    Ok(hex::encode(Sha256::digest(der)))
}

/// Parses the registration section of `provider.yaml` text. `base` resolves a relative
/// `tls_cert` path.
pub fn parse_provider_registration(
    text: &str,
    source: &str,
    base: &Path,
) -> anyhow::Result<ProviderDetails> {
    if text.trim().is_empty() {
        bail!("{source} is empty: see examples/provider.yaml for what a provider file holds");
    }
    let file: ProviderFile =
        from_yaml(text).map_err(|e| anyhow!("{source}: {e}; see examples/provider.yaml"))?;
    let reg = file.registration.ok_or_else(|| {
        anyhow!(
            "{source}: no `registration` section: the provider's host_uri, attributes and \
             info go under `registration:` (see examples/provider.yaml)"
        )
    })?;
    let fingerprint = match (reg.tls_cert_fingerprint, reg.tls_cert) {
        (Some(fp), None) => fp.trim().to_ascii_lowercase(),
        (None, Some(cert)) => {
            let path = base.join(&cert);
            let pem = std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "{source}: registration.tls_cert: cannot read {}",
                    path.display()
                )
            })?;
            pem_fingerprint(&pem).map_err(|e| anyhow!("{source}: registration.tls_cert: {e}"))?
        }
        (Some(_), Some(_)) => {
            bail!("{source}: registration: give tls_cert_fingerprint or tls_cert, not both")
        }
        (None, None) => bail!(
            "{source}: registration.tls_cert_fingerprint: missing: give the gateway \
             certificate's sha256 (64 hex characters) or `tls_cert: <path to PEM>`"
        ),
    };
    let details = ProviderDetails {
        host_uri: reg.host_uri,
        attributes: reg.attributes,
        info: ProviderInfo {
            email: reg.info.email,
            website: reg.info.website,
        },
        tls_cert_fingerprint: fingerprint,
    };
    details
        .validate()
        .map_err(|e| anyhow!("{source}: registration.{}: {}", e.field, e.reason))?;
    Ok(details)
}

pub fn read_provider_registration(path: &Path) -> anyhow::Result<ProviderDetails> {
    let text = read(path, "provider file")?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse_provider_registration(&text, &path.display().to_string(), base)
}

// --- proposal files ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProposal {
    title: String,
    #[serde(alias = "description")]
    summary: String,
    #[serde(default)]
    expedited: bool,
    /// The initial deposit, e.g. "10000000uakt"; default: the governance minimum.
    #[serde(default)]
    deposit: Option<String>,
    #[serde(default)]
    actions: Vec<ProposalAction>,
}

/// A governance proposal, checked as far as it can be without a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalFile {
    pub title: String,
    pub summary: String,
    pub expedited: bool,
    pub deposit: Option<Coin>,
    pub actions: Vec<ProposalAction>,
}

fn check_action(i: usize, action: &ProposalAction) -> Result<(), String> {
    let field = format!("actions[{i}]");
    match action {
        ProposalAction::UpdateMarketParams(u) => {
            if *u == Default::default() {
                return Err(format!(
                    "{field}.update_market_params: changes nothing: set at least one param, \
                     e.g. order_max_bids"
                ));
            }
        }
        ProposalAction::UpdateRegistryParams(u) => {
            if *u == Default::default() {
                return Err(format!(
                    "{field}.update_registry_params: changes nothing: set at least one param"
                ));
            }
        }
        ProposalAction::UpdateGovernanceParams(u) => {
            if **u == Default::default() {
                return Err(format!(
                    "{field}.update_governance_params: changes nothing: set at least one param"
                ));
            }
        }
        ProposalAction::SetGpuPricingTiers { tiers } => {
            kumo_types::market::validate_tiers(tiers)
                .map_err(|e| format!("{field}.set_gpu_pricing_tiers.{}: {}", e.field, e.reason))?;
        }
        ProposalAction::SlashProvider {
            fraction, reason, ..
        } => {
            validate_slash(*fraction, reason)
                .map_err(|e| format!("{field}.slash_provider.{}: {}", e.field, e.reason))?;
        }
        ProposalAction::CommunityPoolSpend { amount, .. } => {
            if amount.is_empty() || amount.iter().any(|c| c.amount.is_zero()) {
                return Err(format!(
                    "{field}.community_pool_spend.amount: give at least one non-zero coin"
                ));
            }
        }
        ProposalAction::SetCertifiedAuditors { .. } | ProposalAction::SetContracts { .. } => {}
    }
    Ok(())
}

/// Parses a proposal file's text: JSON when `json`, else YAML.
pub fn parse_proposal(
    text: &str,
    json: bool,
    source: &str,
    denom: &str,
) -> anyhow::Result<ProposalFile> {
    let hint = "see examples/proposal.json";
    if text.trim().is_empty() {
        bail!("{source} is empty: a proposal file has a title, a summary and actions; {hint}");
    }
    let raw: RawProposal = if json {
        from_json(text)
    } else {
        from_yaml_tree(text)
    }
    .map_err(|e| anyhow!("{source}: {e}; {hint}"))?;
    validate_proposal_text(&raw.title, &raw.summary).map_err(|e| {
        let field = if e.field == "description" {
            "summary"
        } else {
            e.field.as_str()
        };
        anyhow!("{source}: {field}: {}", e.reason)
    })?;
    validate_action_bounds(&raw.actions)
        .map_err(|e| anyhow!("{source}: {}: {}", e.field, e.reason))?;
    for (i, action) in raw.actions.iter().enumerate() {
        check_action(i, action).map_err(|e| anyhow!("{source}: {e}"))?;
    }
    let deposit = raw
        .deposit
        .map(|d| parse_coin(&d, denom))
        .transpose()
        .map_err(|e| anyhow!("{source}: deposit: {e}"))?;
    Ok(ProposalFile {
        title: raw.title,
        summary: raw.summary,
        expedited: raw.expedited,
        deposit,
        actions: raw.actions,
    })
}

pub fn read_proposal(path: &Path, denom: &str) -> anyhow::Result<ProposalFile> {
    let text = read(path, "proposal file")?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    parse_proposal(&text, json, &path.display().to_string(), denom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp() -> String {
        "ab".repeat(32)
    }

    fn provider(text: &str) -> anyhow::Result<ProviderDetails> {
        parse_provider_registration(text, "provider.yaml", Path::new("."))
    }

    #[test]
    fn the_example_provider_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/provider.yaml");
        let details = read_provider_registration(&path).unwrap();
        assert!(details.host_uri.starts_with("https://"));
        assert!(details
            .attributes
            .iter()
            .any(|a| a.key.starts_with("capabilities/gpu/vendor/nvidia/model/")));
        assert!(details.info.email.contains('@'));
    }

    #[test]
    fn provider_files_ignore_other_sections() {
        let text = format!(
            "registration:\n  host_uri: https://p.example:8443\n  tls_cert_fingerprint: \"{}\"\n  attributes:\n    - key: region\n      value: us-west\ndaemon:\n  anything: [1, 2]\n",
            fp()
        );
        let d = provider(&text).unwrap();
        assert_eq!(d.attributes, vec![Attribute::new("region", "us-west")]);
        assert_eq!(d.info, ProviderInfo::default());
    }

    #[test]
    fn provider_file_errors_name_the_field() {
        let cases = [
            (
                format!("registration:\n  host_uri: http://p.example\n  tls_cert_fingerprint: \"{}\"\n", fp()),
                "registration.host_uri",
            ),
            (
                format!("registration:\n  host_uri: https://p.example\n  tls_cert_fingerprint: \"{}\"\n  hosturi: x\n", fp()),
                "hosturi",
            ),
            (
                "registration:\n  host_uri: https://p.example\n".to_string(),
                "registration.tls_cert_fingerprint",
            ),
            (
                "registration:\n  host_uri: https://p.example\n  tls_cert_fingerprint: xyz\n".to_string(),
                "registration.tls_cert_fingerprint",
            ),
            (
                format!("registration:\n  host_uri: https://p.example\n  tls_cert_fingerprint: \"{}\"\n  attributes:\n    - key: region\n", fp()),
                "registration.attributes[0]",
            ),
            (
                format!("registration:\n  host_uri: https://p.example\n  tls_cert_fingerprint: \"{}\"\n  attributes:\n    - key: capabilities/gpu/vendor/nvidia/model/*\n      value: \"true\"\n", fp()),
                "registration.attributes[0].key",
            ),
            (
                format!("registration:\n  host_uri: https://p.example\n  tls_cert_fingerprint: \"{}\"\n  info:\n    email: nope\n", fp()),
                "registration.info.email",
            ),
            (
                format!("registration:\n  host_uri: [1]\n  tls_cert_fingerprint: \"{}\"\n", fp()),
                "registration.host_uri",
            ),
            ("provider:\n  host_uri: https://p.example\n".to_string(), "`registration`"),
        ];
        for (text, field) in cases {
            let err = format!("{:#}", provider(&text).unwrap_err());
            assert!(err.contains(field), "expected {field} in: {err}");
            assert!(err.starts_with("provider.yaml"), "{err}");
        }
    }

    #[test]
    fn pem_certificates_give_their_fingerprint() {
        use base64::Engine as _;
        let der = b"not really DER but bytes all the same";
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n{}\n-----END CERTIFICATE-----\n",
            &body[..20],
            &body[20..]
        );
        assert_eq!(
            pem_fingerprint(&pem).unwrap(),
            hex::encode(Sha256::digest(der))
        );
        assert!(pem_fingerprint("junk")
            .unwrap_err()
            .contains("BEGIN CERTIFICATE"));

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("gw.pem"), &pem).unwrap();
        let d = parse_provider_registration(
            "registration:\n  host_uri: https://p.example\n  tls_cert: gw.pem\n",
            "p.yaml",
            dir.path(),
        )
        .unwrap();
        assert_eq!(d.tls_cert_fingerprint, hex::encode(Sha256::digest(der)));
    }

    #[test]
    fn the_example_proposal_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/proposal.json");
        let p = read_proposal(&path, "uakt").unwrap();
        assert!(!p.title.is_empty());
        assert!(matches!(
            &p.actions[..],
            [ProposalAction::UpdateMarketParams(u)] if u.order_max_bids.is_some()
        ));
    }

    #[test]
    fn proposal_errors_name_the_field() {
        let ok = r#"{"title": "t", "summary": "s", "actions": [{"update_market_params": {"order_max_bids": 25}}]}"#;
        let p = parse_proposal(ok, true, "p.json", "uakt").unwrap();
        assert_eq!(p.deposit, None);
        assert!(!p.expedited);
        let cases = [
            (r#"{"summary": "s"}"#, "title"),
            (r#"{"title": "", "summary": "s"}"#, "title"),
            (r#"{"title": "t", "summary": "  "}"#, "summary"),
            (
                r#"{"title": "t", "summary": "s", "actions": [{"update_market_params": {"order_max_bids": "x"}}]}"#,
                "actions[0].update_market_params.order_max_bids",
            ),
            (
                r#"{"title": "t", "summary": "s", "actions": [{"update_market_params": {"order_max_bidz": 1}}]}"#,
                "actions[0].update_market_params",
            ),
            (
                r#"{"title": "t", "summary": "s", "actions": [{"update_market_params": {}}]}"#,
                "actions[0].update_market_params: changes nothing",
            ),
            (
                r#"{"title": "t", "summary": "s", "actions": [{"launch_rockets": {}}]}"#,
                "actions[0]",
            ),
            (
                r#"{"title": "t", "summary": "s", "deposit": "lots"}"#,
                "deposit",
            ),
            (
                r#"{"title": "t", "summary": "s", "actions": [{"slash_provider": {"provider": "p", "fraction": "0", "reason": "r"}}]}"#,
                "actions[0].slash_provider.fraction",
            ),
            (r#"{"title": "t", "summary": "s", "colour": 1}"#, "colour"),
        ];
        for (text, field) in cases {
            let err = format!(
                "{:#}",
                parse_proposal(text, true, "p.json", "uakt").unwrap_err()
            );
            assert!(err.contains(field), "expected {field} in: {err}");
            assert!(err.starts_with("p.json"), "{err}");
        }
    }

    #[test]
    fn yaml_proposals_parse_too() {
        let text = "title: Raise the bid limit\ndescription: more bids\nexpedited: true\ndeposit: 10000000uakt\nactions:\n  - update_market_params:\n      order_max_bids: 30\n";
        let p = parse_proposal(text, false, "p.yaml", "uakt").unwrap();
        assert!(p.expedited);
        assert_eq!(p.deposit, Some(Coin::new(10_000_000u128, "uakt")));
        let err = format!(
            "{:#}",
            parse_proposal(
                "title: t\nsummary: s\nactions:\n  - update_market_params:\n      max_groups: many\n",
                false,
                "p.yaml",
                "uakt"
            )
            .unwrap_err()
        );
        assert!(
            err.contains("actions[0].update_market_params.max_groups"),
            "{err}"
        );
    }
}
