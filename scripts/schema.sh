#!/usr/bin/env bash
# Regenerates the committed JSON schemas of every contract:
#
#   scripts/schema.sh           writes schema/<contract>/ (e.g. schema/registry/)
#   scripts/schema.sh --check   regenerates into a temporary directory and fails,
#                               naming the stale files, if schema/ differs from it
#
# Each contract has a schema bin (contracts/<contract>/src/bin/schema.rs) calling
# cosmwasm_schema::write_api!, which writes into ./schema under its current
# directory: <package>.json, raw/*.json, cw_schema/<package>.json and
# cw_schema/raw/*.json. This script runs it in a scratch directory and moves that
# tree to schema/<contract>/. Works from any directory.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KUMO_ROOT"

usage() {
    echo "usage: $0 [--check]" >&2
    exit 2
}

check=false
if (($# == 1)) && [[ $1 == --check ]]; then
    check=true
elif (($# != 0)); then
    usage
fi

contracts="$(kumo_contracts)"
[[ -n $contracts ]] || die "no contracts found under $KUMO_ROOT/contracts/"

packages=()
bins=()
dirs=()
while read -r dir pkg _lib bin; do
    [[ $bin != - ]] ||
        die "contracts/$dir has no bin target built from src/bin/schema.rs (a main calling cosmwasm_schema::write_api!)"
    dirs+=("$dir")
    packages+=("$pkg")
    bins+=("$bin")
done <<<"$contracts"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/kumo-schema.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# Build every schema generator in one cargo invocation; the runs below only execute.
# (Give each contract's schema bin a unique name with a [[bin]] entry in its
# Cargo.toml, or cargo warns that the "schema" bins' output filenames collide.)
section "schema: build the schema generators (${packages[*]})"
build_args=()
for i in "${!dirs[@]}"; do
    build_args+=(-p "${packages[$i]}" --bin "${bins[$i]}")
done
cargo build "${CARGO_LOCKED[@]}" "${build_args[@]}"

generated="$scratch/generated"
mkdir -p "$generated"
for i in "${!dirs[@]}"; do
    dir="${dirs[$i]}"
    pkg="${packages[$i]}"
    bin="${bins[$i]}"
    run_dir="$scratch/run/$dir"
    mkdir -p "$run_dir"
    log="$scratch/$dir.log"
    if ! (cd "$run_dir" && cargo run --quiet --manifest-path "$KUMO_ROOT/Cargo.toml" \
        "${CARGO_LOCKED[@]}" -p "$pkg" --bin "$bin") >"$log" 2>&1; then
        cat "$log" >&2
        die "the schema generator of contracts/$dir ($pkg) failed"
    fi
    [[ -d $run_dir/schema ]] || die "the schema generator of $pkg wrote no ./schema directory"
    mv "$run_dir/schema" "$generated/$dir"
done

if ! $check; then
    section "schema: write schema/"
    mkdir -p schema
    for dir in "${dirs[@]}"; do
        rm -rf "schema/$dir"
        cp -R "$generated/$dir" "schema/$dir"
        echo "schema/$dir/: $(find "schema/$dir" -type f | wc -l) files"
    done
    exit 0
fi

section "schema: check that the committed schema/ is up to date"
stale=()
for dir in "${dirs[@]}"; do
    if [[ ! -d schema/$dir ]]; then
        stale+=("schema/$dir/ (missing)")
        continue
    fi
    # Every file that is new, changed, or no longer generated.
    while IFS= read -r file; do
        if [[ ! -f schema/$dir/$file ]]; then
            stale+=("schema/$dir/$file (missing)")
        elif [[ ! -f $generated/$dir/$file ]]; then
            stale+=("schema/$dir/$file (no longer generated)")
        elif ! cmp -s "schema/$dir/$file" "$generated/$dir/$file"; then
            stale+=("schema/$dir/$file (differs)")
        fi
    done < <(
        {
            (cd "schema/$dir" && find . -type f)
            (cd "$generated/$dir" && find . -type f)
        } | sed 's|^\./||' | LC_ALL=C sort -u
    )
done
# A schema/<dir> left behind by a removed contract.
if [[ -d schema ]]; then
    for path in schema/*/; do
        [[ -d $path ]] || continue
        name="$(basename "$path")"
        known=false
        for dir in "${dirs[@]}"; do
            [[ $dir == "$name" ]] && known=true
        done
        $known || stale+=("schema/$name/ (no contracts/$name)")
    done
fi

if ((${#stale[@]} > 0)); then
    echo "The committed schema is stale:" >&2
    printf '  %s\n' "${stale[@]}" >&2
    echo >&2
    for dir in "${dirs[@]}"; do
        if [[ -d schema/$dir ]]; then
            diff -ru "schema/$dir" "$generated/$dir" | head -n 60 >&2 || true
        fi
    done
    echo >&2
    die "schema/ is out of date: run scripts/schema.sh and commit the result"
fi
echo "schema/ is up to date (${dirs[*]})"
