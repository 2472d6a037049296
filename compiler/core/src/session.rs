//! The pipeline as library calls: load -> parse -> resolve -> check.
//! The CLI, the language server and the test runners all call these.

use std::path::Path;

use crate::diag::{Diagnostic, FileId, SourceMap};
use crate::input::fs::FileSystem;
use crate::input::load;
use crate::resolve::{Cache, Loader, Options, Unit};

/// Parsing and checking recurse once per nesting level; the parser allows
/// deep nesting (the conformance suite nests conditions 100 deep), more than
/// a 2 MiB thread stack holds in a debug build. The work runs on a scoped
/// thread whose stack is reserved, not committed, up front.
const STACK: usize = 256 * 1024 * 1024;

/// Run `work` on a thread with a deep stack. A panic inside it is caught
/// and returned as its message, so one bad input cannot take down a run
/// (the caller reports it as an `internal-error` diagnostic).
pub fn on_deep_stack<T: Send>(work: impl FnOnce() -> T + Send) -> Result<T, String> {
    let slot = std::sync::Mutex::new(Some(work));
    let take = || slot.lock().ok().and_then(|mut w| w.take());
    let on_thread = std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("profilec-check".into())
            .stack_size(STACK)
            .spawn_scoped(s, || take().map(|w| w()))
            .ok()?;
        Some(handle.join())
    });
    match on_thread {
        Some(Ok(Some(v))) => Ok(v),
        Some(Err(panic)) => Err(panic_message(panic.as_ref())),
        // No thread could be started: this thread's stack will have to do.
        Some(Ok(None)) | None => match take() {
            Some(w) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(w))
                .map_err(|p| panic_message(p.as_ref())),
            None => Err("the check ran on no thread".into()),
        },
    }
}

/// The text a panic was raised with.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".into()
    }
}

pub use crate::diag::codes::INTERNAL_ERROR;

/// A panic inside the library, reported against the input that caused it.
fn internal_error(file: FileId, sources: &SourceMap, why: &str) -> Diagnostic {
    let name = sources.name(file);
    Diagnostic::error(
        INTERNAL_ERROR,
        format!("internal error while checking `{name}`: {why}"),
    )
    .at(
        crate::diag::Span::new(file, 0, 0),
        "while checking this file",
    )
    .with_help("this is a bug in profilec; please report it with the input that caused it")
}

/// What checking one input produced.
pub struct Checked {
    /// The entry file, when it could be read.
    pub file: Option<FileId>,
    pub unit: Option<Unit>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One run over any number of inputs: sources and parsed includes are shared.
#[derive(Default)]
pub struct Session {
    pub sources: SourceMap,
    pub opts: Options,
    cache: Cache,
}

impl Session {
    pub fn new(opts: Options) -> Session {
        Session {
            sources: SourceMap::new(),
            opts,
            cache: Cache::default(),
        }
    }

    /// Check one AppArmor file on `fs`.
    pub fn check_path(&mut self, fs: &dyn FileSystem, path: &Path) -> Checked {
        let mut diags = Vec::new();
        let display = path.display().to_string();
        let loaded = load::load(fs, &mut self.sources, path, &display, &mut diags);
        self.finish(fs, loaded, Some(path), diags)
    }

    /// Check AppArmor text that does not come from a file (stdin, an editor
    /// buffer, a test case).
    pub fn check_bytes(&mut self, fs: &dyn FileSystem, name: &str, bytes: Vec<u8>) -> Checked {
        let mut diags = Vec::new();
        let loaded = load::from_bytes(&mut self.sources, name, bytes, &mut diags);
        self.finish(fs, loaded, None, diags)
    }

    fn finish(
        &mut self,
        fs: &dyn FileSystem,
        loaded: load::Loaded,
        path: Option<&Path>,
        mut diags: Vec<Diagnostic>,
    ) -> Checked {
        if !loaded.usable {
            return Checked {
                file: Some(loaded.file),
                unit: None,
                diagnostics: diags,
            };
        }
        let (sources, opts, cache) = (&mut self.sources, &self.opts, &mut self.cache);
        let ran = on_deep_stack(|| {
            let loader = Loader::new(fs, sources, opts, cache);
            let (unit, mut more) = loader.load_root(loaded.file, path.map(Path::to_path_buf));
            more.extend(crate::check::check(&unit, sources));
            (unit, more)
        });
        match ran {
            Ok((unit, more)) => {
                diags.extend(more);
                Checked {
                    file: Some(loaded.file),
                    unit: Some(unit),
                    diagnostics: diags,
                }
            }
            Err(why) => {
                // A cache filled halfway through may be inconsistent.
                self.cache = Cache::default();
                diags.push(internal_error(loaded.file, &self.sources, &why));
                Checked {
                    file: Some(loaded.file),
                    unit: None,
                    diagnostics: diags,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::fs::{Kind, MemoryFs};

    /// A file system that fails in the middle of a check the way a bug
    /// would: by panicking when an include is read.
    struct PanicsOnInclude(MemoryFs);

    impl FileSystem for PanicsOnInclude {
        fn kind(&self, path: &Path) -> Option<Kind> {
            self.0.kind(path)
        }
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            if path.ends_with("boom") {
                panic!("injected failure");
            }
            self.0.read(path)
        }
        fn read_dir(&self, path: &Path) -> std::io::Result<Vec<String>> {
            self.0.read_dir(path)
        }
    }

    #[test]
    fn a_panic_during_a_check_is_an_internal_error_of_that_input() {
        let mut fs = MemoryFs::new();
        fs.insert("/p/boom", "/x r,\n");
        fs.insert("/p/a", "profile a {\n  include \"/p/boom\"\n}\n");
        fs.insert("/p/b", "profile b {\n  /b r,\n}\n");
        let fs = PanicsOnInclude(fs);
        let mut session = Session::new(Options::default());
        let a = session.check_path(&fs, Path::new("/p/a"));
        assert_eq!(a.diagnostics.len(), 1, "{:?}", a.diagnostics);
        let d = &a.diagnostics[0];
        assert_eq!(d.code, crate::diag::codes::INTERNAL_ERROR);
        assert_eq!(
            d.message,
            "internal error while checking `/p/a`: injected failure"
        );
        // The session goes on with the next input.
        let b = session.check_path(&fs, Path::new("/p/b"));
        assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
    }
}
