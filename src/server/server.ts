// The language server arrives with the VS Code integration (issue 6).
export {};
