//! Provider attributes, placement requirements and the matching rules between them.

use cosmwasm_schema::cw_serde;

use crate::error::{ensure, ValidationError};

/// Most attributes one provider, one auditor signature or one placement may carry.
pub const MAX_ATTRIBUTES: usize = 64;
/// Longest attribute value, in bytes.
pub const MAX_ATTRIBUTE_VALUE_LEN: usize = 256;
/// Most auditors one `signed_by` clause may name.
pub const MAX_SIGNED_BY: usize = 16;

#[cw_serde]
pub struct Attribute {
    pub key: String,
    pub value: String,
}

impl Attribute {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Auditors whose signatures a placement requires.
#[cw_serde]
#[derive(Default)]
pub struct SignedBy {
    /// Every one of these auditors must have signed all requested attributes.
    #[serde(default)]
    pub all_of: Vec<String>,
    /// At least one of these auditors must have signed all requested attributes.
    #[serde(default)]
    pub any_of: Vec<String>,
}

impl SignedBy {
    pub fn is_empty(&self) -> bool {
        self.all_of.is_empty() && self.any_of.is_empty()
    }

    /// Every auditor named, without duplicates.
    pub fn auditors(&self) -> Vec<String> {
        let mut all: Vec<String> = self.all_of.iter().chain(&self.any_of).cloned().collect();
        all.sort();
        all.dedup();
        all
    }
}

/// Where a group may be placed.
#[cw_serde]
#[derive(Default)]
pub struct PlacementRequirements {
    #[serde(default)]
    pub signed_by: SignedBy,
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

/// `^[a-zA-Z][\w/.\-]{1,126}$`, Akash's attribute key rule. With `allow_glob`, `*` and `?`
/// may also appear (placement requirements match provider keys by glob).
pub fn is_valid_attribute_key(key: &str, allow_glob: bool) -> bool {
    let mut chars = key.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| {
        c.is_ascii_alphanumeric() || "_/.-".contains(c) || (allow_glob && "*?".contains(c))
    });
    first_ok && rest_ok && (2..=127).contains(&key.len())
}

/// Validates a list of attributes: count, key syntax, unique keys, value length.
pub fn validate_attributes(
    field: &str,
    attributes: &[Attribute],
    allow_glob: bool,
) -> Result<(), ValidationError> {
    ensure(
        attributes.len() <= MAX_ATTRIBUTES,
        || field.to_string(),
        || {
            format!(
                "{} attributes, at most {MAX_ATTRIBUTES} allowed",
                attributes.len()
            )
        },
    )?;
    for (i, attr) in attributes.iter().enumerate() {
        ensure(
            is_valid_attribute_key(&attr.key, allow_glob),
            || format!("{field}[{i}].key"),
            || {
                format!(
                    "{:?} is not a valid attribute key (a letter, then 1-126 of letters, digits, '_', '/', '.', '-')",
                    attr.key
                )
            },
        )?;
        ensure(
            !attributes[..i].iter().any(|a| a.key == attr.key),
            || format!("{field}[{i}].key"),
            || format!("{:?} is listed twice", attr.key),
        )?;
        ensure(
            !attr.value.is_empty() && attr.value.len() <= MAX_ATTRIBUTE_VALUE_LEN,
            || format!("{field}[{i}].value"),
            || {
                format!(
                    "must be 1-{MAX_ATTRIBUTE_VALUE_LEN} bytes, got {}",
                    attr.value.len()
                )
            },
        )?;
    }
    Ok(())
}

/// Validates a `signed_by` clause: bounded, no duplicates. Address syntax is checked by the
/// contract, which has the chain's address codec.
pub fn validate_signed_by(field: &str, signed_by: &SignedBy) -> Result<(), ValidationError> {
    for (name, list) in [("all_of", &signed_by.all_of), ("any_of", &signed_by.any_of)] {
        ensure(
            list.len() <= MAX_SIGNED_BY,
            || format!("{field}.{name}"),
            || format!("{} auditors, at most {MAX_SIGNED_BY} allowed", list.len()),
        )?;
        for (i, auditor) in list.iter().enumerate() {
            ensure(
                !list[..i].contains(auditor),
                || format!("{field}.{name}[{i}]"),
                || format!("{auditor} is listed twice"),
            )?;
        }
    }
    Ok(())
}

/// Glob match in the manner of Go's `filepath.Match`: `*` matches any run of characters other
/// than '/', `?` exactly one such character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => {
                // Try every split point that stays within one path segment.
                let mut i = 0;
                loop {
                    if go(rest, &t[i..]) {
                        return true;
                    }
                    if i == t.len() || t[i] == b'/' {
                        return false;
                    }
                    i += 1;
                }
            }
            Some((b'?', rest)) => {
                matches!(t.split_first(), Some((c, tr)) if *c != b'/' && go(rest, tr))
            }
            Some((c, rest)) => matches!(t.split_first(), Some((tc, tr)) if tc == c && go(rest, tr)),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// True when some offered attribute has a key matching the requirement's key (which may be a
