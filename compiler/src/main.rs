fn main() {
    std::process::exit(profilec::cli::main());
}
