//! The two terminal renderings of a [`Diagnostic`]: human and JSON.
//!
//! Human output treats every text as hostile: control characters (C0, DEL,
//! C1) and bidirectional overrides are escaped (`\x1b`, `\u{202e}`) in
//! messages, labels, notes, file names and snippets, so a profile cannot
//! clear the screen or retitle the window; each snippet line is cut to a
//! window around its labels, so output grows with the number of problems,
//! not with the length of the line; a file outside the include roots is
//! never quoted. JSON keeps every text exact (it escapes by itself).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

use super::{Diagnostic, FileId, Severity, SourceMap, Span};

/// Whether a character must not reach a terminal raw.
fn is_control(c: char) -> bool {
    matches!(c,
        '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}'
        // Bidirectional controls and marks: "Trojan Source" reordering.
        | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        // A byte-order mark is invisible.
        | '\u{feff}')
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    if (c as u32) < 0x80 {
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

/// `s` with control characters and bidi overrides escaped, tabs and line
/// breaks kept (messages and notes may span lines; `\r` is escaped: it
/// would let a line overwrite itself).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Bytes of a snippet line shown around the labels on it.
const CONTEXT: usize = 40;
/// Widest window: a line longer than this is cut around its labels.
const MAX_WINDOW: usize = 120;
const ELLIPSIS: &str = "…";

/// One source line as shown: a window of the original line, escaped.
struct Segment {
    /// 0-based line in the original file.
    line: usize,
    /// Range in the view's text, line break included.
    range: Range<usize>,
    /// (original byte offset, view byte offset) at every character
    /// boundary of the window, in order.
    map: Vec<(usize, usize)>,
}

impl Segment {
    /// Where an original offset on this line lands in the view (clamped
    /// into the window).
    fn to_view(&self, orig: usize) -> usize {
        match self.map.binary_search_by_key(&orig, |&(o, _)| o) {
            Ok(i) => self.map[i].1,
            Err(0) => self.map.first().map_or(self.range.start, |m| m.1),
            Err(i) => self.map[i - 1].1,
        }
    }

    fn to_orig(&self, view: usize) -> usize {
        match self.map.binary_search_by_key(&view, |&(_, v)| v) {
            Ok(i) => self.map[i].0,
            Err(0) => self.map.first().map_or(0, |m| m.0),
            Err(i) => self.map[i - 1].0,
        }
    }
}

/// The lines of one original file that a diagnostic shows.
struct ViewFile {
    orig: FileId,
    name: String,
    text: String,
    segments: BTreeMap<usize, Segment>,
}

/// A stand-in for the [`SourceMap`], built per diagnostic, that holds only
/// the windows of the lines the diagnostic shows, escaped; line and column
/// numbers are those of the original file.
struct View<'s> {
    sources: &'s SourceMap,
    files: Vec<ViewFile>,
}

impl<'s> View<'s> {
    fn new(sources: &'s SourceMap) -> View<'s> {
        View {
            sources,
            files: Vec::new(),
        }
    }

    /// Add the lines `spans` touch in `file` (plus what codespan-reporting
    /// draws around them); returns the view's id of the file.
    fn add_file(&mut self, file: FileId, spans: &[Span]) -> usize {
        let src = self.sources;
        let config = term::Config::default();
        // Label ends and starts by line, as offsets within the file.
        let mut points: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for s in spans {
            let (a, b) = (s.start as usize, s.end as usize);
            let (la, lb) = (src.line_index_of(file, a), src.line_index_of(file, b));
            points.entry(la).or_default().push(a);
            points.entry(lb).or_default().push(b);
            // Lines inside a multi-line label that codespan draws.
            let inner = (la + 1..lb).filter(|l| {
                l - la <= config.start_context_lines || lb - l <= config.end_context_lines
            });
            for l in inner.take(config.start_context_lines + config.end_context_lines + 2) {
                points.entry(l).or_default();
            }
        }
        // codespan-reporting shows the one line between two shown lines.
        let lines: Vec<usize> = points.keys().copied().collect();
        for w in lines.windows(2) {
            if w[1] == w[0] + 2 {
                points.entry(w[0] + 1).or_default();
            }
        }
        let text = src.text(file);
        let mut out = String::new();
        let mut segments = BTreeMap::new();
        for (line, pts) in points {
            let span = src.line_span(file, line);
            let (ws, we) = window(text, span.clone(), &pts);
            let start = out.len();
            let mut map = Vec::new();
            if ws > span.start {
                out.push_str(ELLIPSIS);
            }
            for (i, c) in text[ws..we].char_indices() {
                map.push((ws + i, out.len()));
                if is_control(c) {
                    push_escaped(&mut out, c);
                } else {
                    out.push(c);
                }
            }
            map.push((we, out.len()));
            if we < span.end {
                out.push_str(ELLIPSIS);
                // The line break and anything after the window.
                map.push((span.end, out.len()));
            }
            out.push('\n');
            segments.insert(
                line,
                Segment {
                    line,
                    range: start..out.len(),
                    map,
                },
            );
        }
        self.files.push(ViewFile {
            orig: file,
            name: escape_controls(src.name(file)).into_owned(),
            text: out,
            segments,
        });
        self.files.len() - 1
    }

    /// A span of the original file as a range of the view.
    fn range(&self, id: usize, s: Span) -> Range<usize> {
        let Some(f) = self.files.get(id) else {
            return 0..0;
        };
        let at = |o: usize| {
            let line = self.sources.line_index_of(f.orig, o);
            f.segments.get(&line).map_or(0, |seg| seg.to_view(o))
        };
        let (a, b) = (at(s.start as usize), at(s.end as usize));
        a..b.max(a)
    }
}

/// The byte window `[ws, we)` of a line shown around the offsets `pts`.
fn window(text: &str, line: Range<usize>, pts: &[usize]) -> (usize, usize) {
    if line.len() <= MAX_WINDOW {
        return (line.start, line.end);
    }
    let lo = pts
        .iter()
        .copied()
        .min()
        .unwrap_or(line.start)
        .max(line.start);
    let hi = pts.iter().copied().max().unwrap_or(lo).min(line.end);
    let mut ws = lo.saturating_sub(CONTEXT).max(line.start);
    let mut we = (hi + CONTEXT).min(ws + MAX_WINDOW).min(line.end).max(lo);
    while !text.is_char_boundary(ws) {
        ws -= 1;
    }
    while !text.is_char_boundary(we) {
        we += 1;
    }
    (ws, we)
}

impl<'a> Files<'a> for View<'_> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        self.files
            .get(id)
            .map(|f| f.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        self.files
            .get(id)
            .map(|f| f.text.as_str())
            .ok_or(FilesError::FileMissing)
    }

    /// The original line index of a view offset.
    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        let seg = f
            .segments
            .values()
            .find(|s| byte_index < s.range.end)
            .or_else(|| f.segments.values().next_back());
        Ok(seg.map_or(0, |s| s.line))
    }

    /// The view range of an original line; empty for a line not shown.
    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        Ok(f.segments
            .get(&line_index)
            .map_or(f.text.len()..f.text.len(), |s| s.range.clone()))
    }

    /// The original column (in characters) of a view offset.
    fn column_number(
        &'a self,
        id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        let orig = f
            .segments
            .get(&line_index)
            .map_or(0, |s| s.to_orig(byte_index));
        Ok(self.sources.line_col(f.orig, orig).column)
    }
}

