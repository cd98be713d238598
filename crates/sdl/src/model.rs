//! The SDL as written, decoded from the YAML tree with Akash's per-field rules.
//!
//! Unknown keys are refused where Akash's Go parser refuses them (the top level, `cpu`, `gpu`,
//! GPU and storage attributes); elsewhere it ignores them, and so does Kumo, with a warning
//! naming each one, so a typo (`servcie:`) is seen. Maps are kept in `BTreeMap`s: Akash
//! iterates service, placement and profile names sorted.

use std::collections::BTreeMap;
use std::time::Duration;

use cosmwasm_std::Decimal256;
use kumo_types::attributes::{Attribute, SignedBy};

use crate::de::{Cursor, Fields};
use crate::error::Result;
use crate::manifest::{HttpOptions, Protocol};
use crate::units;
use crate::SdlVersion;

mod compute;
mod service;

/// Top-level keys of an SDL.
pub const TOP_LEVEL: [&str; 7] = [
    "version",
    "include",
    "services",
    "profiles",
    "deployment",
    "endpoints",
    "reclamation",
];

#[derive(Debug, Clone)]
pub struct RawSdl {
    pub version: SdlVersion,
    pub services: BTreeMap<String, Service>,
    pub compute: BTreeMap<String, Compute>,
    pub placement: BTreeMap<String, Placement>,
    /// service -> placement -> deployment
    pub deployment: BTreeMap<String, BTreeMap<String, ServiceDeployment>>,
    pub endpoints: BTreeMap<String, String>,
    pub reclamation: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub image: String,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub env: Option<Vec<String>>,
    pub expose: Vec<Expose>,
    pub dependencies: Vec<String>,
    pub params: Option<Params>,
    pub credentials: Option<Credentials>,
}

#[derive(Debug, Clone)]
pub struct Expose {
    pub port: u32,
    /// `as`; 0 when not given.
    pub external_port: u32,
    /// The `proto` as written (Akash keys IP port collisions on it).
    pub proto_raw: String,
    pub proto: Protocol,
    pub to: Vec<ExposeTo>,
    pub accept: Option<Vec<String>>,
    pub http_options: HttpOptions,
}

#[derive(Debug, Clone)]
pub struct ExposeTo {
    pub service: String,
    pub global: bool,
    pub ip: String,
}

#[derive(Debug, Clone)]
pub struct Params {
    /// volume name -> mount
    pub storage: BTreeMap<String, StorageParam>,
    pub permissions: Option<Vec<String>>,
    pub tee: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StorageParam {
    pub mount: String,
    pub read_only: bool,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub host: String,
    pub email: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct Compute {
    /// Millicpu.
    pub cpu: u64,
    pub cpu_attributes: Vec<Attribute>,
    /// Bytes.
    pub memory: u64,
    pub gpu_units: u64,
    pub gpu_attributes: Vec<Attribute>,
    /// In Akash's order (see [`compute::sort_volumes`]).
    pub storage: Vec<Volume>,
}

#[derive(Debug, Clone)]
pub struct Volume {
    pub name: String,
    pub size: u64,
    /// `None` when the SDL gives no attributes.
    pub attributes: Option<Vec<Attribute>>,
    /// Index in the SDL's storage list (0 for the single-volume form).
    pub index: usize,
    pub listed: bool,
}

impl Volume {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .as_ref()?
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.value.as_str())
    }

    pub fn persistent(&self) -> bool {
        self.attribute("persistent") == Some("true")
    }

    pub fn class(&self) -> Option<&str> {
        self.attribute("class")
    }

    /// The volume's SDL path below `profiles.compute.<p>.resources`.
    pub fn path(&self, compute_path: &str) -> String {
        if self.listed {
            format!("{compute_path}.storage[{}]", self.index)
        } else {
            format!("{compute_path}.storage")
        }
    }
}

#[derive(Debug, Clone)]
pub struct Placement {
    /// Sorted by key.
    pub attributes: Vec<Attribute>,
    pub signed_by: SignedBy,
    /// compute profile -> price per block
    pub pricing: BTreeMap<String, Price>,
}

#[derive(Debug, Clone)]
pub struct Price {
    pub denom: String,
    pub amount: Decimal256,
}

