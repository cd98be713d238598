//! GPU requirement and capability keys, as Akash spells them:
//! - a group asks with `vendor/<v>/model/<m>[/ram/<X>][/interface/pcie|sxm]` (model may be `*`);
//! - a provider advertises `capabilities/gpu/vendor/<v>/model/<m>[/ram/<X>][/interface/<i>]`.

use cosmwasm_schema::cw_serde;

use crate::attributes::Attribute;

/// Prefix of a provider's GPU capability attribute keys.
pub const CAPABILITY_PREFIX: &str = "capabilities/gpu/";
/// GPU interfaces Akash knows.
pub const INTERFACES: [&str; 2] = ["pcie", "sxm"];

/// One GPU kind: what a group asks for (model may be `*`, ram and interface optional), or the
/// concrete GPU a provider offers.
#[cw_serde]
pub struct GpuSpec {
    pub vendor: String,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
}

impl GpuSpec {
    pub fn new(vendor: &str, model: &str) -> Self {
        Self {
            vendor: vendor.into(),
            model: model.into(),
            ram: None,
            interface: None,
        }
    }

    pub fn with_ram(mut self, ram: &str) -> Self {
        self.ram = Some(ram.into());
        self
    }

    pub fn with_interface(mut self, interface: &str) -> Self {
        self.interface = Some(interface.into());
        self
    }

    /// Parses `vendor/<v>/model/<m>[/ram/<X>][/interface/<i>]`.
    pub fn parse_requirement_key(key: &str) -> Result<Self, String> {
        let parts: Vec<&str> = key.split('/').collect();
        let (vendor, model, rest) = match parts.as_slice() {
            ["vendor", v, "model", m, rest @ ..] => (*v, *m, rest),
            _ => {
                return Err(format!(
                "{key:?} is not vendor/<vendor>/model/<model>[/ram/<size>][/interface/<pcie|sxm>]"
            ))
            }
        };
        let mut spec = GpuSpec::new(vendor, model);
        match rest {
            [] => {}
            ["ram", r] => spec.ram = Some((*r).into()),
            ["interface", i] => spec.interface = Some((*i).into()),
            ["ram", r, "interface", i] => {
                spec.ram = Some((*r).into());
                spec.interface = Some((*i).into());
            }
            _ => return Err(format!("{key:?}: after the model only /ram/<size> and then /interface/<pcie|sxm> may follow")),
        }
        spec.validate(true)?;
        Ok(spec)
    }

    /// Parses a provider capability key `capabilities/gpu/vendor/...`; the model must be concrete.
    pub fn parse_capability_key(key: &str) -> Result<Self, String> {
        let rest = key
            .strip_prefix(CAPABILITY_PREFIX)
            .ok_or_else(|| format!("{key:?} does not start with {CAPABILITY_PREFIX}"))?;
        let spec = Self::parse_requirement_key(rest)?;
        if spec.model == "*" {
            return Err(format!("{key:?}: a capability names a concrete model"));
        }
        Ok(spec)
    }

    /// The key a group uses to ask for this GPU.
    pub fn requirement_key(&self) -> String {
        let mut key = format!("vendor/{}/model/{}", self.vendor, self.model);
        if let Some(ram) = &self.ram {
            key.push_str(&format!("/ram/{ram}"));
        }
        if let Some(interface) = &self.interface {
            key.push_str(&format!("/interface/{interface}"));
        }
        key
    }

    /// The key a provider uses to advertise this GPU.
    pub fn capability_key(&self) -> String {
        format!("{CAPABILITY_PREFIX}{}", self.requirement_key())
    }

    /// Checks the parts' syntax. `allow_wildcard` permits model `*`.
    pub fn validate(&self, allow_wildcard: bool) -> Result<(), String> {
        let ident = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
        };
        if !ident(&self.vendor) {
            return Err(format!(
                "GPU vendor {:?} must be lowercase letters, digits, '-', '_' or '.'",
                self.vendor
            ));
        }
        if !(ident(&self.model) || (allow_wildcard && self.model == "*")) {
            return Err(format!(
                "GPU model {:?} must be lowercase letters, digits, '-', '_' or '.'{}",
                self.model,
                if allow_wildcard { ", or *" } else { "" }
            ));
        }
        if let Some(ram) = &self.ram {
            let digits = ram.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let unit = &ram[digits.len()..];
            if digits.is_empty()
                || !digits.chars().all(|c| c.is_ascii_digit())
                || !["Gi", "Mi", "Ti", "G", "M", "T"].contains(&unit)
            {
                return Err(format!("GPU ram {ram:?} must be a size such as 80Gi"));
            }
        }
        if let Some(interface) = &self.interface {
            if !INTERFACES.contains(&interface.as_str()) {
                return Err(format!("GPU interface {interface:?} must be pcie or sxm"));
            }
        }
        Ok(())
    }

    /// True when this concrete GPU meets a requirement (whose model may be `*`).
    pub fn satisfies(&self, requirement: &GpuSpec) -> bool {
        self.vendor == requirement.vendor
            && (requirement.model == "*" || requirement.model == self.model)
            && (requirement.ram.is_none() || requirement.ram == self.ram)
            && (requirement.interface.is_none() || requirement.interface == self.interface)
    }

    /// True when a provider capability backs this offered GPU: same vendor and model, and the
    /// capability states every detail the offer claims.
    pub fn backed_by(&self, capability: &GpuSpec) -> bool {
        self.vendor == capability.vendor
            && self.model == capability.model
            && (self.ram.is_none() || self.ram == capability.ram)
            && (self.interface.is_none() || self.interface == capability.interface)
    }
}

