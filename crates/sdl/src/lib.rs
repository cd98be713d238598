//! Akash SDL (Stack Definition Language) v2.0 and v2.1 for Kumo.
//!
//! [`parse`] reads an SDL file and returns what a deployment needs:
//! - the group specs for the market contract ([`kumo_types::resources::GroupSpec`], each
//!   checked with `GroupSpec::validate`);
//! - Akash's manifest, which the tenant sends to the provider ([`Manifest`]);
//! - the manifest hash: sha256 of the manifest's canonical JSON, as Akash computes it.
//!
//! The outputs match Akash's Go parser (chain-sdk `go/sdl`) on its parity corpus: group specs
//! and manifest as JSON values ([`akash_json`]) and the hash byte for byte.
//!
//! # Errors
//! Every refusal is an [`SdlError`] naming the SDL field, e.g.
//! `profiles.compute.web.resources.memory.size: "16XB" is not a size (use e.g. 512Mi, 1Gi,
//! 16GB) (at line 12)`. Files that are not SDL at all (a docker-compose file, a CI workflow)
//! are refused as `not an Akash SDL: missing ...`.
//!
//! # Where Kumo differs from Akash's Go parser
//! - Sizes are also read in the web console's lenient spellings (`16GB`, `1gi`, `512Mb`); see
//!   [`units`] for the table. Spellings the Go parser accepts give the same bytes.
//! - Unknown keys are refused where the Go parser refuses them (top level, `cpu`, `gpu`, GPU
//!   and storage attributes) and ignored where it ignores them, each with a warning in
//!   [`Sdl::warnings`] (real SDLs carry `depends_on:` and typos such as `servcie:`).
//! - Inputs only the schema refuses (parity corpus `schema-only-invalid`):
//!   - accepted: a short registry e-mail or password (the registry judges credentials), a
//!     denom other than uakt/uact (any valid Cosmos denom, e.g. an IBC denom: the market
//!     contract decides which it takes), a compound reclamation window such as `1h30m` (Go's
//!     `time.ParseDuration` reads it, and so does Kumo);
//!   - refused: version `3.0` (Go reads any version >= 2.1 as 2.1; Kumo reads 2.0 and 2.1
//!     only), a GPU vendor other than nvidia (Go silently turns `vendor: {amd: ...}` into "any
//!     nvidia GPU").
//! - Also refused where Go accepts: `include` with entries (Go ignores them), a persistent
//!   volume that its service does not mount itself (Go's v2.0 check can be satisfied by another volume's mount), GPU RAM
//!   in decimal units or not a whole number of GiB (Go truncates `1500Mi` to `1Gi`).
//! - Go sorts exposes and endpoints with `sort.Sort`, which is stable only up to 12 items;
//!   Kumo sorts stably, so results match for up to 12 exposes per service.

pub mod akash_json;
pub mod canonical;
mod de;
pub mod error;
mod groups;
pub mod manifest;
mod model;
pub mod units;
mod validate;
mod yaml;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use kumo_types::resources::GroupSpec;

pub use error::SdlError;
pub use manifest::Manifest;

use de::Cursor;
use yaml::{Node, Value};

/// The SDL versions Kumo reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SdlVersion {
    V2_0,
    V2_1,
}

impl fmt::Display for SdlVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SdlVersion::V2_0 => "2.0",
            SdlVersion::V2_1 => "2.1",
        })
    }
}

/// A parsed SDL.
#[derive(Debug, Clone, PartialEq)]
pub struct Sdl {
    pub version: SdlVersion,
    /// One per placement, sorted by name; each passed `GroupSpec::validate`.
    pub groups: Vec<GroupSpec>,
    pub manifest: Manifest,
    /// sha256 of [`Sdl::manifest_json`]: the deployment's on-chain manifest version.
    pub manifest_hash: [u8; 32],
    /// `reclamation.min_window`: the shortest reclamation window a provider must offer.
    pub reclamation: Option<Duration>,
    /// What was ignored, as Akash ignores it: unknown fields where Akash's parser is lenient,
    /// references to services that do not exist. Worth showing to the user.
    pub warnings: Vec<SdlError>,
}

impl Sdl {
    /// The manifest's canonical JSON, the bytes that are hashed.
    pub fn manifest_json(&self) -> String {
        self.manifest.canonical_json()
    }

