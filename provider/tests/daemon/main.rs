//! The provider daemon end to end: an in-process devnet with Kumo's contracts (from
//! `artifacts/`), the daemon and its gateway in-process, and the real Docker daemon (containers
//! on network `none`, the local image `kumo-test/busybox:local`, fake GPUs from a static
//! inventory). One binary: each test binary that links the devnet costs a minute to link.

mod batching;
mod big_batch;
mod binary;
mod common;
mod crash_loop;
mod escrow;
mod gateway_access;
mod lifecycle;
mod manifest_timeout;
mod restart;
mod rpc_outage;
mod sequence;
mod startup;
mod unconfirmed;
