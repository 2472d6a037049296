//! tower-lsp glue: each LSP method locks the server, calls the method of
//! the same name, then forwards what the server published.

use tokio::sync::Mutex;
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client as LspClient, LanguageServer};

use crate::client::{Message, Outbox};
use crate::semantic_tokens;
use crate::server::{Fs, Server};
use crate::settings::Settings;

pub struct Backend {
    client: LspClient,
    server: Mutex<Server<Outbox>>,
    /// Changes not yet applied. Whoever gets the server next applies all
    /// of them and checks once: typing faster than a check takes never
    /// queues up checks of stale texts.
    pending: std::sync::Mutex<Vec<DidChangeTextDocumentParams>>,
}

impl Backend {
    pub fn new(client: LspClient, fs: Fs) -> Backend {
        Backend {
            client,
            server: Mutex::new(Server::new(Outbox::default(), fs, Settings::default())),
            pending: std::sync::Mutex::new(Vec::new()),
        }
    }

    async fn with<T>(&self, f: impl FnOnce(&mut Server<Outbox>) -> T) -> T {
        let (result, messages) = {
            let mut server = self.server.lock().await;
            // Every request sees the changes that arrived before it.
            let changes = match self.pending.lock() {
                Ok(mut p) => std::mem::take(&mut *p),
                Err(_) => Vec::new(),
            };
            if !changes.is_empty() {
                server.did_change_all(changes);
            }
            let result = f(&mut server);
            (result, server.client.take())
        };
        for m in messages {
            match m {
                Message::Diagnostics {
                    uri,
                    diagnostics,
                    version,
                } => {
                    self.client
                        .publish_diagnostics(uri, diagnostics, version)
                        .await
                }
                Message::Log(kind, text) => self.client.log_message(kind, text).await,
            }
        }
        result
    }
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(["<", "/", "{", "@", "("].map(String::from).to_vec()),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: semantic_tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        inlay_hint_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, p: InitializeParams) -> Result<InitializeResult> {
        if let Some(s) = p
            .initialization_options
            .as_ref()
            .and_then(Settings::from_json)
        {
            self.with(|server| server.set_settings(s)).await;
        }
        Ok(InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "profilec-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
    }

    /// Ask to hear of changes on disk to policy files the open documents
    /// may include (clients send none unless asked).
    async fn initialized(&self, _: InitializedParams) {
        let watchers = ["**/apparmor.d/**", "**/*.confine"]
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.into()),
                kind: None,
            })
            .to_vec();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "profilec-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        // A client without dynamic registration refuses: nothing to do.
        let _ = self.client.register_capability(vec![registration]).await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        self.with(|s| s.did_open(p)).await;
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.push(p);
        }
        self.with(|_| ()).await;
    }

    async fn did_save(&self, p: DidSaveTextDocumentParams) {
        self.with(|s| s.did_save(&p.text_document.uri)).await;
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        self.with(|s| s.did_close(p)).await;
    }

    async fn did_change_configuration(&self, p: DidChangeConfigurationParams) {
        if let Some(settings) = Settings::from_json(&p.settings) {
            self.with(|s| s.set_settings(settings)).await;
        }
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        let uris: Vec<Url> = p.changes.into_iter().map(|c| c.uri).collect();
        self.with(|s| s.files_changed(&uris)).await;
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        Ok(self.with(|s| s.hover(&p)).await)
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        Ok(self.with(|s| s.completion(&p)).await)
    }

    async fn goto_definition(
        &self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        Ok(self.with(|s| s.definition(&p)).await)
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        Ok(self.with(|s| s.references(&p)).await)
    }

    async fn document_highlight(
        &self,
        p: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        Ok(self.with(|s| s.highlight(&p)).await)
    }

    async fn prepare_rename(
        &self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.with(|s| s.prepare_rename(&p)).await
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.with(|s| s.rename(&p)).await
    }

    async fn document_symbol(
        &self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self.with(|s| s.document_symbols(&p)).await)
    }

    async fn symbol(&self, p: WorkspaceSymbolParams) -> Result<Option<Vec<SymbolInformation>>> {
        Ok(self.with(|s| s.workspace_symbols(&p)).await)
    }

    async fn folding_range(&self, p: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self.with(|s| s.folding_ranges(&p)).await)
    }

    async fn semantic_tokens_full(
        &self,
        p: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        Ok(self.with(|s| s.semantic_tokens(&p)).await)
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self.with(|s| s.format(&p)).await)
    }

    async fn range_formatting(
        &self,
        p: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        Ok(self.with(|s| s.format_range(&p)).await)
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(self.with(|s| s.code_actions(&p)).await)
    }

    async fn inlay_hint(&self, p: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        Ok(self.with(|s| s.inlay_hints(&p)).await)
    }
}
