//! Semantic checks over a resolved [`Unit`]: what `apparmor_parser` rejects
//! after parsing, reported all at once with spans.

mod vars;

use crate::diag::{Diagnostic, SourceMap};
use crate::resolve::Unit;

pub fn check(unit: &Unit, _sources: &SourceMap) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    vars::check(unit, &mut diags);
    diags
}
