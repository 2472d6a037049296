//! `expect { ... }` blocks hold lines of the `.expect` format
//! (`seccomp::expect`); they are read by that parser over the file's text
//! with everything outside the block blanked, so spans stay exact.

use crate::diag::codes;
use crate::diag::{Diagnostic, FileId, SourceMap};
use crate::seccomp::expect::{self, Expectation};
use crate::syntax::confine::ast::ExpectBlock;

pub fn cases(
    sources: &SourceMap,
    file: FileId,
    block: &ExpectBlock,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Expectation> {
    let text = sources.text(file);
    let (start, end) = (block.body.start as usize, block.body.end as usize);
    let blanked: String = text
        .char_indices()
        .flat_map(|(i, c)| {
            let keep = (start..end).contains(&i) || c == '\n';
            let n = if keep { 1 } else { c.len_utf8() };
            std::iter::repeat_n(if keep { c } else { ' ' }, n)
        })
        .collect();
    let parsed = expect::parse(file, &blanked, diags);
    if let Some((_, span)) = parsed.profile {
        diags.push(
            Diagnostic::error(
                codes::EXPECT_SYNTAX,
                "an `expect` block tests its own profile",
            )
            .at(span, "no `profile` line here")
            .with_help("remove the line; `profile \"...\"` belongs in `.expect` files"),
        );
    }
    parsed.cases
}
