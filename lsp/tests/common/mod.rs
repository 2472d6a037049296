//! A server driven in-process, for the fixture and robustness tests.
#![allow(dead_code)]

use std::path::Path;

use profilec_core::input::fs::MemoryFs;
use profilec_lsp::client::Message;
use profilec_lsp::settings::Settings;
use profilec_lsp::{Outbox, Server};
use serde_json::{json, Value};
use tower_lsp::lsp_types::*;

pub struct Harness {
    pub server: Server<Outbox>,
    /// Every publication so far, in order.
    pub published: Vec<(Url, Vec<Diagnostic>, Option<i32>)>,
    versions: std::collections::HashMap<Url, i32>,
}

pub fn uri(path: &str) -> Url {
    Url::from_file_path(path).unwrap()
}

fn pos(s: &str) -> Position {
    let (l, c) = s.split_once(':').unwrap();
    Position::new(l.parse().unwrap(), c.parse().unwrap())
}

fn doc(path: &str) -> TextDocumentIdentifier {
    TextDocumentIdentifier::new(uri(path))
}

fn at(path: &str, p: &str) -> TextDocumentPositionParams {
    TextDocumentPositionParams::new(doc(path), pos(p))
}

fn json_of<T: serde::Serialize>(v: T) -> String {
    // Through Value: its maps are sorted, so the text is deterministic.
    let v = serde_json::to_value(v).unwrap();
    serde_json::to_string_pretty(&v).unwrap()
}

/// A response, or the error response a request answered with.
fn result_json<T: serde::Serialize>(r: Result<T, tower_lsp::jsonrpc::Error>) -> String {
    match r {
        Ok(v) => json_of(v),
        Err(e) => json_of(json!({"error": {"code": e.code, "message": e.message}})),
    }
}

impl Harness {
    pub fn new(disk: &[(String, String)]) -> Harness {
        let mut fs = MemoryFs::new();
        for (p, t) in disk {
            fs.insert(p.as_str(), t.as_str());
        }
        let settings = Settings {
            diagnostics_url: Some("https://example.invalid/diagnostics.md".into()),
            ..Settings::default()
        };
        Harness {
            server: Server::new(Outbox::default(), Box::new(fs), settings),
            published: Vec::new(),
            versions: Default::default(),
        }
    }

    fn drain(&mut self) {
        for m in self.server.client.take() {
            if let Message::Diagnostics {
                uri,
                diagnostics,
                version,
            } = m
            {
                self.published.push((uri, diagnostics, version));
            }
        }
    }

    pub fn open(&mut self, path: &str, text: &str) {
        let u = uri(path);
        self.versions.insert(u.clone(), 1);
        self.server.did_open(DidOpenTextDocumentParams {
            text_document: TextDocumentItem::new(u, "apparmor".into(), 1, text.into()),
        });
        self.drain();
    }

    /// Apply one edit; returns the publications it caused.
    pub fn change(
        &mut self,
        path: &str,
        range: Option<Range>,
        text: &str,
    ) -> Vec<(Url, Vec<Diagnostic>, Option<i32>)> {
        let u = uri(path);
        let v = self.versions.entry(u.clone()).or_insert(1);
        *v += 1;
        let before = self.published.len();
        self.server.did_change(DidChangeTextDocumentParams {
            text_document: VersionedTextDocumentIdentifier::new(u, *v),
            content_changes: vec![TextDocumentContentChangeEvent {
                range,
                range_length: None,
                text: text.into(),
            }],
        });
        self.drain();
        self.published[before..].to_vec()
    }

    fn last_published(&self, path: &str) -> Value {
        let u = uri(path);
        match self.published.iter().rev().find(|(p, _, _)| *p == u) {
            Some((_, d, v)) => json!({"version": v, "diagnostics": d}),
            None => Value::Null,
        }
    }

