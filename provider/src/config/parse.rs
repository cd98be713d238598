//! Leaf parsers. Each returns the reason a value is refused, quoting the value and saying what
//! would be accepted; the caller puts the key path in front.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use cosmwasm_std::Decimal256;

pub fn duration(text: &str) -> Result<Duration, String> {
    let hint = || format!("{text:?} is not a duration (use e.g. 30s, 5m, 1h30m)");
    let trimmed = text.trim();
    // humantime reads a bare number as an error too, but say why: the unit is not implied.
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{text:?} has no unit (use e.g. {trimmed}s or {trimmed}m)"
        ));
    }
    let d = humantime::parse_duration(trimmed).map_err(|_| hint())?;
    if d.is_zero() {
        return Err(format!("{text:?} is zero: the duration must be positive"));
    }
    Ok(d)
}

/// A whole number in `min..=max`.
pub fn number<T>(text: &str, min: T, max: T) -> Result<T, String>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "{text:?} is negative (use a whole number from {min} to {max})"
        ));
    }
    let value: T = trimmed
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number from {min} to {max}"))?;
    if value < min || value > max {
        return Err(format!("{value} is out of range (use {min} to {max})"));
    }
    Ok(value)
}

/// A price per block; zero is allowed (a provider may give storage away).
pub fn price(text: &str) -> Result<Decimal256, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "{text:?} is negative: a price must be zero or more"
        ));
    }
    let (int, frac) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || trimmed.ends_with('.') {
        return Err(format!(
            "{text:?} is not a price (use a decimal amount per block, e.g. 1000 or 0.25)"
        ));
    }
    if frac.len() > 18 {
        return Err(format!("{text:?} has more than 18 decimals"));
    }
    Decimal256::from_str(trimmed).map_err(|_| format!("{text:?} is too large"))
}

/// An overcommit ratio such as `1`, `1.5` or `2.25`, kept in thousandths for integer math.
pub fn ratio_millis(text: &str) -> Result<u32, String> {
    let hint = || format!("{text:?} is not a ratio (use e.g. 1, 1.5 or 2; from 1 to 20)");
    let trimmed = text.trim();
    let (int, frac) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (trimmed.contains('.') && !digits(frac)) || frac.len() > 3 {
        return Err(hint());
    }
    let int: u32 = int.parse().map_err(|_| hint())?;
    let frac: u32 = format!("{frac:0<3}").parse().map_err(|_| hint())?;
    let millis = int.checked_mul(1000).and_then(|v| v.checked_add(frac));
    match millis {
        Some(m) if (1000..=20_000).contains(&m) => Ok(m),
        _ => Err(hint()),
    }
}

/// A size in bytes: `64Gi`, `500G`, `1048576`.
pub fn size(text: &str) -> Result<u64, String> {
    let bytes = kumo_sdl::units::parse_size(text)?;
    if bytes == 0 {
        return Err(format!("{text:?} is zero"));
    }
    Ok(bytes)
}

/// CPU in millicpu: cores (`16`, `0.5`) or millicores (`16000m`).
pub fn cpu(text: &str) -> Result<u64, String> {
    let millis = kumo_sdl::units::parse_cpu(text)?;
    if millis == 0 {
        return Err(format!("{text:?} is zero"));
    }
    Ok(millis)
}

pub fn socket_addr(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!("{text:?} is not an address with a port (use e.g. 0.0.0.0:8443 or [::]:8443)")
    })
}

pub fn ip(text: &str) -> Result<IpAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not an IP address (use e.g. 0.0.0.0 or 127.0.0.1)"))
}

/// One of `choices`, exactly as written there.
pub fn choice<'a>(text: &str, choices: &[&'a str]) -> Result<&'a str, String> {
    let trimmed = text.trim();
    choices
        .iter()
        .find(|c| **c == trimmed)
        .copied()
        .ok_or_else(|| format!("{text:?} is not one of {}", choices.join(", ")))
}

/// A non-empty single line.
pub fn text(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("is empty".into());
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!("{text:?} contains control characters"));
    }
    Ok(trimmed.to_string())
}

/// A CometBFT RPC URL.
pub fn node_url(text: &str) -> Result<String, String> {
    let url = self::text(text)?;
    let rest = ["http://", "https://", "ws://", "wss://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))
        .ok_or_else(|| format!("{text:?} is not an RPC URL (use e.g. http://127.0.0.1:26657)"))?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
        return Err(format!(
            "{text:?} has no host (use e.g. http://127.0.0.1:26657)"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(duration(" 5m ").unwrap(), Duration::from_secs(300));
        assert_eq!(
            duration("5x").unwrap_err(),
            "\"5x\" is not a duration (use e.g. 30s, 5m, 1h30m)"
        );
        assert!(duration("30").unwrap_err().contains("has no unit"));
        assert!(duration("0s").unwrap_err().contains("zero"));
        assert!(duration("-5s").is_err());
        assert!(duration("").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(number::<u32>("10", 1, 100).unwrap(), 10);
        assert!(number::<u32>("0", 1, 100)
            .unwrap_err()
            .contains("out of range"));
        assert!(number::<u32>("-1", 1, 100)
            .unwrap_err()
            .contains("negative"));
        assert!(number::<u32>("1.5", 1, 100).is_err());
        assert!(number::<u32>("99999999999999", 1, u32::MAX).is_err());
    }

    #[test]
    fn prices() {
        assert_eq!(price("0").unwrap(), Decimal256::zero());
        assert_eq!(price("0.25").unwrap(), Decimal256::percent(25));
        assert_eq!(
            price("0.000000000000000001").unwrap(),
            Decimal256::from_atomics(1u128, 18).unwrap()
        );
        assert!(price("0.0000000000000000001")
            .unwrap_err()
            .contains("18 decimals"));
        assert!(price("-1").unwrap_err().contains("negative"));
        assert!(price("1e5").is_err());
        assert!(price("1.").is_err());
        assert!(price(".5").is_err());
        assert!(price("abc").is_err());
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio_millis("1").unwrap(), 1000);
        assert_eq!(ratio_millis("1.5").unwrap(), 1500);
        assert_eq!(ratio_millis("2.125").unwrap(), 2125);
        assert!(
            ratio_millis("0.5").is_err(),
            "below 1 would under-sell the host"
        );
        assert!(ratio_millis("1.2345").is_err());
        assert!(ratio_millis("21").is_err());
        assert!(ratio_millis("1.").is_err());
        assert!(ratio_millis("4294967295").is_err());
    }

    #[test]
    fn sizes_cpu_and_addresses() {
        assert_eq!(size("64Gi").unwrap(), 64 << 30);
        assert!(size("0").is_err());
        assert!(size("lots").is_err());
        assert_eq!(cpu("16").unwrap(), 16_000);
        assert_eq!(cpu("500m").unwrap(), 500);
        assert!(socket_addr("0.0.0.0").is_err());
        assert_eq!(socket_addr("[::]:8443").unwrap().port(), 8443);
        assert!(ip("localhost").is_err());
        assert_eq!(choice("host", &["bridge", "host", "none"]).unwrap(), "host");
        assert!(choice("Host", &["bridge", "host"]).is_err());
    }

    #[test]
    fn node_urls() {
        assert!(node_url("http://127.0.0.1:26657").is_ok());
        assert!(node_url("127.0.0.1:26657").is_err());
        assert!(node_url("http://").is_err());
        assert!(node_url("ftp://x").is_err());
        assert!(text("a\u{7}b").is_err());
        assert!(text("  ").is_err());
    }
}
