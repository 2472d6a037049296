//! The one golden-file helper of every golden suite.
//!
//! A suite is a folder of inputs (`NAME.EXT`) each with a golden file
//! (`NAME.GOLDEN_EXT`) that starts with a header saying how to regenerate
//! it. `UPDATE_GOLDEN=1` rewrites golden files that differ and deletes
//! stale ones (whose input is gone); without it, a difference, a missing
//! golden file or a stale one fails the test with a diff or a hint.

use std::path::{Path, PathBuf};

/// Whether this run regenerates golden files (`UPDATE_GOLDEN=1`).
pub fn update_requested() -> bool {
    std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1")
}

pub struct Suite {
    /// Folder of the inputs, relative to the workspace.
    pub dir: &'static str,
    pub input_ext: &'static str,
    pub golden_ext: &'static str,
    /// The integration test that owns the suite (`cargo test --test NAME`).
    pub test: &'static str,
    /// Line comment marker of the golden file's format.
    pub comment: &'static str,
}

impl Suite {
    pub fn header(&self) -> String {
        format!(
            "{c} Golden file of compiler/tests/{t}.rs; regenerate: UPDATE_GOLDEN=1 cargo test -p profilec --test {t}\n",
            c = self.comment,
            t = self.test
        )
    }

    pub fn folder(&self) -> PathBuf {
        super::workspace().join(self.dir)
    }

    /// The inputs, sorted, as paths relative to the workspace.
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(self.folder())
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == self.input_ext))
                    .filter_map(|p| Some(Path::new(self.dir).join(p.file_name()?)))
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// Compare `header + produce(input)` with each input's golden file.
    /// `produce` gets the input's path relative to the workspace.
    pub fn run(&self, min_cases: usize, mut produce: impl FnMut(&Path) -> String) {
        let root = super::workspace();
        let inputs = self.inputs();
        assert!(
            inputs.len() >= min_cases,
            "{}: {} inputs, expected at least {min_cases}",
            self.dir,
            inputs.len()
        );
        let update = update_requested();
        let mut failures = Vec::new();
        for input in &inputs {
            let got = format!("{}{}", self.header(), produce(input));
            let golden = root.join(input.with_extension(self.golden_ext));
            let want = std::fs::read_to_string(&golden).ok();
            if want.as_deref() == Some(got.as_str()) {
                continue;
            }
            if update {
                if let Err(e) = std::fs::write(&golden, &got) {
                    failures.push(format!("{}: {e}", golden.display()));
                }
                continue;
            }
            match want {
                Some(want) => failures.push(format!(
                    "{}: output differs from its golden file\n{}",
                    input.display(),
                    similar::TextDiff::from_lines(&want, &got)
                        .unified_diff()
                        .header("golden", "actual")
                )),
                None => failures.push(format!(
                    "{}: no golden file `{}` yet",
                    input.display(),
                    golden.display()
                )),
            }
        }
        for stale in self.stale() {
            if update {
                let _ = std::fs::remove_file(&stale);
            } else {
                failures.push(format!(
                    "{}: stale golden file (its input is gone)",
                    stale.display()
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} golden cases failed; if the change is intended, run `UPDATE_GOLDEN=1 cargo test -p profilec --test {}` and review the diff:\n\n{}",
            failures.len(),
            inputs.len(),
            self.test,
            failures.join("\n")
        );
    }

    /// Golden files whose input does not exist.
    fn stale(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(self.folder())
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == self.golden_ext))
                    .filter(|p| !p.with_extension(self.input_ext).exists())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}
