# shellcheck shell=bash
# Helpers shared by scripts/*.sh. Source this file; do not run it.
#
# Defines:
#   KUMO_ROOT           absolute path of the repository root
#   CARGO_LOCKED        array: (--locked) when CI is set, so CI fails on a stale Cargo.lock
#   section TEXT        prints a visible section header
#   die TEXT            prints "error: TEXT" to stderr and exits 1
#   kumo_contracts      prints "<dir> <package> <lib crate name> <schema bin>" per contract
#   kumo_target_dir     prints cargo's target directory
# Call kumo_contracts / kumo_target_dir as `var="$(kumo_contracts)"` so that set -e
# sees their failure (a <(...) process substitution would hide it).

KUMO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

CARGO_LOCKED=()
if [[ -n ${CI:-} && ${CI:-} != false && ${CI:-} != 0 ]]; then
    CARGO_LOCKED=(--locked)
fi

section() {
    printf '\n==> %s\n' "$*"
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

need_node() {
    command -v node >/dev/null 2>&1 ||
        die "node is not installed; it is needed by the build scripts (and by binaryen's wasm-opt, installed with 'npm ci')"
}

# Workspace metadata without dependencies (fast; does not resolve or fetch anything).
_kumo_metadata() {
    cargo metadata --no-deps --format-version 1 \
        --manifest-path "$KUMO_ROOT/Cargo.toml" "${CARGO_LOCKED[@]}" ||
        die "cargo metadata failed"
}

# Every directory contracts/<dir>/ holding a Cargo.toml is a contract. It must be a
# workspace member with a cdylib lib target. Prints one line per contract, sorted by
# directory: "<dir> <cargo package name> <lib crate name> <schema bin name>", e.g.
# "registry kumo-registry kumo_registry kumo-registry-schema". The schema bin is the
# bin target built from contracts/<dir>/src/bin/schema.rs: named "schema" when
# inferred by cargo, or whatever a [[bin]] entry names it; "-" when there is none.
kumo_contracts() {
    need_node
    # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
    _kumo_metadata | node -e '
        const fs = require("fs");
        const path = require("path");
        const root = process.argv[1];
        const meta = JSON.parse(fs.readFileSync(0, "utf8"));
        const real = (p) => { try { return fs.realpathSync(p); } catch { return p; } };
        const byManifest = new Map(meta.packages.map((p) => [real(p.manifest_path), p]));
        const dir = path.join(root, "contracts");
        const dirs = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
        let failed = false;
        for (const d of dirs) {
            const manifest = path.join(dir, d, "Cargo.toml");
            if (!fs.existsSync(manifest)) continue;
            const pkg = byManifest.get(real(manifest));
            if (!pkg) {
                console.error(`error: contracts/${d} is not a member of the workspace (add it to [workspace] members in Cargo.toml)`);
                failed = true;
                continue;
            }
            const lib = pkg.targets.find((t) => t.kind.includes("cdylib"));
            if (!lib) {
                console.error(`error: contracts/${d} (${pkg.name}) has no lib target with crate-type "cdylib"`);
                failed = true;
                continue;
            }
            const schemaSrc = real(path.join(dir, d, "src", "bin", "schema.rs"));
            const bin = pkg.targets.find((t) => t.kind.includes("bin") && real(t.src_path) === schemaSrc);
            console.log(`${d} ${pkg.name} ${lib.name.replace(/-/g, "_")} ${bin ? bin.name : "-"}`);
        }
        if (failed) process.exit(1);
    ' "$KUMO_ROOT"
}

kumo_target_dir() {
    need_node
    _kumo_metadata | node -e '
        const meta = JSON.parse(require("fs").readFileSync(0, "utf8"));
        console.log(meta.target_directory);
    '
}
