//! The one error type of the crate: which SDL field, why, and where in the file.

use std::fmt;

/// A refused SDL: the offending field as a dotted path (`services.web.expose[0].port`), the
/// reason, and the 1-based YAML line when it is known.
///
/// Displays as `path: reason (at line N)`; a whole-document problem has an empty path and
/// displays as `reason (at line N)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdlError {
    pub path: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl SdlError {
    pub fn new(path: impl Into<String>, line: Option<usize>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for SdlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.reason)?;
        } else {
            write!(f, "{}: {}", self.path, self.reason)?;
        }
        if let Some(line) = self.line {
            write!(f, " (at line {line})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SdlError {}

pub type Result<T> = std::result::Result<T, SdlError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        let e = SdlError::new(
            "profiles.compute.web.resources.memory.size",
            Some(12),
            "\"16XB\" is not a size (use e.g. 512Mi, 1Gi, 16GB)",
        );
        assert_eq!(
            e.to_string(),
            "profiles.compute.web.resources.memory.size: \"16XB\" is not a size (use e.g. 512Mi, 1Gi, 16GB) (at line 12)"
        );
        let e = SdlError::new("", None, "not an Akash SDL");
        assert_eq!(e.to_string(), "not an Akash SDL");
        let e = SdlError::new("version", None, "missing");
        assert_eq!(e.to_string(), "version: missing");
    }
}