    pub fn request(&mut self, line: &str) -> String {
        let mut parts = line.splitn(2, ' ');
        let method = parts.next().unwrap();
        let rest = parts.next().unwrap_or("");
        let args: Vec<&str> = rest.split(' ').collect();
        let s = &mut self.server;
        match method {
            "diagnostics" => json_of(self.last_published(args[0])),
            "text" => s.text(Path::new(args[0])).unwrap_or("").to_string(),
            "change" => {
                let range = Range::new(pos(args[1]), pos(args[2]));
                let text: String = serde_json::from_str(&args[3..].join(" ")).unwrap();
                let published = self.change(args[0], Some(range), &text);
                let shown: Vec<Value> = published
                    .into_iter()
                    .map(|(u, d, v)| {
                        let lines: Vec<String> = d
                            .iter()
                            .map(|d| {
                                format!(
                                    "{}:{} {}",
                                    d.range.start.line,
                                    d.range.start.character,
                                    d.message.lines().next().unwrap_or("")
                                )
                            })
                            .collect();
                        json!({"uri": u, "version": v, "diagnostics": lines})
                    })
                    .collect();
                json_of(shown)
            }
            "save" => {
                let before = self.published.len();
                s.did_save(&uri(args[0]));
                self.drain();
                json_of(
                    self.published[before..]
                        .iter()
                        .map(|(u, d, v)| json!({"uri": u, "version": v, "count": d.len()}))
                        .collect::<Vec<_>>(),
                )
            }
            "close" => {
                let before = self.published.len();
                s.did_close(DidCloseTextDocumentParams {
                    text_document: doc(args[0]),
                });
                self.drain();
                json_of(
                    self.published[before..]
                        .iter()
                        .map(|(u, d, v)| json!({"uri": u, "version": v, "count": d.len()}))
                        .collect::<Vec<_>>(),
                )
            }
            "settings" => {
                let v: Value = serde_json::from_str(rest).unwrap();
                let mut settings = profilec_lsp::settings::Settings::from_json(&v).unwrap();
                settings.diagnostics_url = Some("https://example.invalid/diagnostics.md".into());
                let before = self.published.len();
                s.set_settings(settings);
                self.drain();
                json_of(
                    self.published[before..]
                        .iter()
                        .map(|(u, d, v)| json!({"uri": u, "version": v, "count": d.len()}))
                        .collect::<Vec<_>>(),
                )
            }
            "hover" => json_of(s.hover(&HoverParams {
                text_document_position_params: at(args[0], args[1]),
                work_done_progress_params: Default::default(),
            })),
            "completion" => {
                let r = s.completion(&CompletionParams {
                    text_document_position: at(args[0], args[1]),
                    work_done_progress_params: Default::default(),
                    partial_result_params: Default::default(),
                    context: None,
                });
                let labels: Vec<String> = match r {
                    Some(CompletionResponse::Array(items)) => {
                        items.into_iter().map(|i| i.label).collect()
                    }
                    _ => Vec::new(),
                };
                labels.join(" ")
            }
            "definition" => json_of(s.definition(&GotoDefinitionParams {
                text_document_position_params: at(args[0], args[1]),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })),
            "references" => json_of(s.references(&ReferenceParams {
                text_document_position: at(args[0], args[1]),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
                context: ReferenceContext {
                    include_declaration: true,
                },
            })),
            "highlight" => json_of(s.highlight(&DocumentHighlightParams {
                text_document_position_params: at(args[0], args[1]),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })),
            "prepare-rename" => result_json(s.prepare_rename(&at(args[0], args[1]))),
            "rename" => result_json(s.rename(&RenameParams {
                text_document_position: at(args[0], args[1]),
                new_name: args[2].into(),
                work_done_progress_params: Default::default(),
            })),
            "symbols" => json_of(s.document_symbols(&DocumentSymbolParams {
                text_document: doc(args[0]),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })),
            "workspace-symbols" => json_of(s.workspace_symbols(&WorkspaceSymbolParams {
                query: rest.into(),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })),
            "folding" => json_of(s.folding_ranges(&FoldingRangeParams {
                text_document: doc(args[0]),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })),
            "tokens" => self.tokens(args[0]),
            "format" => json_of(s.format(&DocumentFormattingParams {
                text_document: doc(args[0]),
                options: FormattingOptions::default(),
                work_done_progress_params: Default::default(),
            })),
            "format-range" => json_of(s.format_range(&DocumentRangeFormattingParams {
                text_document: doc(args[0]),
                range: Range::new(pos(args[1]), pos(args[2])),
                options: FormattingOptions::default(),
                work_done_progress_params: Default::default(),
            })),
            "actions" => json_of(s.code_actions(&CodeActionParams {
                text_document: doc(args[0]),
                range: Range::new(pos(args[1]), pos(args[2])),
                context: CodeActionContext::default(),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })),
            "inlay" => json_of(s.inlay_hints(&InlayHintParams {
                text_document: doc(args[0]),
                range: Range::new(Position::new(0, 0), Position::new(9999, 0)),
                work_done_progress_params: Default::default(),
            })),
            other => panic!("unknown request `{other}`"),
        }
    }

    /// Semantic tokens decoded: `line:col type text`, one a line.
    fn tokens(&mut self, path: &str) -> String {
        let r = self.server.semantic_tokens(&SemanticTokensParams {
            text_document: doc(path),
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
        });
        let Some(SemanticTokensResult::Tokens(t)) = r else {
            return "null".into();
        };
        let text = self.server.text(Path::new(path)).unwrap().to_string();
        // Lines as the server counts them: split at `\n` only.
        let lines: Vec<&str> = text.split('\n').collect();
        let (mut line, mut col) = (0u32, 0u32);
        let mut out = Vec::new();
        for tok in t.data {
            if tok.delta_line > 0 {
                line += tok.delta_line;
                col = tok.delta_start;
            } else {
                col += tok.delta_start;
            }
            let l: Vec<u16> = lines[line as usize].encode_utf16().collect();
            let word = l
                .get(col as usize..(col + tok.length) as usize)
                .map(String::from_utf16_lossy)
                .unwrap_or_else(|| {
                    panic!(
                        "token {line}:{col}+{} outside its line {:?}",
                        tok.length, lines[line as usize]
                    )
                });
            let kind = profilec_lsp::semantic_tokens::TYPES[tok.token_type as usize].as_str();
            out.push(format!("{line}:{col} {kind} {word}"));
        }
        out.join("\n")
    }
}
