//! The `profilec` command: argument parsing and output over profilec-core
//! and the seccomp harness.

#![forbid(unsafe_code)]

mod cli;

fn main() {
    // Parsing and checking recurse over nested blocks; a roomy stack keeps
    // hostile input (bounded by the parser's depth limit) far from the end.
    let worker = profilec_core::session::spawn_worker(cli::main);
    let code = match worker {
        Ok(handle) => handle.join().unwrap_or(101),
        // No thread can be started (a process limit): this stack will do.
        Err(_) => cli::main(),
    };
    std::process::exit(code);
}