/// The diagnostic as codespan-reporting draws it, over a [`View`] of just
/// the lines it shows. Labels in files outside the include roots become
/// notes with their position only.
fn to_codespan<'s>(sources: &'s SourceMap, d: &Diagnostic) -> (View<'s>, cs::Diagnostic<usize>) {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let all: Vec<(bool, &super::Label)> = d
        .primary
        .iter()
        .map(|l| (true, l))
        .chain(d.secondary.iter().map(|l| (false, l)))
        .collect();
    let mut view = View::new(sources);
    let mut ids: Vec<(FileId, usize)> = Vec::new();
    let mut labels = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (primary, l) in &all {
        let file = l.span.file;
        if sources.is_hidden(file) {
            let at = sources.line_col(file, l.span.start as usize);
            notes.push(format!(
                "at {}:{}:{}: {}",
                escape_controls(sources.name(file)),
                at.line,
                at.column,
                escape_controls(&l.message)
            ));
            continue;
        }
        let id = match ids.iter().find(|(f, _)| *f == file) {
            Some((_, id)) => *id,
            None => {
                let spans: Vec<Span> = all
                    .iter()
                    .filter(|(_, o)| o.span.file == file)
                    .map(|(_, o)| o.span)
                    .collect();
                let id = view.add_file(file, &spans);
                ids.push((file, id));
                id
            }
        };
        let range = view.range(id, l.span);
        let label = if *primary {
            cs::Label::primary(id, range)
        } else {
            cs::Label::secondary(id, range)
        };
        labels.push(label.with_message(escape_controls(&l.message)));
    }
    notes.extend(
        d.notes
            .iter()
            .map(|n| format!("note: {}", escape_controls(n))),
    );
    if let Some(h) = &d.help {
        notes.push(format!("help: {}", escape_controls(h)));
    }
    let diag = cs::Diagnostic::new(severity)
        .with_code(d.code.name)
        .with_message(escape_controls(&d.message))
        .with_labels(labels)
        .with_notes(notes);
    (view, diag)
}

