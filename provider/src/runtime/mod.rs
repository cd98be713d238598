//! Where leases run. Docker (bollard) today; Kubernetes later behind the same shape.
//!
//! [`spec`] turns a lease and its manifest group into Docker objects without touching Docker;
//! [`docker`] performs the calls.

pub mod docker;
pub mod labels;
pub mod spec;
