import * as vscode from 'vscode';
import { notificationText } from '../core/text';

/**
 * VS Code's notifications, for every message the extension shows: the messages quote model and plan strings
 * (names, errors that name them), and a notification makes `[label](command:…)` a link that runs a command.
 * notificationText keeps a string from becoming one.
 */
export const notify = {
  info: <T extends string>(message: string, ...items: T[]) =>
    vscode.window.showInformationMessage(notificationText(message), ...items),
  warning: <T extends string>(message: string, ...items: T[]) =>
    vscode.window.showWarningMessage(notificationText(message), ...items),
  error: <T extends string>(message: string, ...items: T[]) =>
    vscode.window.showErrorMessage(notificationText(message), ...items),
};
