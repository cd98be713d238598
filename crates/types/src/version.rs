//! The migration rule every Kumo contract applies: the same contract, never an older version.

use cosmwasm_std::{StdError, Storage};

/// Why a migration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpgradeRefusal {
    #[error("cannot migrate contract {found} as {expected}")]
    WrongContract { expected: String, found: String },
    #[error("cannot migrate from version {stored} down to {new}")]
    Downgrade { stored: String, new: String },
    #[error("version {version:?} is not major.minor.patch")]
    InvalidVersion { version: String },
}

/// A contract's migrate guard: checks cw2's stored record against `name` and `new_version`
/// ([`check_upgrade`]), then records `new_version`.
pub fn ensure_upgrade<E>(storage: &mut dyn Storage, name: &str, new_version: &str) -> Result<(), E>
where
    E: From<UpgradeRefusal> + From<StdError>,
{
    let stored = cw2::get_contract_version(storage)?;
    check_upgrade(&stored.contract, &stored.version, name, new_version)?;
    cw2::set_contract_version(storage, name, new_version)?;
    Ok(())
}

/// Checks that the stored contract is `name` at a version no newer than `new_version`.
pub fn check_upgrade(
    stored_contract: &str,
    stored_version: &str,
    name: &str,
    new_version: &str,
) -> Result<(), UpgradeRefusal> {
    if stored_contract != name {
        return Err(UpgradeRefusal::WrongContract {
            expected: name.to_string(),
            found: stored_contract.to_string(),
        });
    }
    if parse_version(stored_version)? > parse_version(new_version)? {
        return Err(UpgradeRefusal::Downgrade {
            stored: stored_version.to_string(),
            new: new_version.to_string(),
        });
    }
    Ok(())
}

/// `major.minor.patch` as a comparable triple. A pre-release or build suffix is ignored:
/// Kumo's contracts are only ever released with plain versions.
fn parse_version(version: &str) -> Result<(u64, u64, u64), UpgradeRefusal> {
    let invalid = || UpgradeRefusal::InvalidVersion {
        version: version.to_string(),
    };
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let mut parts = core
        .split('.')
        .map(|p| p.parse::<u64>().map_err(|_| invalid()));
    let triple = (
        parts.next().ok_or_else(invalid)??,
        parts.next().ok_or_else(invalid)??,
        parts.next().ok_or_else(invalid)??,
    );
    if parts.next().is_some() {
        return Err(invalid());
    }
    Ok(triple)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("0.10.0").unwrap() > parse_version("0.9.9").unwrap());
        assert_eq!(parse_version("1.2.3-rc.1").unwrap(), (1, 2, 3));
        for bad in ["", "1", "1.2", "1.2.3.4", "a.b.c", "1..3"] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_foreign_contracts_and_downgrades() {
        let gov = "crate:kumo-governance";
        assert_eq!(
            check_upgrade("crate:kumo-market", "0.1.0", gov, "0.1.0"),
            Err(UpgradeRefusal::WrongContract {
                expected: gov.into(),
                found: "crate:kumo-market".into()
            })
        );
        assert_eq!(
            check_upgrade(gov, "0.2.0", gov, "0.1.9"),
            Err(UpgradeRefusal::Downgrade {
                stored: "0.2.0".into(),
                new: "0.1.9".into()
            })
        );
        assert_eq!(
            check_upgrade(gov, "0.2.0", gov, "two"),
            Err(UpgradeRefusal::InvalidVersion {
                version: "two".into()
            })
        );
        assert_eq!(check_upgrade(gov, "0.2.0", gov, "0.2.0"), Ok(()));
        assert_eq!(check_upgrade(gov, "0.9.0", gov, "0.10.0"), Ok(()));
    }

    #[test]
    fn ensure_upgrade_records_the_new_version_only_when_allowed() {
        let mut storage = cosmwasm_std::testing::MockStorage::new();
        let gov = "crate:kumo-governance";
        cw2::set_contract_version(&mut storage, gov, "0.2.0").unwrap();
        let err = ensure_upgrade::<StdOrRefusal>(&mut storage, gov, "0.1.9").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot migrate from version 0.2.0 down to 0.1.9"
        );
        assert_eq!(
            cw2::get_contract_version(&storage).unwrap().version,
            "0.2.0"
        );
        ensure_upgrade::<StdOrRefusal>(&mut storage, gov, "0.10.0").unwrap();
        assert_eq!(
            cw2::get_contract_version(&storage).unwrap().version,
            "0.10.0"
        );
    }

    #[derive(Debug, thiserror::Error)]
    enum StdOrRefusal {
        #[error("{0}")]
        Std(#[from] StdError),
        #[error(transparent)]
        Refused(#[from] UpgradeRefusal),
    }
}
