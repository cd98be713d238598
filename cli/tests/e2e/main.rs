//! End-to-end tests of the `kumo` binary against an in-process devnet running Kumo's real
//! contracts (from `artifacts/`; `scripts/build-wasm.sh` builds them), and `kumo up` / `kumo
//! demo` with the local Docker daemon. One test binary, since each links the whole devnet.

mod common;

mod bad_input;
mod governance;
mod keys;
mod offline;
mod provider;
mod tenant;
mod up;
