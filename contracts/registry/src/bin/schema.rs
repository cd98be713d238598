//! Writes the JSON schema of the registry contract's messages.
//!
//! Run it through `scripts/schema.sh`, which places the output in `schema/registry/`
//! at the repository root (`write_api!` writes into `./schema` under the current
//! directory).
use cosmwasm_schema::write_api;
use kumo_types::registry::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    write_api! {
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
}
