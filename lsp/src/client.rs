//! What the server sends on its own: published diagnostics and log lines.
//! A trait, so that tests record them and the tower-lsp backend forwards
//! them after each request.

use tower_lsp::lsp_types::{Diagnostic, MessageType, Url};

pub trait Client {
    fn publish_diagnostics(&mut self, uri: Url, diagnostics: Vec<Diagnostic>, version: Option<i32>);
    fn log(&mut self, kind: MessageType, message: String);
}

/// One message for the client.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Diagnostics {
        uri: Url,
        diagnostics: Vec<Diagnostic>,
        version: Option<i32>,
    },
    Log(MessageType, String),
}

/// Messages kept in order until someone takes them.
#[derive(Debug, Default)]
pub struct Outbox {
    pub messages: Vec<Message>,
}

impl Outbox {
    pub fn take(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.messages)
    }
}

impl Client for Outbox {
    fn publish_diagnostics(
        &mut self,
        uri: Url,
        diagnostics: Vec<Diagnostic>,
        version: Option<i32>,
    ) {
        self.messages.push(Message::Diagnostics {
            uri,
            diagnostics,
            version,
        });
    }

    fn log(&mut self, kind: MessageType, message: String) {
        self.messages.push(Message::Log(kind, message));
    }
}