/// glob) and the same value.
pub fn attribute_satisfied(requirement: &Attribute, offered: &[Attribute]) -> bool {
    offered
        .iter()
        .any(|a| a.value == requirement.value && glob_match(&requirement.key, &a.key))
}

/// The first requirement that `offered` does not satisfy, if any.
pub fn first_unmatched<'a>(
    requirements: &'a [Attribute],
    offered: &[Attribute],
) -> Option<&'a Attribute> {
    requirements
        .iter()
        .find(|r| !attribute_satisfied(r, offered))
}

/// What one auditor has signed for a provider.
#[cw_serde]
pub struct AuditedAttributes {
    pub auditor: cosmwasm_std::Addr,
    pub attributes: Vec<Attribute>,
}

/// Checks a `signed_by` clause: every `all_of` auditor, and at least one `any_of` auditor (when
/// any are named), must have signed every requested attribute. Returns the reason on failure.
pub fn check_signed_by(
    requirements: &[Attribute],
    signed_by: &SignedBy,
    audited: &[AuditedAttributes],
) -> Result<(), String> {
    let signed_all = |auditor: &str| {
        audited
            .iter()
            .find(|a| a.auditor.as_str() == auditor)
            .is_some_and(|a| first_unmatched(requirements, &a.attributes).is_none())
    };
    if let Some(missing) = signed_by.all_of.iter().find(|a| !signed_all(a)) {
        return Err(format!(
            "auditor {missing} (signed_by.all_of) has not signed the required attributes"
        ));
    }
    if !signed_by.any_of.is_empty() && !signed_by.any_of.iter().any(|a| signed_all(a)) {
        return Err(
            "none of the signed_by.any_of auditors has signed the required attributes".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::Addr;

    #[test]
    fn attribute_keys_follow_akash_rule() {
        assert!(is_valid_attribute_key("region", false));
        assert!(is_valid_attribute_key(
            "capabilities/gpu/vendor/nvidia/model/h100",
            false
        ));
        assert!(is_valid_attribute_key("a.b-c_d", false));
        assert!(!is_valid_attribute_key("r", false), "too short");
        assert!(!is_valid_attribute_key("1region", false));
        assert!(!is_valid_attribute_key("reg ion", false));
        assert!(!is_valid_attribute_key("region*", false));
        assert!(is_valid_attribute_key("region*", true));
        assert!(is_valid_attribute_key(
            &format!("a{}", "b".repeat(126)),
            false
        ));
        assert!(!is_valid_attribute_key(
            &format!("a{}", "b".repeat(127)),
            false
        ));
    }

    #[test]
    fn attribute_lists_are_validated() {
        let ok = vec![
            Attribute::new("region", "us-west"),
            Attribute::new("tier", "1"),
        ];
        assert!(validate_attributes("attributes", &ok, false).is_ok());
        let dup = vec![Attribute::new("region", "a"), Attribute::new("region", "b")];
        let err = validate_attributes("attributes", &dup, false).unwrap_err();
        assert_eq!(err.field, "attributes[1].key");
        let empty = vec![Attribute::new("region", "")];
        assert_eq!(
            validate_attributes("p", &empty, false).unwrap_err().field,
            "p[0].value"
        );
        let many: Vec<_> = (0..65)
            .map(|i| Attribute::new(format!("k{i}"), "v"))
            .collect();
        assert_eq!(
            validate_attributes("p", &many, false).unwrap_err().field,
            "p"
        );
    }

    #[test]
    fn globs_match_one_segment() {
        assert!(glob_match(
            "vendor/nvidia/model/*",
            "vendor/nvidia/model/h100"
        ));
        assert!(!glob_match(
            "vendor/nvidia/model/*",
            "vendor/nvidia/model/h100/ram/80Gi"
        ));
        assert!(glob_match("region", "region"));
        assert!(glob_match("reg?on", "region"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("region", "regions"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*/c", "ab/d/c"));
    }

    #[test]
    fn signed_by_semantics() {
        let reqs = vec![Attribute::new("region", "us-west")];
        let signed = |who: &str| AuditedAttributes {
            auditor: Addr::unchecked(who),
            attributes: reqs.clone(),
        };
        let audited = vec![signed("aud1"), signed("aud2")];
        let all = SignedBy {
            all_of: vec!["aud1".into(), "aud2".into()],
            any_of: vec![],
        };
        assert!(check_signed_by(&reqs, &all, &audited).is_ok());
        assert!(check_signed_by(&reqs, &all, &audited[..1]).is_err());
        let any = SignedBy {
            all_of: vec![],
            any_of: vec!["nobody".into(), "aud2".into()],
        };
        assert!(check_signed_by(&reqs, &any, &audited[1..]).is_ok());
        assert!(check_signed_by(&reqs, &any, &[]).is_err());
        // A signature over other attributes does not count.
        let wrong = vec![AuditedAttributes {
            auditor: Addr::unchecked("aud2"),
            attributes: vec![Attribute::new("region", "eu")],
        }];
        assert!(check_signed_by(&reqs, &any, &wrong).is_err());
        assert!(check_signed_by(&reqs, &SignedBy::default(), &[]).is_ok());
    }
}
