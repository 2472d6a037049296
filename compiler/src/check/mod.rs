//! Semantic checks over a resolved [`Unit`]: what `apparmor_parser` rejects
//! after parsing, reported all at once with spans.

mod vars;

use crate::diag::{Diagnostic, SourceMap};
use crate::resolve::fs::FileSystem;
use crate::resolve::{Options, Unit};

pub fn check(
    unit: &Unit,
    _sources: &SourceMap,
    _fs: &dyn FileSystem,
    _opts: &Options,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    vars::check(unit, &mut diags);
    diags
}
