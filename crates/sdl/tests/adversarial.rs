//! Adversarial inputs: random YAML-ish text and mutated real SDLs never make the parser
//! panic, and whatever it accepts is consistent (valid group specs, hash of the canonical
//! JSON, outputs that read back).

mod common;

use std::sync::OnceLock;

use kumo_sdl::{akash_json, units, Manifest};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// Every valid SDL of the corpus, as text.
fn corpus() -> &'static [String] {
    static FILES: OnceLock<Vec<String>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = common::corpus();
        let mut out = Vec::new();
        for sub in ["parity/input/v2.0", "parity/input/v2.1", "awesome-sample"] {
            let dir = root.join(sub);
            for file in common::files_under(&dir) {
                out.push(common::read(&dir.join(file)));
            }
        }
        assert!(out.len() > 100);
        out
    })
}

/// Parses and, on success, checks the outputs agree with each other.
fn check(src: &str) {
    let Ok(sdl) = kumo_sdl::parse(src) else {
        return;
    };
    for (i, g) in sdl.groups.iter().enumerate() {
        g.validate("group")
            .unwrap_or_else(|e| panic!("accepted an invalid group {i}: {e}\n{src}"));
    }
    let canonical = sdl.manifest_json();
    assert_eq!(
        sdl.manifest_hash,
        <[u8; 32]>::from(Sha256::digest(canonical.as_bytes()))
    );
    assert_eq!(
        akash_json::group_specs_from(&sdl.group_specs_json()).as_ref(),
        Ok(&sdl.groups)
    );
    assert_eq!(
        Manifest::from_json(&sdl.manifest.to_json()).unwrap(),
        sdl.manifest
    );
}

const TOKENS: &[&str] = &[
    "version",
    "\"2.0\"",
    "2.1",
    "services",
    "web",
    "image",
    "nginx",
    "expose",
    "port",
    "80",
    "as",
    "to",
    "global",
    "true",
    "ip",
    "profiles",
    "compute",
    "resources",
    "cpu",
    "units",
    "0.5",
    "100m",
    "memory",
    "size",
    "512Mi",
    "16GB",
    "storage",
    "gpu",
    "attributes",
    "vendor",
    "nvidia",
    "model",
    "h100",
    "ram",
    "80Gi",
    "placement",
    "pricing",
    "denom",
    "uakt",
    "amount",
    "1000",
    "deployment",
    "profile",
    "count",
    "1",
    "endpoints",
    "kind",
    "params",
    "tee",
    ":",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\n",
    "\n  ",
    "\n    ",
    "  ",
    "&a ",
    "*a",
    "<<: ",
    "'",
    "\"",
    "|",
    ">",
    "#",
    "!!str ",
    "---",
    "...",
    "~",
    "null",
    "\t",
    "?",
    "%YAML 1.2",
    "\u{feff}",
    "é",
    "\\",
    "0x10",
    "-1",
    "1e999",
    "99999999999999999999999",
];

fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|t| t.concat())
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Indent(usize, bool),
    ReplaceValue(usize, &'static str),
    InsertToken(usize, usize, &'static str),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop::sample::select(TOKENS);
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), any::<bool>()).prop_map(|(a, b)| Mutation::Indent(a, b)),
        (any::<usize>(), token.clone()).prop_map(|(a, t)| Mutation::ReplaceValue(a, t)),
        (any::<usize>(), any::<usize>(), token)
            .prop_map(|(a, b, t)| Mutation::InsertToken(a, b, t)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(src: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    for m in mutations {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match m {
            Mutation::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Mutation::DuplicateLine(i) => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
            Mutation::Indent(i, deeper) => {
                let line = &mut lines[i % n];
                if *deeper {
                    line.insert_str(0, "  ");
                } else if let Some(rest) = line.strip_prefix("  ") {
                    *line = rest.to_string();
                }
            }
            Mutation::ReplaceValue(i, token) => {
                let line = &mut lines[i % n];
                if let Some(colon) = line.find(": ") {
                    line.truncate(colon + 2);
                    line.push_str(token);
                }
            }
            Mutation::InsertToken(i, at, token) => {
                let line = &mut lines[i % n];
                let chars: Vec<char> = line.chars().collect();
                let at = at % (chars.len() + 1);
                let mut out: String = chars[..at].iter().collect();
                out.push_str(token);
                out.extend(&chars[at..]);
                *line = out;
            }
            Mutation::Truncate(at) => lines.truncate(at % n),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_yamlish_text_never_panics(src in yamlish()) {
        check(&src);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        check(&src);
    }

    #[test]
    fn mutated_sdls_never_panic(
        pick in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let files = corpus();
        let src = apply(&files[pick % files.len()], &mutations);
        check(&src);
    }

    #[test]
    fn quantity_parsers_never_panic(text in "\\PC{0,24}", digits in "[0-9.]{0,30}[a-zA-Z]{0,4}") {
        for t in [&text, &digits] {
            let _ = units::parse_size(t);
            let _ = units::parse_cpu(t);
            let _ = units::parse_gpu_units(t);
            let _ = units::parse_gpu_ram(t);
            let _ = units::parse_price(t);
            let _ = units::parse_duration(t);
        }
    }

    #[test]
    fn whole_sizes_are_exact(n in 0u64..(1 << 40), unit in prop::sample::select(&[
        ("", 1u128), ("k", 1000), ("Ki", 1024), ("M", 1_000_000), ("Mi", 1 << 20),
        ("G", 1_000_000_000), ("Gi", 1 << 30), ("GB", 1_000_000_000), ("gi", 1 << 30),
        ("T", 1_000_000_000_000), ("Ti", 1 << 40),
    ][..])) {
        let want = n as u128 * unit.1;
        let got = units::parse_size(&format!("{n}{}", unit.0));
        if want <= u64::MAX as u128 {
            prop_assert_eq!(got, Ok(want as u64));
        } else {
            prop_assert!(got.is_err());
        }
    }
}

#[test]
fn every_corpus_file_is_consistent() {
    for src in corpus() {
        check(src);
    }
}

#[test]
fn deep_and_huge_documents_are_refused_not_crashed() {
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    assert!(kumo_sdl::parse(&deep).is_err());
    let deep_map = (0..5_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect::<String>();
    let e = kumo_sdl::parse(&deep_map).unwrap_err();
    assert!(e.reason.contains("nested deeper"), "{e}");
    let wide = format!(
        "version: \"2.0\"\nservices: [{}]\n",
        vec!["x"; 200_000].join(",")
    );
    let e = kumo_sdl::parse(&wide).unwrap_err();
    assert!(e.reason.contains("too large"), "{e}");
}
