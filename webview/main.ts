// The webview UI arrives with the inspector (issue 7).
export {};
