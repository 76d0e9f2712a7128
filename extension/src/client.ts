// The language client: starts `<python> -m codecoach serve` over stdio, pushes
// settings, relays `codecoach/status` to the status bar, and runs server commands.

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { BootstrapError, resolveServerPython } from './bootstrap';
import { ApiKeyStore } from './secrets';
import { describeEnv, didChangeConfigurationParams, needsRestart, processSettings, serverEnv, serverSettings } from './core/settings';
import { ClientState } from './core/status';
import { trustedProcessSettings, trustedServerSettings } from './core/trust';
import { middleware } from './middleware';
import { WorkspaceKey } from './workspaceKey';

/** Commands the server may put in trusted hover/markdown links. */
const TRUSTED_COMMANDS = ['codecoach.feedback', 'codecoach.openSummary', 'codecoach.openRecommendations', 'codecoach.explainSelection'];

export class CommandNotSupported extends Error {}

export class CoachClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly stateEmitter = new vscode.EventEmitter<{ state: ClientState; detail?: string }>();
  private readonly statusEmitter = new vscode.EventEmitter<unknown>();
  readonly onDidChangeState = this.stateEmitter.event;
  /** Raw `codecoach/status` params. */
  readonly onStatus = this.statusEmitter.event;

  private readonly workspaceKey: WorkspaceKey;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    private readonly keys: ApiKeyStore,
  ) {
    this.workspaceKey = new WorkspaceKey(context, log);
    this.disposables.push(
      this.stateEmitter,
      this.statusEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => this.onConfigurationChanged(e)),
      // Restricted Mode ran the offline coach only: now cloud analysis and examples may run.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restart('the workspace is now trusted')),
      keys.onDidChange(() => {
        if (vscode.workspace.getConfiguration('codecoach').get('cloud.enabled')) {
          void this.restart('the API key changed');
        }
      }),
    );
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  start(): Promise<void> {
    if (!this.starting) {
      this.starting = this.doStart().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.client) return;
    this.stateEmitter.fire({ state: 'starting' });
    let server;
    try {
      server = await resolveServerPython(this.context, this.log, () => this.stateEmitter.fire({ state: 'installing' }));
    } catch (error) {
      this.fail(error);
      return;
    }
    const config = vscode.workspace.getConfiguration('codecoach');
    const read = (k: string) => config.get(k);
    const trusted = vscode.workspace.isTrusted;
    const settings = trustedServerSettings(serverSettings(read), trusted);
    const processes = trustedProcessSettings(processSettings(read), trusted);
    const ownKey = await this.keys.get();
    const key = ownKey ?? this.workspaceKey.resolve({ cloudEnabled: processes.cloudEnabled },
      () => void this.restart('the learner confirmed the key in the workspace .env'));
    const env = serverEnv(process.env, processes, key);
    if (!trusted) this.log.info('Restricted Mode: the offline coach only (no cloud analysis, no examples run).');
    this.log.info(`Starting the server: ${server.description}`);
    this.log.info(`Server environment: ${describeEnv(env)}`);

    const serverOptions: ServerOptions = {
      command: server.python,
      args: ['-m', 'codecoach', 'serve'],
      transport: TransportKind.stdio,
      options: { env, cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'python' },
      ],
      initializationOptions: { codecoach: settings },
      outputChannel: this.log,
      diagnosticCollectionName: 'codecoach',
      markdown: { isTrusted: { enabledCommands: TRUSTED_COMMANDS }, supportHtml: false },
      connectionOptions: { maxRestartCount: 4 },
      middleware,
    };
    const client = new LanguageClient('codecoach', 'Code Coach', serverOptions, clientOptions);
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped && this.client === client) {
        this.stateEmitter.fire({ state: 'stopped' });
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      try {
        await client.dispose(2000);
      } catch {
        /* already dead */
      }
      this.fail(new Error(`The Code Coach server did not start (${error instanceof Error ? error.message : String(error)}). The log shows the server's own output.`));
      return;
    }
    this.disposables.push(client.onNotification('codecoach/status', (params: unknown) => this.statusEmitter.fire(params)));
    this.stateEmitter.fire({ state: 'running' });
    this.log.info(`Server started: ${JSON.stringify(client.initializeResult?.serverInfo ?? {})}`);
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(message);
    this.stateEmitter.fire({ state: 'error', detail: message });
    const actions = ['Show Log', 'Retry'];
    if (error instanceof BootstrapError && /Python 3\.10/.test(message)) actions.push('Open Settings');
    void vscode.window.showErrorMessage(message, ...actions).then((choice) => {
      if (choice === 'Show Log') this.log.show();
      if (choice === 'Retry') void this.restart('retry requested');
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'codecoach.python.interpreter');
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.log.warn(`Stopping the server: ${String(error)}`);
      }
    }
  }

  async restart(reason: string): Promise<void> {
    this.log.info(`Restarting the server: ${reason}`);
    if (this.starting) await this.starting;
    await this.stop();
    await this.start();
  }

  private onConfigurationChanged(e: vscode.ConfigurationChangeEvent): void {
    if (!e.affectsConfiguration('codecoach')) return;
    if (needsRestart((s) => e.affectsConfiguration(s))) {
      void this.restart('a setting that needs a new server process changed');
      return;
    }
    if (this.client && this.running) {
      const config = vscode.workspace.getConfiguration('codecoach');
      const params = didChangeConfigurationParams((k) => config.get(k));
      params.settings.codecoach = trustedServerSettings(params.settings.codecoach, vscode.workspace.isTrusted);
      void this.client.sendNotification(DidChangeConfigurationNotification.type, params);
    }
  }

  /** Run a server command; starts the server if needed. Throws CommandNotSupported when the server lacks it. */
  async executeCommand(command: string, args: unknown[] = []): Promise<unknown> {
    if (!this.running) await this.start();
    const client = this.client;
    if (!client || !this.running) {
      throw new Error('The Code Coach server is not running. See "Code Coach: Open Logs".');
    }
    const supported = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    if (!supported.includes(command)) {
      throw new CommandNotSupported(
        `This Code Coach server does not provide "${command}" yet (it offers: ${supported.join(', ') || 'no commands'}).`,
      );
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
