//! Akash's deployment manifest (`manifest/v2beta3`): what the tenant sends to the provider.
//!
//! The types serialize to exactly the JSON Akash's Go code produces (field names, `null`s and
//! omitted fields), because the manifest hash is taken over that JSON.

use kumo_types::resources::Resources;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::akash_json;
use crate::canonical;

/// The manifest: one group per placement, sorted by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Manifest(pub Vec<ManifestGroup>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestGroup {
    pub name: String,
    /// Sorted by name.
    pub services: Vec<ManifestService>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestService {
    pub name: String,
    pub image: String,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub env: Option<Vec<String>>,
    /// The service's resource unit; `id` is the unit's id in the group spec.
    #[serde(with = "akash_json::resources_serde")]
    pub resources: Resources,
    pub count: u32,
    pub expose: Vec<ServiceExpose>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<ServiceParams>,
    pub credentials: Option<ImageCredentials>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceExpose {
    pub port: u32,
    /// `as` in the SDL; 0 when not given.
    pub external_port: u32,
    pub proto: Protocol,
    /// The service it is exposed to; empty for global exposure.
    pub service: String,
    pub global: bool,
    /// `accept` in the SDL.
    pub hosts: Option<Vec<String>>,
    pub http_options: HttpOptions,
    /// The IP endpoint's name, or empty.
    pub ip: String,
    pub endpoint_sequence_number: u32,
}

impl ServiceExpose {
    /// The port the outside world sees.
    pub fn effective_external_port(&self) -> u32 {
        if self.external_port == 0 {
            self.port
        } else {
            self.external_port
        }
    }

    /// Global plain HTTP on port 80 goes through the provider's shared ingress.
    pub fn is_ingress(&self) -> bool {
        self.proto == Protocol::Tcp && self.global && self.effective_external_port() == 80
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpOptions {
    pub max_body_size: u32,
    /// Left at 0 (and out of the JSON) unless set, so manifests stay byte-identical to those
    /// of parsers that predate it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub proxy_buffer_size: u32,
    pub read_timeout: u32,
    pub send_timeout: u32,
    pub next_tries: u32,
    pub next_timeout: u32,
    pub next_cases: Vec<String>,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

impl Default for HttpOptions {
    /// Akash's defaults.
    fn default() -> Self {
        Self {
            max_body_size: 1_048_576,
            proxy_buffer_size: 0,
            read_timeout: 60_000,
            send_timeout: 60_000,
            next_tries: 3,
            next_timeout: 0,
            next_cases: vec!["error".into(), "timeout".into()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceParams {
    /// Sorted by volume name; `null` when none.
    pub storage: Option<Vec<StorageParams>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<ServicePermissions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tee: Option<TeeParams>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageParams {
    pub name: String,
    pub mount: String,
    #[serde(rename = "readOnly")]
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePermissions {
    pub read: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeeParams {
    /// `cpu` or `cpu-gpu`.
    #[serde(rename = "type")]
    pub kind: String,
    pub attestation: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageCredentials {
    pub host: String,
    pub email: String,
    pub username: String,
    pub password: String,
}

impl Manifest {
    /// The manifest as Akash's JSON value.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("manifest types serialize to JSON")
    }

    /// Akash's canonical JSON of the manifest: keys sorted, no whitespace, Go's escaping.
    pub fn canonical_json(&self) -> String {
        canonical::to_string(&self.to_json())
    }

    /// The manifest version: sha256 of the canonical JSON, as the deployment stores it.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.canonical_json().as_bytes()).into()
    }

    /// Reads a manifest from Akash's JSON (as a provider receives it).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, serde_json::Error> {
        Manifest::deserialize(value)
    }
}