#[derive(Debug, Clone)]
pub struct ServiceDeployment {
    pub profile: String,
    pub count: u32,
}

pub fn compute_path(profile: &str) -> String {
    format!("profiles.compute.{profile}.resources")
}

/// Decodes a document whose top-level keys were checked.
pub fn decode(root: &Fields<'_>, version: SdlVersion) -> Result<RawSdl> {
    if let Some(include) = root.get("include") {
        if !include.seq()?.is_empty() {
            return Err(include.err("includes are not supported: put everything in one SDL file"));
        }
    }
    let mut services = BTreeMap::new();
    for (name, svc) in root.require("services")?.entries()? {
        services.insert(name, service::service(&svc)?);
    }
    let profiles = root.require("profiles")?;
    let profiles = profiles.fields_lenient(&["compute", "placement"])?;
    let mut compute_profiles = BTreeMap::new();
    for (name, c) in profiles.require("compute")?.entries()? {
        compute_profiles.insert(name, compute::compute(&c)?);
    }
    let mut placements = BTreeMap::new();
    for (name, p) in profiles.require("placement")?.entries()? {
        placements.insert(name, placement(&p)?);
    }
    let mut deployment = BTreeMap::new();
    for (svc, placements_of) in root.require("deployment")?.entries()? {
        let mut per = BTreeMap::new();
        for (placement_name, d) in placements_of.entries()? {
            let f = d.fields_lenient(&["profile", "count"])?;
            let profile = f.require("profile")?.string()?;
            let count = match f.get("count") {
                Some(c) => c.u32()?,
                None => return Err(f.missing("count")),
            };
            per.insert(placement_name, ServiceDeployment { profile, count });
        }
        deployment.insert(svc, per);
    }
    let mut endpoints = BTreeMap::new();
    if let Some(eps) = root.get("endpoints") {
        for (name, ep) in eps.entries()? {
            let f = ep.fields_lenient(&["kind"])?;
            let kind = f.get("kind").map(|k| k.string()).transpose()?;
            endpoints.insert(name, kind.unwrap_or_default());
        }
    }
    let reclamation = match root.raw("reclamation") {
        Some(r) => {
            let f = r.fields_lenient(&["min_window"])?;
            let window = f.require("min_window")?;
            let text = window.string()?;
            Some(units::parse_duration(&text).map_err(|e| window.err(e))?)
        }
        None => None,
    };
    Ok(RawSdl {
        version,
        services,
        compute: compute_profiles,
        placement: placements,
        deployment,
        endpoints,
        reclamation,
    })
}

fn placement(c: &Cursor<'_>) -> Result<Placement> {
    let f = c.fields_lenient(&["attributes", "signedBy", "pricing"])?;
    let mut attributes = Vec::new();
    if let Some(a) = f.get("attributes") {
        for (key, v) in a.entries()? {
            attributes.push(Attribute::new(key, v.opt_string()?.unwrap_or_default()));
        }
    }
    attributes.sort_by(|a, b| a.key.cmp(&b.key));
    let mut signed_by = SignedBy::default();
    if let Some(s) = f.get("signedBy") {
        let sf = s.fields_lenient(&["allOf", "anyOf"])?;
        if let Some(all) = sf.raw("allOf") {
            signed_by.all_of = all.string_list()?.unwrap_or_default();
        }
        if let Some(any) = sf.raw("anyOf") {
            signed_by.any_of = any.string_list()?.unwrap_or_default();
        }
    }
    let mut pricing = BTreeMap::new();
    let Some(p) = f.get("pricing") else {
        let mut e = f.missing("pricing");
        e.reason = "missing: a placement needs a price per block for each compute profile it \
                    runs (e.g. pricing: {web: {denom: uakt, amount: 1000}})"
            .into();
        return Err(e);
    };
    for (profile, coin) in p.entries()? {
        let cf = coin.fields_lenient(&["denom", "amount"])?;
        let denom = cf.require("denom")?.string()?;
        let amount_c = cf.require("amount")?;
        let amount = units::parse_price(amount_c.scalar()?).map_err(|e| amount_c.err(e))?;
        pricing.insert(profile, Price { denom, amount });
    }
    Ok(Placement {
        attributes,
        signed_by,
        pricing,
    })
}
