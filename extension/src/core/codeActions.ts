// The server's Quick Fix actions name its own commands, so that they do
// something in any LSP editor. In VS Code their results must open pages and
// write settings, which only the client can do: the language client's
// middleware rewrites each action to the client command below, with the same
// argument. (vscode-languageclient registers the server's command ids itself,
// so the client commands need ids of their own.)

/** Server command of a code action -> the client command that runs it in VS Code. */
export const CODE_ACTION_COMMANDS: Readonly<Record<string, string>> = {
  'codecoach.explain': 'codecoach.explainDiagnostic',
  'codecoach.showRecommendations': 'codecoach.openRecommendations',
  'codecoach.disableRule': 'codecoach.turnOffRule',
};

export interface CommandLike {
  title: string;
  command: string;
  arguments?: unknown[];
}

/** The command to run in VS Code for a server code action's command (unchanged if it is not ours). */
export function toClientCommand<C extends CommandLike>(command: C): C {
  const target = CODE_ACTION_COMMANDS[command.command];
  return target ? { ...command, command: target } : command;
}
