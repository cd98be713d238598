//! `kumo sdl check`: validate an SDL file offline.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::format;
use crate::output::{self, OutputMode};

#[derive(Debug, Subcommand)]
pub enum SdlCmd {
    /// Validate an SDL file without touching a chain: print its groups, resources, prices and
    /// manifest hash (--output json: group specs and manifest in Akash's JSON shapes)
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The SDL file (Akash SDL v2.0 or v2.1)
    pub file: PathBuf,
}

/// Reads and parses an SDL file; the error names the file, the field and the line.
pub fn load(path: &Path) -> anyhow::Result<kumo_sdl::Sdl> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow!(
            "cannot read the SDL file {}: {e}; check the path",
            path.display()
        )
    })?;
    kumo_sdl::parse(&text).map_err(|e| {
        anyhow!(
            "{} is not a valid SDL: {e}; fix it and check again with `kumo sdl check {}`",
            path.display(),
            path.display()
        )
    })
}

/// The JSON `kumo sdl check --output json` prints.
pub fn check_json(sdl: &kumo_sdl::Sdl) -> Value {
    json!({
        "version": sdl.version.to_string(),
        "manifest_hash": sdl.manifest_hash_hex(),
        "groups": sdl.group_specs_json(),
        "manifest": sdl.manifest.to_json(),
        "warnings": sdl.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
    })
}

pub fn check_text(path: &Path, sdl: &kumo_sdl::Sdl, block_time: f64) -> String {
    let mut out = format!(
        "{}: valid SDL {}, {} group(s)\nmanifest hash: {}\n",
        path.display(),
        sdl.version,
        sdl.groups.len(),
        sdl.manifest_hash_hex()
    );
    for spec in &sdl.groups {
        let max = kumo_types::coins::DecCoin::new(spec.max_price(), spec.price_denom());
        let month = output::per_month(&max, block_time);
        out.push_str(&format!(
            "\ngroup {:?}\n  requirements: {}\n  max price:    {} per block (~{} per month)\n",
            spec.name,
            format::requirements(&spec.requirements),
            output::price_per_block(&max),
            output::display_denom(month.amount, &month.denom),
        ));
        let rows: Vec<Vec<String>> = spec.resources.iter().map(format::unit_row).collect();
        for line in output::table(&format::UNIT_HEADERS, &rows).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if !sdl.warnings.is_empty() {
        out.push_str("\nwarnings (ignored, as Akash ignores them):\n");
        for w in &sdl.warnings {
            out.push_str(&format!("  {w}\n"));
        }
    }
    out.push_str(&format!(
        "\nnote: {}\n",
        output::block_time_note(block_time)
    ));
    out
}

pub fn run(cmd: &SdlCmd, mode: OutputMode, block_time: f64) -> anyhow::Result<()> {
    match cmd {
        SdlCmd::Check(args) => {
            let sdl = load(&args.file)?;
            if mode.is_json() {
                output::print_json(&check_json(&sdl));
            } else {
                print!("{}", check_text(&args.file, &sdl, block_time));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/sdl")
            .join(name)
    }

    #[test]
    fn gpu_example_in_text() {
        let path = example("gpu.yaml");
        let sdl = load(&path).unwrap();
        let text = check_text(&path, &sdl, 6.0);
        assert!(text.contains("valid SDL 2.1"), "{text}");
        assert!(text.contains(&sdl.manifest_hash_hex()));
        assert!(text.contains("1 x nvidia/h100/80Gi/sxm"), "{text}");
        assert!(text.contains("region=us-west"), "{text}");
        assert!(
            text.contains("100000uakt per block (~43,200 AKT per month)"),
            "{text}"
        );
        assert!(text.contains("per month = 30 days"), "{text}");
    }

    #[test]
    fn json_is_akash_shaped() {
        let sdl = load(&example("cpu.yaml")).unwrap();
        let v = check_json(&sdl);
        assert_eq!(v["groups"], sdl.group_specs_json());
        assert_eq!(v["manifest"], sdl.manifest.to_json());
        assert_eq!(
            v["groups"][0]["resources"][0]["resource"]["cpu"]["units"]["val"],
            "500"
        );
    }

    #[test]
    fn malformed_sdl_names_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.yaml");
        std::fs::write(
            &path,
            std::fs::read_to_string(example("cpu.yaml"))
                .unwrap()
                .replace("512Mi", "16XB"),
        )
        .unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("bad.yaml is not a valid SDL"), "{err}");
        assert!(err.contains("memory.size"), "{err}");
        assert!(err.contains("kumo sdl check"), "{err}");
    }
}
