//! profilec-lsp: the language server. The only crate that knows LSP types
//! or UTF-16: everything it shows comes from `profilec_core::session`, and
//! every position goes through `SourceMap::position` / `offset_of_utf16`.
//!
//! [`server::Server`] is synchronous and generic over [`client::Client`], so
//! fixture tests drive it without a process; [`backend`] puts it behind
//! tower-lsp on stdio. One module per feature.

pub mod backend;
pub mod client;
pub mod code_actions;
pub mod completion;
pub mod confine;
pub mod confine_build;
pub mod confine_index;
pub mod confine_nav;
pub mod confine_symbols;
pub mod confine_tokens;
pub mod convert;
pub mod definition;
pub mod diagnostics;
pub mod docs;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod include_file;
pub mod rename;
pub mod semantic_tokens;
pub mod server;
pub mod settings;
pub mod symbols;
pub mod sync;
pub mod walk;

pub use client::{Client, Outbox};
pub use server::Server;
