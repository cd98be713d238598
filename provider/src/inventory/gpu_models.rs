//! NVML product names → SDL model keys, GPU memory and interface, as Akash spells them
//! (`capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm`).
//!
//! NVML names are inconsistent ("NVIDIA H100 80GB HBM3" is the SXM part, "NVIDIA A100-SXM4-40GB",
//! "Tesla T4", "NVIDIA GeForce RTX 4090"), so names are split into upper-case tokens and
//! matched against a table, most specific rule first. The name's own hints win over the
//! table's defaults: a `NNGB` token gives the memory, `PCIE`/`SXM*`/`NVL` the interface.
//! Unknown names become a conservative key (lower-cased letters and digits) and are flagged
//! so the caller can warn.

use kumo_types::gpu::GpuSpec;

/// How a rule decides the interface when the name does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Iface {
    Pcie,
    Sxm,
    /// Sold as both: NVLink presence decides (SXM boards are NVLink-connected).
    Detect,
}

struct Rule {
    /// Every token must be in the name.
    tokens: &'static [&'static str],
    model: &'static str,
    ram_gib: u64,
    iface: Iface,
    /// Whether a `NNGB` token in the name is the GPU's memory (not for GH200, whose name
    /// counts the CPU's memory too).
    ram_from_name: bool,
}

const fn rule(
    tokens: &'static [&'static str],
    model: &'static str,
    ram_gib: u64,
    iface: Iface,
) -> Rule {
    Rule {
        tokens,
        model,
        ram_gib,
        iface,
        ram_from_name: true,
    }
}

use Iface::{Detect, Pcie, Sxm};

/// Most specific first: `H100 NVL` before `H100`, `L40S` before `L40`.
const RULES: &[Rule] = &[
    // Hopper / Blackwell data centre parts.
    Rule {
        ram_from_name: false,
        ..rule(&["GH200"], "gh200", 96, Sxm)
    },
    rule(&["H200", "NVL"], "h200", 141, Pcie),
    rule(&["H200"], "h200", 141, Sxm),
    rule(&["H100", "NVL"], "h100", 94, Pcie),
    rule(&["H100", "PCIE"], "h100", 80, Pcie),
    // "NVIDIA H100 80GB HBM3", "NVIDIA H100 SXM5 94GB": the SXM parts.
    rule(&["H100"], "h100", 80, Sxm),
    rule(&["H800", "PCIE"], "h800", 80, Pcie),
    rule(&["H800"], "h800", 80, Sxm),
    rule(&["B200"], "b200", 180, Sxm),
    rule(&["B100"], "b100", 192, Sxm),
    // Ampere data centre parts.
    rule(&["A100"], "a100", 40, Detect),
    rule(&["A800"], "a800", 40, Detect),
    rule(&["A40"], "a40", 48, Pcie),
    rule(&["A30"], "a30", 24, Pcie),
    rule(&["A10G"], "a10g", 24, Pcie),
    rule(&["A10"], "a10", 24, Pcie),
    rule(&["A16"], "a16", 16, Pcie),
    rule(&["A2"], "a2", 16, Pcie),
    // Ada data centre parts.
    rule(&["L40S"], "l40s", 48, Pcie),
    rule(&["L40"], "l40", 48, Pcie),
    rule(&["L20"], "l20", 48, Pcie),
    rule(&["L4"], "l4", 24, Pcie),
    // Older data centre parts.
    rule(&["V100S"], "v100s", 32, Pcie),
    rule(&["V100"], "v100", 16, Detect),
    rule(&["P100"], "p100", 16, Detect),
    rule(&["P40"], "p40", 24, Pcie),
    rule(&["T4"], "t4", 16, Pcie),
    // Workstation parts.
    rule(&["RTX", "PRO", "6000"], "rtxpro6000", 96, Pcie),
    rule(&["RTX", "6000", "ADA"], "rtx6000ada", 48, Pcie),
    rule(&["RTX", "5000", "ADA"], "rtx5000ada", 32, Pcie),
    rule(&["RTX", "4000", "ADA"], "rtx4000ada", 20, Pcie),
    rule(&["A6000"], "a6000", 48, Pcie),
    rule(&["A5000"], "a5000", 24, Pcie),
    rule(&["A4500"], "a4500", 20, Pcie),
    rule(&["A4000"], "a4000", 16, Pcie),
    rule(&["RTX", "8000"], "rtx8000", 48, Pcie),
    rule(&["RTX", "6000"], "rtx6000", 24, Pcie),
    // GeForce.
    rule(&["RTX", "5090"], "rtx5090", 32, Pcie),
    rule(&["RTX", "5080"], "rtx5080", 16, Pcie),
    rule(&["RTX", "4090", "D"], "rtx4090d", 24, Pcie),
    rule(&["RTX", "4090"], "rtx4090", 24, Pcie),
    rule(&["RTX", "4080", "SUPER"], "rtx4080super", 16, Pcie),
    rule(&["RTX", "4080"], "rtx4080", 16, Pcie),
    rule(&["RTX", "4070", "TI"], "rtx4070ti", 12, Pcie),
    rule(&["RTX", "4070"], "rtx4070", 12, Pcie),
    rule(&["RTX", "4060", "TI"], "rtx4060ti", 8, Pcie),
    rule(&["RTX", "4060"], "rtx4060", 8, Pcie),
    rule(&["RTX", "3090", "TI"], "rtx3090ti", 24, Pcie),
    rule(&["RTX", "3090"], "rtx3090", 24, Pcie),
    rule(&["RTX", "3080", "TI"], "rtx3080ti", 12, Pcie),
    rule(&["RTX", "3080"], "rtx3080", 10, Pcie),
    rule(&["RTX", "3070", "TI"], "rtx3070ti", 8, Pcie),
    rule(&["RTX", "3070"], "rtx3070", 8, Pcie),
    rule(&["RTX", "3060", "TI"], "rtx3060ti", 8, Pcie),
    rule(&["RTX", "3060"], "rtx3060", 12, Pcie),
];

