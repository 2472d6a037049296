//! The `profilec` command: argument parsing and output over profilec-core
//! and the seccomp harness.

#![forbid(unsafe_code)]

mod cli;

fn main() {
    // Started first, to be ready when the arguments are read.
    let pool = cli::early_pool();
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(code) => std::process::exit(code),
    };
    // `check` starts deep-stack workers of its own for whatever it parses.
    if cli.runs_in_place() {
        std::process::exit(cli::run(cli, pool));
    }
    // Parsing and checking recurse over nested blocks; a roomy stack keeps
    // hostile input (bounded by the parser's depth limit) far from the end.
    let worker = profilec_core::session::spawn_worker(|| -> i32 {
        let code = cli::run(cli, pool);
        // Exit from the worker: joining it would first wait for the
        // thread to give back its stack (a 256 MiB mapping, on the path
        // of every run; issue 13).
        std::process::exit(code)
    });
    let code = match worker {
        // Only a panic that escaped the command returns here.
        Ok(handle) => handle.join().unwrap_or(101),
        // No thread can be started (a process limit): this stack will do,
        // for the command line read again (the first went to the thread).
        Err(_) => cli::main(),
    };
    std::process::exit(code);
}
