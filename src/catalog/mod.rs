//! Reading the catalog from disk: manifest parsing (`manifest`), bare-script inference
//! (`infer`), scanning (`scan`), the dependencies and links a tool declares. What it reads
//! becomes a `model::Catalog`. Never touches the terminal or the state store.

pub(crate) mod deps;
pub(crate) mod infer;
pub(crate) mod links;
pub(crate) mod manifest;
pub mod scan;
pub(crate) mod schema_file;