impl std::fmt::Display for GpuSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.requirement_key())
    }
}

/// The GPU kinds a group's GPU attributes ask for. An empty list means "any GPU".
pub fn requirements_from_attributes(attributes: &[Attribute]) -> Result<Vec<GpuSpec>, String> {
    attributes
        .iter()
        .map(|a| {
            if a.value != "true" {
                return Err(format!(
                    "GPU attribute {:?} must have the value \"true\"",
                    a.key
                ));
            }
            GpuSpec::parse_requirement_key(&a.key)
        })
        .collect()
}

/// The provider attributes (key, value "true") that advertise GPU capabilities, parsed. Keys
/// under the capability prefix that do not parse are ignored here; the registry refuses them
/// at registration.
pub fn capabilities_from_attributes(attributes: &[Attribute]) -> Vec<(GpuSpec, &Attribute)> {
    attributes
        .iter()
        .filter(|a| a.value == "true")
        .filter_map(|a| GpuSpec::parse_capability_key(&a.key).ok().map(|s| (s, a)))
        .collect()
}

/// True when the offered GPU meets one of the requirements (or there are none).
pub fn offer_meets_requirements(offered: &GpuSpec, requirements: &[GpuSpec]) -> bool {
    requirements.is_empty() || requirements.iter().any(|r| offered.satisfies(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requirement_keys() {
        let spec =
            GpuSpec::parse_requirement_key("vendor/nvidia/model/h100/ram/80Gi/interface/sxm")
                .unwrap();
        assert_eq!(
            spec,
            GpuSpec::new("nvidia", "h100")
                .with_ram("80Gi")
                .with_interface("sxm")
        );
        assert_eq!(
            spec.requirement_key(),
            "vendor/nvidia/model/h100/ram/80Gi/interface/sxm"
        );
        let any = GpuSpec::parse_requirement_key("vendor/nvidia/model/*").unwrap();
        assert_eq!(any.model, "*");
        assert!(
            GpuSpec::parse_requirement_key("vendor/nvidia/model/a100/interface/nvlink").is_err()
        );
        assert!(GpuSpec::parse_requirement_key("vendor/nvidia/model/a100/ram/lots").is_err());
        assert!(GpuSpec::parse_requirement_key("vendor/nvidia").is_err());
        assert!(
            GpuSpec::parse_requirement_key("vendor/nvidia/model/a100/interface/sxm/ram/80Gi")
                .is_err()
        );
        assert!(GpuSpec::parse_requirement_key("vendor/NVIDIA/model/a100").is_err());
    }

    #[test]
    fn capability_keys_are_concrete() {
        let cap =
            GpuSpec::parse_capability_key("capabilities/gpu/vendor/nvidia/model/a100/ram/40Gi")
                .unwrap();
        assert_eq!(
            cap.capability_key(),
            "capabilities/gpu/vendor/nvidia/model/a100/ram/40Gi"
        );
        assert!(GpuSpec::parse_capability_key("capabilities/gpu/vendor/nvidia/model/*").is_err());
        assert!(GpuSpec::parse_capability_key("vendor/nvidia/model/a100").is_err());
    }

    #[test]
    fn satisfaction_and_backing() {
        let h100 = GpuSpec::new("nvidia", "h100")
            .with_ram("80Gi")
            .with_interface("sxm");
        assert!(h100.satisfies(&GpuSpec::new("nvidia", "*")));
        assert!(h100.satisfies(&GpuSpec::new("nvidia", "h100").with_ram("80Gi")));
        assert!(!h100.satisfies(&GpuSpec::new("nvidia", "h100").with_interface("pcie")));
        assert!(!h100.satisfies(&GpuSpec::new("nvidia", "a100")));
        assert!(!h100.satisfies(&GpuSpec::new("amd", "*")));
        // An offer claiming 80Gi needs a capability that states 80Gi.
        assert!(h100.backed_by(&h100));
        assert!(!h100.backed_by(&GpuSpec::new("nvidia", "h100")));
        assert!(GpuSpec::new("nvidia", "h100").backed_by(&h100));
        assert!(offer_meets_requirements(&h100, &[]));
        assert!(offer_meets_requirements(
            &h100,
            &[
                GpuSpec::new("nvidia", "a100"),
                GpuSpec::new("nvidia", "h100")
            ]
        ));
    }

    #[test]
    fn requirement_attributes_need_true() {
        let attrs = vec![Attribute::new("vendor/nvidia/model/h100", "false")];
        assert!(requirements_from_attributes(&attrs).is_err());
        let attrs = vec![Attribute::new("vendor/nvidia/model/h100", "true")];
        assert_eq!(requirements_from_attributes(&attrs).unwrap().len(), 1);
    }
}
