// Registers the UI kit's elements in the page (see src/shared/markup.ts, which writes them).
// @vscode/webview-ui-toolkit is archived upstream but was chosen by the client: it stays behind these two files.
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTag,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

export function registerComponents(): void {
  provideVSCodeDesignSystem().register(
    vsCodeBadge(),
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeTag(),
    vsCodeTextField(),
  );
}

/** The value of a kit input (drop-down, text field), by id. */
export function inputValue(id: string): string {
  return (document.getElementById(id) as (HTMLElement & { value?: string }) | null)?.value ?? '';
}

export function setInputValue(id: string, value: string): void {
  const element = document.getElementById(id) as (HTMLElement & { value?: string }) | null;
  if (element) element.value = value;
}

/** Whether a kit checkbox is ticked, by id. */
export function isChecked(id: string): boolean {
  return (document.getElementById(id) as (HTMLElement & { checked?: boolean }) | null)?.checked === true;
}
