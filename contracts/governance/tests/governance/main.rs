//! The governance contract's cw-multi-test suite, run against the real market and registry:
//! one test binary (faster to build than one per file), one module per concern.

mod adversarial;
mod certification;
mod deposits;
mod execution;
mod expedited;
mod invariants;
mod lifecycle;
mod pool;
mod refusing_market;
mod slashing;
mod staking;
mod suite;
mod tally_edges;
mod wiring;
