//! Include search, variables, aliases: from parsed files to one resolved policy.

pub mod fs;
