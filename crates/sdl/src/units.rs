//! Quantities as SDL files spell them: sizes, CPU units, GPU units and memory, prices and
//! durations.
//!
//! # Sizes (memory, storage)
//!
//! A size is a decimal number (`512`, `1.5`, `.5`) followed by an optional unit. Units are
//! case-insensitive and may end in an optional `b`/`B`, so `16GB`, `16gb`, `16G` and `16g` are
//! the same, as Akash's web console reads them:
//!
//! | unit (any case, optional trailing b) | factor   | unit           | factor |
//! |--------------------------------------|----------|----------------|--------|
//! | none, `b`                            | 1        |                |        |
//! | `k`, `kb`                            | 1000     | `ki`, `kib`    | 1024   |
//! | `m`, `mb`                            | 1000^2   | `mi`, `mib`    | 1024^2 |
//! | `g`, `gb`                            | 1000^3   | `gi`, `gib`    | 1024^3 |
//! | `t`, `tb`                            | 1000^4   | `ti`, `tib`    | 1024^4 |
//! | `p`, `pb`                            | 1000^5   | `pi`, `pib`    | 1024^5 |
//! | `e`, `eb`                            | 1000^6   | `ei`, `eib`    | 1024^6 |
//!
//! So `512Mb` is 512,000,000 bytes and `1gi` is 1,073,741,824 bytes. The arithmetic follows
//! Akash's Go parser bit for bit: the number is rounded to a 64-bit mantissa, multiplied by
//! the factor (rounded again to 64 bits, to nearest even) and truncated to whole bytes.
//!
//! # CPU
//! `units` is cores (`0.5`, `2`) or millicores (`500m`), read as Go does: cores are parsed as a
//! float64, multiplied by 1000 and truncated.

use std::time::Duration;

use cosmwasm_std::Decimal256;

/// Hint shown with every refused size.
pub const SIZE_HINT: &str = "use e.g. 512Mi, 1Gi, 16GB";

/// A decimal number as written: its digits without the dot, and how many were after it.
struct Decimal {
    digits: u128,
    scale: u32,
}

/// Splits `text` into a non-negative decimal number and the rest. `None` when it does not
/// start with one or has more than 38 significant digits.
fn split_decimal(text: &str) -> Option<(Decimal, &str)> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(end);
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return None;
    }
    let all = format!("{int}{frac}");
    let significant = all.trim_start_matches('0');
    if significant.len() > 38 {
        return None;
    }
    let digits = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    Some((
        Decimal {
            digits,
            scale: frac.len() as u32,
        },
        rest,
    ))
}

/// A value `mantissa * 2^exp`, with the mantissa below 2^64 (as Go's big.Float at 64 bits).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Float64Bits {
    mantissa: u128,
    exp: i32,
}

/// Rounds `mantissa * 2^exp` to 64 significant bits, to nearest even; `sticky` says whether
/// non-zero bits were already dropped below the mantissa.
fn round_to_64(mut mantissa: u128, mut exp: i32, sticky: bool) -> Float64Bits {
    let bits = 128 - mantissa.leading_zeros() as i32;
    if bits > 64 {
        let shift = (bits - 64) as u32;
        let dropped = mantissa & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        mantissa >>= shift;
        exp += shift as i32;
        let round_up = dropped > half || (dropped == half && (sticky || mantissa & 1 == 1));
        if round_up {
            mantissa += 1;
            if mantissa == 1u128 << 64 {
                mantissa >>= 1;
                exp += 1;
            }
        }
    }
    Float64Bits { mantissa, exp }
}

/// `n / 10^scale` rounded to 64 significant bits, to nearest even, as big.Float's Parse at
/// precision 64.
fn decimal_to_float64(d: &Decimal) -> Float64Bits {
    if d.digits == 0 {
        return Float64Bits {
            mantissa: 0,
            exp: 0,
        };
    }
    let q = 10u128.pow(d.scale);
    let int = d.digits / q;
    let mut rem = d.digits % q;
    let int_bits = 128 - int.leading_zeros() as i32;
    if int_bits > 64 {
        return round_to_64(int, 0, rem != 0);
    }
    // Long division: collect bits until the mantissa has 64 significant bits, plus one more
    // for rounding; the remainder is the sticky part.
    let mut mantissa = int;
    let mut exp = 0i32;
    let mut bits = int_bits;
    while bits < 65 {
        rem *= 2;
        let bit = rem >= q;
        if bit {
            rem -= q;
        }
        mantissa = (mantissa << 1) | bit as u128;
        exp -= 1;
        if mantissa != 0 {
            bits += 1;
        }
    }
    round_to_64(mantissa, exp, rem != 0)
}

