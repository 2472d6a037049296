//! `profilec-lsp`: the language server on stdin/stdout.

use profilec_core::input::fs::RealFs;
use profilec_lsp::backend::Backend;
use tower_lsp::{LspService, Server};

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--version") {
        println!("profilec-lsp {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    let (service, socket) = LspService::new(|client| Backend::new(client, Box::new(RealFs)));
    Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
    // After `exit`, leave at once: tokio's blocking stdin reader would
    // otherwise keep the process alive until the client closes the pipe.
    std::process::exit(0);
}