/// Words that carry no model information.
const NOISE: [&str; 5] = ["NVIDIA", "TESLA", "GEFORCE", "QUADRO", "GENERATION"];

/// What the hardware says beyond the name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// Total memory NVML reports, in bytes.
    pub memory_bytes: Option<u64>,
    /// Whether any NVLink is active.
    pub nvlink: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// Vendor `nvidia`, model key, ram `<n>Gi`, interface `pcie` or `sxm`.
    pub spec: GpuSpec,
    /// False when no rule knew the name: the key was derived from the name itself.
    pub known: bool,
}

fn tokens(name: &str) -> Vec<String> {
    name.to_ascii_uppercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// `80GB` → 80.
fn ram_token(tokens: &[String]) -> Option<u64> {
    tokens.iter().find_map(|t| {
        let n = t.strip_suffix("GB")?;
        (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .then(|| n.parse().ok())
            .flatten()
            .filter(|&g| g > 0)
    })
}

fn iface_token(tokens: &[String]) -> Option<&'static str> {
    if tokens.iter().any(|t| t.starts_with("SXM")) {
        Some("sxm")
    } else if tokens.iter().any(|t| t == "PCIE" || t == "NVL") {
        Some("pcie")
    } else {
        None
    }
}

/// NVML reports a little less than the marketed size (81559 MiB for "80GB"), so round to the
/// nearest GiB.
fn ram_from_bytes(bytes: u64) -> Option<u64> {
    const GI: u64 = 1 << 30;
    let gib = bytes.saturating_add(GI / 2) / GI;
    (gib > 0).then_some(gib)
}

fn detect_iface(hints: Hints) -> &'static str {
    if hints.nvlink == Some(true) {
        "sxm"
    } else {
        "pcie"
    }
}