/// Human output, as codespan-reporting draws it (source line, underline, help).
pub fn human(
    out: &mut dyn WriteColor,
    sources: &SourceMap,
    diags: &[Diagnostic],
) -> std::io::Result<()> {
    let config = term::Config::default();
    for d in diags {
        let (view, diag) = to_codespan(sources, d);
        term::emit(out, &config, &view, &diag).map_err(|e| match e {
            codespan_reporting::files::Error::Io(e) => e,
            other => std::io::Error::other(other.to_string()),
        })?;
    }
    Ok(())
}

/// Human output as a plain string (no colour): golden tests compare this.
pub fn human_string(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut buf = term::termcolor::NoColor::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = human(&mut buf, sources, diags);
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: Option<&'a str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub code: &'a str,
    pub severity: &'a str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
}

pub fn json_value<'a>(sources: &'a SourceMap, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let (file, start, end) = match &d.primary {
        Some(p) => (
            Some(sources.name(p.span.file)),
            Some(sources.line_col(p.span.file, p.span.start as usize)),
            Some(sources.line_col(p.span.file, p.span.end as usize)),
        ),
        None => (None, None, None),
    };
    JsonDiagnostic {
        file,
        line: start.map(|p| p.line),
        column: start.map(|p| p.column),
        end_line: end.map(|p| p.line),
        end_column: end.map(|p| p.column),
        code: d.code.name,
        severity: d.severity.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
    }
}

/// JSON output: one array of objects, one object per diagnostic.
pub fn json(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let values: Vec<_> = diags.iter().map(|d| json_value(sources, d)).collect();
    serde_json::to_string_pretty(&values).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_everywhere_in_human_output() {
        let mut m = SourceMap::new();
        let f = m.add(
            "a\x1b]0;x\x07.sd",
            "profile p {\n /a\x1b[2J\u{202e} bogus\n}\n",
        );
        let d = Diagnostic::error(super::super::codes::SYNTAX_ERROR, "bad `\x1b[2J`")
            .at(Span::new(f, 15, 23), "label \u{9b}")
            .with_help("help \x07")
            .with_note("note \x7f");
        let out = human_string(&m, &[d]);
        assert!(!out.chars().any(is_control), "{out:?}");
        assert!(out.contains(r"a\x1b]0;x\x07.sd:2:4"), "{out}");
        assert!(out.contains(r" /a\x1b[2J\u{202e} bogus"), "{out}");
        assert!(out.contains(r"label \u{9b}"), "{out}");
        assert!(out.contains(r"bad `\x1b[2J`"), "{out}");
    }

    #[test]
    fn long_lines_are_cut_to_a_window_with_the_original_position() {
        let mut m = SourceMap::new();
        let line = format!("{}BAD{}", "é".repeat(100_000), "x".repeat(100_000));
        let f = m.add("long", format!("first\n{line}\n"));
        let at = 6 + 200_000;
        let d = Diagnostic::error(super::super::codes::SYNTAX_ERROR, "bad")
            .at(Span::new(f, at, at + 3), "here");
        let out = human_string(&m, &[d]);
        assert!(out.len() < 1000, "{}", out.len());
        assert!(out.contains("long:2:100001"), "{out}");
        assert!(out.contains("…éééé"), "{out}");
        assert!(out.contains("BADxxxx"), "{out}");
        assert!(out.contains("^^^ here"), "{out}");
    }
}