/// Truncates `mantissa * 2^exp` to an integer; `None` above u64::MAX.
fn truncate(f: Float64Bits) -> Option<u64> {
    if f.exp >= 0 {
        if f.exp >= 64 || f.mantissa.leading_zeros() < f.exp as u32 {
            return None;
        }
        u64::try_from(f.mantissa << f.exp).ok()
    } else if f.exp <= -128 {
        Some(0)
    } else {
        u64::try_from(f.mantissa >> (-f.exp) as u32).ok()
    }
}

/// The factor of a size unit, or `None` when it is not one.
fn size_factor(unit: &str) -> Option<u128> {
    let lower = unit.to_ascii_lowercase();
    let unit = lower.strip_suffix('b').unwrap_or(&lower);
    if unit.is_empty() {
        return Some(1);
    }
    let (prefix, binary) = match unit.strip_suffix('i') {
        Some(p) => (p, true),
        None => (unit, false),
    };
    let power = match prefix {
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        "e" => 6,
        _ => return None,
    };
    let base: u128 = if binary { 1024 } else { 1000 };
    Some(base.pow(power))
}

/// Parses a memory or storage size into bytes. The error is the reason, to follow the path.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let not_a_size = || format!("{text:?} is not a size ({SIZE_HINT})");
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!("{text:?} is negative: a size must be positive"));
    }
    let unsigned = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let (number, unit) = split_decimal(unsigned).ok_or_else(not_a_size)?;
    let factor = size_factor(unit).ok_or_else(not_a_size)?;
    let value = decimal_to_float64(&number);
    let product = round_to_64(value.mantissa * factor, value.exp, false);
    truncate(product).ok_or_else(|| format!("{text:?} is too large"))
}

/// Parses CPU units into millicpu: cores (`0.5`, `2`) or millicores (`500m`).
pub fn parse_cpu(text: &str) -> Result<u64, String> {
    let hint = || {
        format!("{text:?} is not a CPU amount (use cores, e.g. 0.5 or 2, or millicores, e.g. 500m)")
    };
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!("{text:?} is negative: CPU units must be positive"));
    }
    if let Some(milli) = trimmed.strip_suffix('m') {
        if milli.is_empty() || !milli.bytes().all(|b| b.is_ascii_digit()) {
            return Err(hint());
        }
        return milli.parse::<u64>().map_err(|_| hint());
    }
    let (_, rest) = split_decimal(trimmed).ok_or_else(hint)?;
    if !rest.is_empty() {
        return Err(hint());
    }
    // Go: strconv.ParseFloat, times 1000, converted to an integer (truncation).
    let cores: f64 = trimmed.parse().map_err(|_| hint())?;
    let milli = cores * 1000.0;
    if milli >= u64::MAX as f64 {
        return Err(format!("{text:?} is too large"));
    }
    Ok(milli as u64)
}

/// Parses a GPU count: a whole number (`1`, also `1.0`).
pub fn parse_gpu_units(text: &str) -> Result<u64, String> {
    let hint = || format!("{text:?} is not a GPU count (use a whole number, e.g. 1)");
    let trimmed = text.trim();
    let whole = match trimmed.split_once('.') {
        Some((int, frac)) if frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return Err(hint()),
        None => trimmed,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(hint());
    }
    whole.parse().map_err(|_| hint())
}

/// Parses a GPU memory size into Akash's key form, whole GiB (`80Gi`). Binary units only: GPU
/// memory is sold in GiB, so a decimal spelling such as `80GB` is refused rather than guessed.
pub fn parse_gpu_ram(text: &str) -> Result<String, String> {
    let hint = || format!("{text:?} is not a GPU memory size (use binary units, e.g. 80Gi)");
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    let unit_start = lower
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(hint)?;
    let unit = lower[unit_start..].trim_end_matches('b');
    if !unit.ends_with('i') {
        return Err(hint());
    }
    let bytes = parse_size(trimmed).map_err(|_| hint())?;
    const GI: u64 = 1 << 30;
    if bytes < GI || bytes % GI != 0 {
        return Err(format!(
            "{text:?} is not a whole number of GiB (use e.g. 24Gi, 80Gi)"
        ));
    }
    Ok(format!("{}Gi", bytes / GI))
}

