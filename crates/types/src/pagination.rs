//! Every list query pages with `start_after` + `limit`.

/// Page size when a query gives no limit.
pub const DEFAULT_LIMIT: u32 = 10;
/// Largest page a query returns, whatever limit it asks for.
pub const MAX_LIMIT: u32 = 100;

/// The page size to use for a requested limit.
pub fn page_size(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_clamped() {
        assert_eq!(page_size(None), 10);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(5)), 5);
        assert_eq!(page_size(Some(1000)), 100);
    }
}