    pub fn manifest_hash_hex(&self) -> String {
        hex::encode(self.manifest_hash)
    }

    /// The group specs in Akash's JSON shapes.
    pub fn group_specs_json(&self) -> serde_json::Value {
        akash_json::group_specs(&self.groups)
    }
}

/// Parses an SDL document.
pub fn parse(yaml: &str) -> Result<Sdl, SdlError> {
    let Some(root) = yaml::load(yaml)? else {
        return Err(SdlError::new(
            "",
            None,
            "not an Akash SDL: the file is empty",
        ));
    };
    let with_line = |mut e: SdlError| {
        if e.line.is_none() && !e.path.is_empty() {
            e.line = root.line_of(&e.path);
        }
        e
    };
    let mut sdl = parse_tree(&root).map_err(with_line)?;
    sdl.warnings = std::mem::take(&mut sdl.warnings)
        .into_iter()
        .map(with_line)
        .collect();
    Ok(sdl)
}

/// Reads and parses an SDL file.
pub fn parse_file(path: impl AsRef<Path>) -> Result<Sdl, SdlError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .map_err(|e| SdlError::new("", None, format!("cannot read {}: {e}", path.display())))?;
    parse(&text)
}

const REQUIRED: [&str; 4] = ["version", "services", "profiles", "deployment"];

/// Refuses documents that are not SDL at all, saying what they look like.
fn check_is_sdl(root: &Node) -> Result<(), SdlError> {
    let Value::Map(entries) = &root.value else {
        return Err(SdlError::new(
            "",
            Some(root.line),
            format!(
                "not an Akash SDL: the document is {}, not a mapping with `version`, `services`, `profiles` and `deployment`",
                root.kind_name()
            ),
        ));
    };
    let has = |k: &str| entries.iter().any(|e| e.key == k);
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|k| !has(k)).collect();
    if missing.len() < 2 {
        return Ok(());
    }
    let hint = if has("jobs") && has("on") {
        " (this looks like a CI workflow)"
    } else if has("services") && !has("profiles") {
        " (this looks like a docker-compose file)"
    } else {
        ""
    };
    Err(SdlError::new(
        "",
        Some(root.line),
        format!("not an Akash SDL: missing `{}`{hint}", missing.join("`, `")),
    ))
}

/// Akash reads the version tolerantly (`2`, `2.0`, `v2.0.0`): 2.0.0 is v2.0, 2.1.x is v2.1.
fn version(fields: &de::Fields<'_>) -> Result<SdlVersion, SdlError> {
    let c = fields.require("version")?;
    let text = c.scalar()?;
    let trimmed = text.trim();
    let bare = trimmed.strip_prefix(['v', 'V']).unwrap_or(trimmed);
    let parts: Vec<&str> = bare.split('.').collect();
    let nums: Option<Vec<u64>> = if parts.len() <= 3 {
        parts.iter().map(|p| p.parse().ok()).collect()
    } else {
        None
    };
    let nums = nums.map(|mut n| {
        n.resize(3, 0);
        n
    });
    match nums.as_deref() {
        Some([2, 0, 0]) => Ok(SdlVersion::V2_0),
        Some([2, 1, _]) => Ok(SdlVersion::V2_1),
        _ => Err(c.err(format!(
            "{text:?} is not a supported SDL version (use \"2.0\" or \"2.1\")"
        ))),
    }
}

fn parse_tree(root: &Node) -> Result<Sdl, SdlError> {
    check_is_sdl(root)?;
    let warnings = de::Warnings::default();
    let fields = Cursor::root(root, &warnings).fields(&model::TOP_LEVEL)?;
    let version = version(&fields)?;
    let raw = model::decode(&fields, version)?;
    let mut warnings = warnings.into_inner();
    validate::validate(&raw, &mut warnings)?;
    let built = groups::build(&raw)?;
    for (spec, origins) in built.groups.iter().zip(&built.origins) {
        spec.validate("group").map_err(|e| {
            SdlError::new(
                groups::sdl_path(&e.field, spec, origins, &raw),
                None,
                format!("{} (group {:?}: {})", e.reason, spec.name, e.field),
            )
        })?;
    }
    let manifest_hash = built.manifest.hash();
    Ok(Sdl {
        version,
        groups: built.groups,
        manifest: built.manifest,
        manifest_hash,
        reclamation: raw.reclamation,
        warnings,
    })
}