/// Parses a price per block: a positive decimal with at most 18 decimals, as Cosmos SDK's
/// `LegacyDec` reads it.
pub fn parse_price(text: &str) -> Result<Decimal256, String> {
    let trimmed = text.trim();
    let hint =
        || format!("{text:?} is not a price (use a decimal amount per block, e.g. 1000 or 0.5)");
    if trimmed.starts_with('-') {
        return Err(format!("{text:?} is negative: a price must be positive"));
    }
    let (int, frac) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits_ok(int) || !digits_ok(frac) || trimmed.ends_with('.') {
        return Err(hint());
    }
    if frac.len() > 18 {
        return Err(format!("{text:?} has more than 18 decimals"));
    }
    let amount: Decimal256 = trimmed
        .parse()
        .map_err(|_| format!("{text:?} is too large"))?;
    if amount.is_zero() {
        return Err("the amount is zero: a price must be greater than zero".into());
    }
    Ok(amount)
}

/// Parses a duration as Go's `time.ParseDuration` does (`90s`, `1h30m`, `1.5h`); it must be
/// positive.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let hint = || format!("{text:?} is not a duration (use e.g. 90s, 30m, 24h)");
    let mut rest = text.trim();
    if rest.starts_with('-') {
        return Err(format!("{text:?} is negative: the window must be > 0"));
    }
    rest = rest.strip_prefix('+').unwrap_or(rest);
    if rest == "0" {
        return Err("the window must be > 0".into());
    }
    if rest.is_empty() {
        return Err(hint());
    }
    let mut total_nanos: u128 = 0;
    while !rest.is_empty() {
        let (number, after) = split_decimal(rest).ok_or_else(hint)?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let nanos_per: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(hint()),
        };
        let scale = 10u128
            .checked_pow(number.scale)
            .ok_or_else(|| format!("{text:?} has too many decimals"))?;
        let nanos = number
            .digits
            .checked_mul(nanos_per)
            .map(|n| n / scale)
            .ok_or_else(|| format!("{text:?} is too long"))?;
        total_nanos = total_nanos
            .checked_add(nanos)
            .filter(|n| *n <= i64::MAX as u128)
            .ok_or_else(|| format!("{text:?} is too long"))?;
        rest = next;
    }
    if total_nanos == 0 {
        return Err("the window must be > 0".into());
    }
    Ok(Duration::from_nanos(total_nanos as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KI: u64 = 1024;
    const MI: u64 = KI * KI;
    const GI: u64 = MI * KI;

    #[test]
    fn akash_sizes() {
        assert_eq!(parse_size("512Mi"), Ok(512 * MI));
        assert_eq!(parse_size("1Gi"), Ok(GI));
        assert_eq!(parse_size("128Mi"), Ok(134_217_728));
        assert_eq!(parse_size("1.5G"), Ok(1_500_000_000));
        assert_eq!(parse_size("4.75Gi"), Ok(4 * GI + 3 * GI / 4));
        assert_eq!(parse_size("1k"), Ok(1000));
        assert_eq!(parse_size("1Ki"), Ok(1024));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("1.5"), Ok(1));
        assert_eq!(parse_size("0.5Gi"), Ok(GI / 2));
        assert_eq!(parse_size("2Ti"), Ok(2 * GI * KI));
        assert_eq!(parse_size("1Ei"), Ok(1 << 60));
    }

    #[test]
    fn lenient_console_sizes() {
        assert_eq!(parse_size("16GB"), Ok(16_000_000_000));
        assert_eq!(parse_size("16gb"), Ok(16_000_000_000));
        assert_eq!(parse_size("16g"), Ok(16_000_000_000));
        assert_eq!(parse_size("1gi"), Ok(GI));
        assert_eq!(parse_size("1GiB"), Ok(GI));
        assert_eq!(parse_size("512Mb"), Ok(512_000_000));
        assert_eq!(parse_size("512mi"), Ok(512 * MI));
        assert_eq!(parse_size("512m"), Ok(512_000_000));
        assert_eq!(parse_size("6GB"), Ok(6_000_000_000));
        assert_eq!(parse_size("100b"), Ok(100));
        assert_eq!(parse_size("2KB"), Ok(2000));
        assert_eq!(parse_size(" 1Gi "), Ok(GI));
    }

    #[test]
    fn refused_sizes() {
        for bad in [
            "16XB", "", "Gi", "1..5Gi", "1 Gi", "abc", "1e3", "1Gix", "1Zi", "0x10",
        ] {
            let err = parse_size(bad).unwrap_err();
            assert!(
                err.contains("is not a size (use e.g. 512Mi, 1Gi, 16GB)"),
                "{bad}: {err}"
            );
        }
        assert!(parse_size("-1Gi").unwrap_err().contains("negative"));
        assert!(parse_size("100Ei").unwrap_err().contains("too large"));
        assert!(parse_size("99999999999999999999999999999999999999999")
            .unwrap_err()
            .contains("not a size"));
    }

    #[test]
    fn float64_rounding_matches_go() {
        // 0.1 rounds up at 64 bits: 0.1 * 1e9 is exactly 1e8 after rounding.
        assert_eq!(parse_size("0.1G"), Ok(100_000_000));
        assert_eq!(parse_size("0.3G"), Ok(300_000_000));
        assert_eq!(parse_size("0.7Gi"), Ok(751_619_276));
        // 0.001 rounds down at 64 bits, so Go reads 0.001G as 999999 bytes, not 1000000.
        assert_eq!(parse_size("0.001G"), Ok(999_999));
        assert_eq!(parse_size("0.001M"), Ok(999));
        assert_eq!(parse_size("0.002k"), Ok(1));
        // Integers up to 2^64 - 1 are exact.
        assert_eq!(parse_size("18446744073709551615"), Ok(u64::MAX));
        assert!(parse_size("18446744073709551616").is_err());
        // Above 64 bits of precision, integers round to nearest even.
        assert_eq!(
            truncate(decimal_to_float64(&Decimal {
                digits: (1u128 << 65) + 3,
                scale: 0
            })),
            None
        );
        let f = decimal_to_float64(&Decimal {
            digits: (1u128 << 64) + 1,
            scale: 0,
        });
        assert_eq!(f.mantissa << f.exp, 1u128 << 64);
    }

    #[test]
    fn cpu_units() {
        assert_eq!(parse_cpu("100m"), Ok(100));
        assert_eq!(parse_cpu("1000m"), Ok(1000));
        assert_eq!(parse_cpu("0.5"), Ok(500));
        assert_eq!(parse_cpu("1"), Ok(1000));
        assert_eq!(parse_cpu("1.0"), Ok(1000));
        assert_eq!(parse_cpu("0.01"), Ok(10));
        assert_eq!(parse_cpu("0.29"), Ok(290));
        assert_eq!(parse_cpu("2.5"), Ok(2500));
        assert!(parse_cpu("-100m").unwrap_err().contains("negative"));
        assert!(parse_cpu("-1").unwrap_err().contains("negative"));
        assert!(parse_cpu("1.5m").is_err());
        assert!(parse_cpu("m").is_err());
        assert!(parse_cpu("two").is_err());
        assert!(parse_cpu("1e3").is_err());
        assert!(parse_cpu("inf").is_err());
    }

    #[test]
    fn gpu_quantities() {
        assert_eq!(parse_gpu_units("1"), Ok(1));
        assert_eq!(parse_gpu_units("8.0"), Ok(8));
        assert!(parse_gpu_units("1.5").is_err());
        assert!(parse_gpu_units("-1").is_err());
        assert_eq!(parse_gpu_ram("80Gi").as_deref(), Ok("80Gi"));
        assert_eq!(parse_gpu_ram("40960Mi").as_deref(), Ok("40Gi"));
        assert_eq!(parse_gpu_ram("24gi").as_deref(), Ok("24Gi"));
        assert!(parse_gpu_ram("80GB").unwrap_err().contains("binary units"));
        assert!(parse_gpu_ram("1500Mi")
            .unwrap_err()
            .contains("whole number of GiB"));
        assert!(parse_gpu_ram("lots").is_err());
    }

    #[test]
    fn prices() {
        assert_eq!(parse_price("1000").unwrap().to_string(), "1000");
        assert_eq!(parse_price("0.5").unwrap().to_string(), "0.5");
        assert_eq!(
            parse_price("0.000000000000000001").unwrap().to_string(),
            "0.000000000000000001"
        );
        assert!(parse_price("0").unwrap_err().contains("zero"));
        assert!(parse_price("0.0").unwrap_err().contains("zero"));
        assert!(parse_price("-5").unwrap_err().contains("negative"));
        assert!(parse_price("1e3").is_err());
        assert!(parse_price("1.").is_err());
        assert!(parse_price("abc").is_err());
        assert!(parse_price("0.0000000000000000001")
            .unwrap_err()
            .contains("18 decimals"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("720h"), Ok(Duration::from_secs(720 * 3600)));
        assert_eq!(parse_duration("100ms"), Ok(Duration::from_millis(100)));
        assert!(parse_duration("0s").unwrap_err().contains("> 0"));
        assert!(parse_duration("0").unwrap_err().contains("> 0"));
        assert!(parse_duration("-1h").is_err());
        assert!(parse_duration("1d").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("").is_err());
    }
}
