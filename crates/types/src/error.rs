use thiserror::Error;

/// A refused input: which field, and why. Every validator in this crate returns it so that a
/// user sees e.g. `groups[0].resources[1].cpu.units: 5 is below the minimum of 10 millicpu`.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    pub field: String,
    pub reason: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Shorthand for validators: `ensure(cond, field, || reason)?`.
pub fn ensure(
    condition: bool,
    field: impl FnOnce() -> String,
    reason: impl FnOnce() -> String,
) -> Result<(), ValidationError> {
    if condition {
        Ok(())
    } else {
        Err(ValidationError::new(field(), reason()))
    }
}
