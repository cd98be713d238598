#!/usr/bin/env bash
# The project's single test command. Runs, in order, and stops at the first failure:
#   1. cargo fmt --all -- --check
#   2. cargo clippy --workspace --all-targets -- -D warnings
#   3. scripts/build-wasm.sh        release wasm + wasm-opt lowering + cosmwasm-check
#   4. scripts/schema.sh --check    committed schema/ is up to date
#   5. scripts/test-image.sh        the local Docker image the runtime tests run (needs dockerd)
#   6. cargo test --workspace
# Works from any directory. With CI set, cargo runs with --locked.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KUMO_ROOT"

step=0
failed_step=""
run_step() {
    local title="$1"
    shift
    step=$((step + 1))
    section "[$step/6] $title"
    failed_step="[$step/6] $title"
    "$@"
}
on_exit() {
    local rc=$?
    if ((rc != 0)) && [[ -n $failed_step ]]; then
        printf '\n==> FAILED: %s (exit %d)\n' "$failed_step" "$rc" >&2
    fi
}
trap on_exit EXIT

started=$SECONDS
run_step "cargo fmt --all -- --check" \
    cargo fmt --all -- --check
run_step "cargo clippy --workspace --all-targets -- -D warnings" \
    cargo clippy --workspace --all-targets "${CARGO_LOCKED[@]}" -- -D warnings
run_step "scripts/build-wasm.sh" \
    bash scripts/build-wasm.sh
run_step "scripts/schema.sh --check" \
    bash scripts/schema.sh --check
run_step "scripts/test-image.sh" \
    bash scripts/test-image.sh
run_step "cargo test --workspace" \
    cargo test --workspace "${CARGO_LOCKED[@]}"
failed_step=""

printf '\n==> all %d steps passed in %ds\n' "$step" "$((SECONDS - started))"
