//! kumo-client against an in-process devnet running Kumo's contracts. One test binary: each
//! binary links the whole devnet and wasmer.

mod common;

mod bank;
mod connect;
mod market;
mod sequences;
mod stream;
