//! Writes the JSON schema of the governance contract's messages.
//!
//! Run it through `scripts/schema.sh`, which places the output in `schema/governance/`
//! at the repository root (`write_api!` writes into `./schema` under the current
//! directory).
use cosmwasm_schema::write_api;
use kumo_types::governance::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    write_api! {
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
}