/// Normalizes an NVML product name.
pub fn normalize(name: &str, hints: Hints) -> Normalized {
    let toks = tokens(name);
    let rule = RULES
        .iter()
        .find(|r| r.tokens.iter().all(|want| toks.iter().any(|t| t == want)));
    match rule {
        Some(r) => {
            let ram = r
                .ram_from_name
                .then(|| ram_token(&toks))
                .flatten()
                .unwrap_or(r.ram_gib);
            let iface = iface_token(&toks).unwrap_or(match r.iface {
                Pcie => "pcie",
                Sxm => "sxm",
                Detect => detect_iface(hints),
            });
            Normalized {
                spec: GpuSpec::new("nvidia", r.model)
                    .with_ram(&format!("{ram}Gi"))
                    .with_interface(iface),
                known: true,
            }
        }
        None => {
            let key: String = toks
                .iter()
                .filter(|t| {
                    !NOISE.contains(&t.as_str()) && ram_token(std::slice::from_ref(t)).is_none()
                })
                .map(|t| t.to_ascii_lowercase())
                .collect::<Vec<_>>()
                .concat();
            let key: String = key.chars().take(64).collect();
            let model = if key.is_empty() {
                "unknown".to_string()
            } else {
                key
            };
            let ram = ram_token(&toks).or_else(|| hints.memory_bytes.and_then(ram_from_bytes));
            let mut spec = GpuSpec::new("nvidia", &model)
                .with_interface(iface_token(&toks).unwrap_or_else(|| detect_iface(hints)));
            if let Some(gib) = ram {
                spec.ram = Some(format!("{gib}Gi"));
            }
            Normalized { spec, known: false }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> String {
        let n = normalize(name, Hints::default());
        assert!(n.known, "{name} should be known");
        n.spec.requirement_key()
    }

    fn short(name: &str) -> String {
        key(name)
            .trim_start_matches("vendor/nvidia/model/")
            .to_string()
    }

    #[test]
    fn hopper_names() {
        assert_eq!(
            short("NVIDIA H100 80GB HBM3"),
            "h100/ram/80Gi/interface/sxm"
        );
        assert_eq!(short("NVIDIA H100 PCIe"), "h100/ram/80Gi/interface/pcie");
        assert_eq!(short("NVIDIA H100 NVL"), "h100/ram/94Gi/interface/pcie");
        assert_eq!(
            short("NVIDIA H100 SXM5 94GB"),
            "h100/ram/94Gi/interface/sxm"
        );
        assert_eq!(
            short("NVIDIA H100 94GB HBM2e"),
            "h100/ram/94Gi/interface/sxm"
        );
        assert_eq!(short("NVIDIA H200"), "h200/ram/141Gi/interface/sxm");
        assert_eq!(short("NVIDIA H200 NVL"), "h200/ram/141Gi/interface/pcie");
        assert_eq!(short("NVIDIA GH200 480GB"), "gh200/ram/96Gi/interface/sxm");
        assert_eq!(short("NVIDIA B200"), "b200/ram/180Gi/interface/sxm");
    }

    #[test]
    fn ampere_and_older_names() {
        assert_eq!(
            short("NVIDIA A100-SXM4-40GB"),
            "a100/ram/40Gi/interface/sxm"
        );
        assert_eq!(
            short("NVIDIA A100-SXM4-80GB"),
            "a100/ram/80Gi/interface/sxm"
        );
        assert_eq!(
            short("NVIDIA A100-PCIE-40GB"),
            "a100/ram/40Gi/interface/pcie"
        );
        assert_eq!(
            short("NVIDIA A100 80GB PCIe"),
            "a100/ram/80Gi/interface/pcie"
        );
        assert_eq!(short("NVIDIA A10"), "a10/ram/24Gi/interface/pcie");
        assert_eq!(short("NVIDIA A10G"), "a10g/ram/24Gi/interface/pcie");
        assert_eq!(short("NVIDIA A40"), "a40/ram/48Gi/interface/pcie");
        assert_eq!(short("Tesla T4"), "t4/ram/16Gi/interface/pcie");
        assert_eq!(short("Tesla V100-SXM2-16GB"), "v100/ram/16Gi/interface/sxm");
        assert_eq!(short("Tesla V100-SXM2-32GB"), "v100/ram/32Gi/interface/sxm");
        assert_eq!(
            short("Tesla V100-PCIE-32GB"),
            "v100/ram/32Gi/interface/pcie"
        );
        assert_eq!(
            short("Tesla V100S-PCIE-32GB"),
            "v100s/ram/32Gi/interface/pcie"
        );
    }

    #[test]
    fn ada_and_workstation_names() {
        assert_eq!(short("NVIDIA L40S"), "l40s/ram/48Gi/interface/pcie");
        assert_eq!(short("NVIDIA L40"), "l40/ram/48Gi/interface/pcie");
        assert_eq!(short("NVIDIA L4"), "l4/ram/24Gi/interface/pcie");
        assert_eq!(short("NVIDIA RTX A6000"), "a6000/ram/48Gi/interface/pcie");
        assert_eq!(
            short("NVIDIA RTX 6000 Ada Generation"),
            "rtx6000ada/ram/48Gi/interface/pcie"
        );
        assert_eq!(short("Quadro RTX 6000"), "rtx6000/ram/24Gi/interface/pcie");
        assert_eq!(short("Quadro RTX 8000"), "rtx8000/ram/48Gi/interface/pcie");
    }

    #[test]
    fn geforce_names() {
        assert_eq!(
            short("NVIDIA GeForce RTX 4090"),
            "rtx4090/ram/24Gi/interface/pcie"
        );
        assert_eq!(
            short("NVIDIA GeForce RTX 4090 D"),
            "rtx4090d/ram/24Gi/interface/pcie"
        );
        assert_eq!(
            short("NVIDIA GeForce RTX 3090"),
            "rtx3090/ram/24Gi/interface/pcie"
        );
        assert_eq!(
            short("NVIDIA GeForce RTX 3090 Ti"),
            "rtx3090ti/ram/24Gi/interface/pcie"
        );
        assert_eq!(
            short("NVIDIA GeForce RTX 3080"),
            "rtx3080/ram/10Gi/interface/pcie"
        );
        assert_eq!(
            short("NVIDIA GeForce RTX 5090"),
            "rtx5090/ram/32Gi/interface/pcie"
        );
    }

    #[test]
    fn specific_rules_win_over_prefixes() {
        // Token matching, not substring matching: L4 is not L40, A10 is not A100.
        assert_eq!(short("NVIDIA L40S"), "l40s/ram/48Gi/interface/pcie");
        assert_ne!(short("NVIDIA A100-PCIE-40GB"), short("NVIDIA A10"));
        assert_eq!(
            short("nvidia geforce rtx 4090"),
            "rtx4090/ram/24Gi/interface/pcie"
        );
    }

    #[test]
    fn ambiguous_interfaces_use_nvlink() {
        let sxm = normalize(
            "NVIDIA A100 40GB",
            Hints {
                memory_bytes: None,
                nvlink: Some(true),
            },
        );
        assert_eq!(sxm.spec.interface.as_deref(), Some("sxm"));
        let pcie = normalize(
            "NVIDIA A100 40GB",
            Hints {
                memory_bytes: None,
                nvlink: Some(false),
            },
        );
        assert_eq!(pcie.spec.interface.as_deref(), Some("pcie"));
        // A name that says PCIe wins over an NVLink bridge.
        let bridged = normalize(
            "NVIDIA A100-PCIE-40GB",
            Hints {
                memory_bytes: None,
                nvlink: Some(true),
            },
        );
        assert_eq!(bridged.spec.interface.as_deref(), Some("pcie"));
        // Fixed-form-factor parts ignore NVLink (RTX 3090 bridges are common).
        let rtx = normalize(
            "NVIDIA GeForce RTX 3090",
            Hints {
                memory_bytes: None,
                nvlink: Some(true),
            },
        );
        assert_eq!(rtx.spec.interface.as_deref(), Some("pcie"));
    }

    #[test]
    fn unknown_names_are_conservative_and_flagged() {
        let n = normalize(
            "NVIDIA Foo-Bar X9 (rev 2)",
            Hints {
                memory_bytes: Some(81_559 * (1 << 20)),
                nvlink: None,
            },
        );
        assert!(!n.known);
        assert_eq!(n.spec.model, "foobarx9rev2");
        assert_eq!(n.spec.ram.as_deref(), Some("80Gi"));
        assert_eq!(n.spec.interface.as_deref(), Some("pcie"));
        // Whatever the input, the result is a valid capability.
        for name in ["", "   ", "NVIDIA", "ÄÖÜ 💥", &"x".repeat(500), "GPU 0GB"] {
            let n = normalize(name, Hints::default());
            n.spec
                .validate(false)
                .unwrap_or_else(|e| panic!("{name:?}: {e}"));
            assert!(!n.known);
        }
        assert_eq!(normalize("", Hints::default()).spec.model, "unknown");
    }

    #[test]
    fn every_rule_produces_a_valid_capability() {
        for r in RULES {
            let name = r.tokens.join(" ");
            let n = normalize(&name, Hints::default());
            assert!(n.known);
            assert_eq!(
                n.spec.model, r.model,
                "{name}: an earlier rule shadows this one"
            );
            GpuSpec::parse_capability_key(&n.spec.capability_key()).unwrap();
        }
    }
}
