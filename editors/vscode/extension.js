// Starts the partyrules language server (`partyrules lsp --stdio`) for .criteria files.
// Everything the editor shows (diagnostics, hover, definitions, completion, formatting, quick fixes,
// rename) comes from the server; this file only starts it with the user's settings.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("partyrules");
  const server = {
    command: config.get("server.command", "partyrules"),
    args: config.get("server.args", ["lsp", "--stdio"]),
  };
  client = new LanguageClient(
    "partyrules",
    "partyrules (criteria files)",
    server,
    {
      documentSelector: [
        { scheme: "file", language: "criteria" },
        { scheme: "untitled", language: "criteria" },
      ],
      initializationOptions: { path: config.get("path", []) },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
