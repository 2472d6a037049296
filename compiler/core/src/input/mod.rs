//! The bottom layer: the one door to files ([`fs::FileSystem`]) and the
//! reader that turns bytes into source text ([`load`]), and atomic writes
//! of outputs ([`write`]).

pub mod fs;
pub mod load;
pub mod write;
