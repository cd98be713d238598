//! Migration guard: the same contract, never an older version.

use cosmwasm_std::Storage;

use crate::error::ContractError;

/// Checks that the stored cw2 info names this contract at a version no newer than
/// `new_version`, then records `new_version`.
pub fn ensure_upgrade(
    storage: &mut dyn Storage,
    name: &str,
    new_version: &str,
) -> Result<(), ContractError> {
    let stored = cw2::get_contract_version(storage)?;
    if stored.contract != name {
        return Err(ContractError::WrongContract {
            expected: name.to_string(),
            found: stored.contract,
        });
    }
    if parse_version(&stored.version)? > parse_version(new_version)? {
        return Err(ContractError::Downgrade {
            stored: stored.version,
            new: new_version.to_string(),
        });
    }
    cw2::set_contract_version(storage, name, new_version)?;
    Ok(())
}

/// `major.minor.patch` as a comparable triple. A pre-release or build suffix is ignored:
/// this contract is only ever released with plain versions.
fn parse_version(version: &str) -> Result<(u64, u64, u64), ContractError> {
    let invalid = || ContractError::InvalidVersion {
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
    use cosmwasm_std::testing::MockStorage;

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
        let mut storage = MockStorage::new();
        cw2::set_contract_version(&mut storage, "crate:kumo-market", "0.1.0").unwrap();
        let err = ensure_upgrade(&mut storage, "crate:kumo-governance", "0.1.0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot migrate contract crate:kumo-market as crate:kumo-governance"
        );

        cw2::set_contract_version(&mut storage, "crate:kumo-governance", "0.2.0").unwrap();
        let err = ensure_upgrade(&mut storage, "crate:kumo-governance", "0.1.9").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot migrate from version 0.2.0 down to 0.1.9"
        );
        ensure_upgrade(&mut storage, "crate:kumo-governance", "0.2.0").unwrap();
        ensure_upgrade(&mut storage, "crate:kumo-governance", "0.10.0").unwrap();
        assert_eq!(
            cw2::get_contract_version(&storage).unwrap().version,
            "0.10.0"
        );
    }
}
