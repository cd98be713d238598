#!/usr/bin/env bash
# Builds the release wasm of every contract (each directory under contracts/) and
# writes the deployable artifacts:
#
#   artifacts/<crate_name>.wasm   e.g. artifacts/kumo_registry.wasm
#   artifacts/checksums.txt       sha256sum format
#
# Steps: one `cargo build --release --lib --target wasm32-unknown-unknown` for all
# contracts; binaryen's wasm-opt lowers the bulk-memory and sign-ext instructions
# that Rust 1.95 emits (cosmwasm-vm 3.0.x and real chains reject them) and
# optimizes for size; cosmwasm-check must accept every artifact.
#
# Needs: rustup target wasm32-unknown-unknown, `npm ci` (binaryen 132 in
# node_modules/), and cosmwasm-check 3.0.10. Works from any directory.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KUMO_ROOT"

readonly WASM_TARGET=wasm32-unknown-unknown
readonly COSMWASM_CHECK_VERSION=3.0.10
readonly COSMWASM_CHECK_INSTALL="cargo install cosmwasm-check --version =$COSMWASM_CHECK_VERSION --locked"
readonly MIN_WASM_OPT_VERSION=118
readonly ARTIFACTS=artifacts

# binaryen's wasm-opt: node_modules/ first (pinned by package-lock.json), else one on
# PATH if it is new enough to know --llvm-memory-copy-fill-lowering (>= 118).
find_wasm_opt() {
    local npm_bin="$KUMO_ROOT/node_modules/binaryen/bin/wasm-opt"
    if [[ -f $npm_bin ]]; then
        need_node
        printf '%s\n' "$npm_bin"
        return
    fi
    if command -v wasm-opt >/dev/null 2>&1; then
        local version
        version="$(wasm-opt --version 2>/dev/null | sed -nE 's/.*version[^0-9]*([0-9]+).*/\1/p' | head -n1)"
        if [[ -n $version && $version -ge $MIN_WASM_OPT_VERSION ]]; then
            command -v wasm-opt
            return
        fi
        die "wasm-opt on PATH ($(command -v wasm-opt)) is version ${version:-unknown}; version >= $MIN_WASM_OPT_VERSION is needed. Run 'npm ci' in $KUMO_ROOT to install binaryen 132 into node_modules/."
    fi
    die "wasm-opt not found. Run 'npm ci' in $KUMO_ROOT to install binaryen 132 into node_modules/."
}

find_cosmwasm_check() {
    if command -v cosmwasm-check >/dev/null 2>&1; then
        command -v cosmwasm-check
        return
    fi
    local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin/cosmwasm-check"
    if [[ -x $cargo_bin ]]; then
        printf '%s\n' "$cargo_bin"
        return
    fi
    die "cosmwasm-check not found. Install it with: $COSMWASM_CHECK_INSTALL"
}

# --- preflight: fail before the long build if a tool is missing -------------------
section "build-wasm: preflight"
contracts="$(kumo_contracts)"
[[ -n $contracts ]] || die "no contracts found under $KUMO_ROOT/contracts/"
target_dir="$(kumo_target_dir)"

wasm_opt="$(find_wasm_opt)"
echo "wasm-opt:       $wasm_opt ($("$wasm_opt" --version))"

cosmwasm_check="$(find_cosmwasm_check)"
check_version="$("$cosmwasm_check" --version 2>/dev/null || true)"
echo "cosmwasm-check: $cosmwasm_check (${check_version:-unknown version})"
if [[ $check_version != *"$COSMWASM_CHECK_VERSION"* ]]; then
    echo "warning: expected cosmwasm-check $COSMWASM_CHECK_VERSION; to install it: $COSMWASM_CHECK_INSTALL" >&2
fi

if command -v rustup >/dev/null 2>&1; then
    rustup target list --installed | grep -qx "$WASM_TARGET" ||
        die "the Rust target $WASM_TARGET is not installed. Run: rustup target add $WASM_TARGET"
fi

packages=()
libs=()
while read -r dir pkg lib _schema_bin; do
    echo "contract:       contracts/$dir -> package $pkg -> $ARTIFACTS/$lib.wasm"
    packages+=("$pkg")
    libs+=("$lib")
done <<<"$contracts"

# --- build -------------------------------------------------------------------------
section "build-wasm: cargo build --release --target $WASM_TARGET (${packages[*]})"
pkg_args=()
for pkg in "${packages[@]}"; do
    pkg_args+=(-p "$pkg")
done
# -C link-arg=-s strips symbols. The path remaps keep the build directory and the
# cargo home out of panic messages, so the wasm does not depend on where it was built.
# CARGO_ENCODED_RUSTFLAGS (fields separated by 0x1f) is used so paths may hold spaces;
# it takes precedence over RUSTFLAGS and any rustflags in cargo config.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
rustflags=(
    "-C" "link-arg=-s"
    "--remap-path-prefix=$KUMO_ROOT=/kumo"
    "--remap-path-prefix=$cargo_home=/cargo"
)
encoded_rustflags="$(
    IFS=$'\x1f'
    printf '%s' "${rustflags[*]}"
)"
CARGO_ENCODED_RUSTFLAGS="$encoded_rustflags" \
    cargo build --release --lib --target "$WASM_TARGET" "${CARGO_LOCKED[@]}" "${pkg_args[@]}"

# --- lower + optimize --------------------------------------------------------------
section "build-wasm: wasm-opt (lower bulk-memory and sign-ext, optimize for size)"
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.wasm "$ARTIFACTS"/*.wasm.tmp "$ARTIFACTS/checksums.txt"
names=()
for lib in "${libs[@]}"; do
    input="$target_dir/$WASM_TARGET/release/$lib.wasm"
    output="$ARTIFACTS/$lib.wasm"
    [[ -f $input ]] || die "cargo did not produce $input"
    "$wasm_opt" -Os \
        --enable-bulk-memory --enable-sign-ext \
        --llvm-memory-copy-fill-lowering --signext-lowering \
        "$input" -o "$output.tmp"
    mv "$output.tmp" "$output"
    echo "$input -> $output"
    names+=("$lib.wasm")
done
(cd "$ARTIFACTS" && sha256sum "${names[@]}" >checksums.txt)

# --- check -------------------------------------------------------------------------
section "build-wasm: cosmwasm-check"
for name in "${names[@]}"; do
    if ! "$cosmwasm_check" "$ARTIFACTS/$name"; then
        die "cosmwasm-check rejected $ARTIFACTS/$name"
    fi
done

section "build-wasm: artifacts"
for name in "${names[@]}"; do
    raw_size="$(wc -c <"$target_dir/$WASM_TARGET/release/$name")"
    size="$(wc -c <"$ARTIFACTS/$name")"
    printf '%-40s %9d bytes  (%d before wasm-opt)\n' "$ARTIFACTS/$name" "$size" "$raw_size"
done
echo
cat "$ARTIFACTS/checksums.txt"
