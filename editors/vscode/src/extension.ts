// Starts profilec-lsp for AppArmor and .confine documents and passes the
// profilec.* settings as initializationOptions and on every change.
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

function settings(): { includeDirs: string[]; baseDir: string | null } {
  const c = vscode.workspace.getConfiguration('profilec');
  return {
    includeDirs: c.get<string[]>('includeDirs', []),
    baseDir: c.get<string | null>('baseDir', null),
  };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const command = vscode.workspace.getConfiguration('profilec').get<string>('serverPath', 'profilec-lsp');
  const serverOptions: ServerOptions = { command, args: [] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'apparmor' },
      { scheme: 'file', language: 'confine' },
      { scheme: 'untitled', language: 'apparmor' },
      { scheme: 'untitled', language: 'confine' },
    ],
    initializationOptions: settings(),
    synchronize: { configurationSection: 'profilec' },
  };
  client = new LanguageClient('profilec', 'profilec', serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('profilec') && client) {
        void client.sendNotification('workspace/didChangeConfiguration', { settings: { profilec: settings() } });
      }
    }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
