//! The registry contract's cw-multi-test suite: one test binary (faster to build than one
//! per file), one module per concern.

mod audit;
mod collateral;
mod governance;
mod invariants;
mod profile;
mod providers;
mod slashing;
mod stats_stand_in;
mod suite;
