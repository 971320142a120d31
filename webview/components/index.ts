// Registers the UI kit's elements in the page (see markup.ts, which writes them).
// @vscode/webview-ui-toolkit is archived upstream but was chosen by the client: it stays behind these two files.
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeDivider,
  vsCodeTag,
} from '@vscode/webview-ui-toolkit';

export function registerComponents(): void {
  provideVSCodeDesignSystem().register(vsCodeBadge(), vsCodeButton(), vsCodeDivider(), vsCodeTag());
}
