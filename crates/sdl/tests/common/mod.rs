//! Shared helpers for the SDL tests: where the shared test data lives.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The SDL corpus under the repository's sibling `shared/` folder.
pub fn corpus() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/sdl"
    ));
    assert!(
        dir.join("parity").is_dir(),
        "SDL test data not found at {}: these tests need the shared/ folder beside the repository \
         (shared/testdata/sdl with parity/ and awesome-sample/)",
        dir.display()
    );
    dir
}

/// Files under `dir` (recursively), sorted, as paths relative to `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
