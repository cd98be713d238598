//! Writes the JSON schema of the devnet reflect contract's messages.
//!
//! Run it through `scripts/schema.sh`, which places the output in `schema/devnet-reflect/`.
use cosmwasm_schema::write_api;
use kumo_devnet_reflect::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    write_api! {
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
}
