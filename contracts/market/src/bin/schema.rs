//! Writes the JSON schema of the market contract's messages.
//!
//! Run it through `scripts/schema.sh`, which places the output in `schema/market/`
//! at the repository root (`write_api!` writes into `./schema` under the current
//! directory).
use cosmwasm_schema::write_api;
use kumo_types::market::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    write_api! {
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
}
