"""The language server of criteria files (``partyrules lsp``): the checker, as you type, in any editor."""
