/**
 * Which factory builds the connector of each `IrConnectorKind`, and the one way to build one.
 *
 * Why a registry: the read pipeline, `recon apply`'s writers and the editor preview all ask for
 * "the connector of this source" without knowing the kinds; adding a connector is one line here.
 * An unknown kind (an IR from elsewhere) fails with a clear `ConnectorError`, not a crash.
 */
import type { IrConnectorKind, IrExpr, IrSource } from '../../language/ir/ir-types.js';
import { evaluateConnectorValue, type EvaluationContext } from '../expressions/expression-evaluator.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory } from './connector.js';
import { sourceLabel } from './connector-support.js';
import { createCsvConnector } from './csv-connector.js';
import { createExecConnector } from './exec-connector.js';
import { createHttpConnector } from './http-connector.js';
import { createInlineConnector } from './inline-connector.js';
import { createJsonConnector } from './json-connector.js';
import { createJsonlConnector } from './jsonl-connector.js';
import { createPostgresConnector } from './postgres-connector.js';
import { createYamlConnector } from './yaml-connector.js';

/** Every connector kind of language version 1, mapped to its factory. */
export const CONNECTOR_FACTORIES: Readonly<Record<IrConnectorKind, ConnectorFactory>> = {
  csv: createCsvConnector,
  json: createJsonConnector,
  jsonl: createJsonlConnector,
  yaml: createYamlConnector,
  inline: createInlineConnector,
  http: createHttpConnector,
  postgres: createPostgresConnector,
  exec: createExecConnector,
};

/** Builds the connector for `source`; a `ConnectorError` for unknown or unavailable kinds. */
export function createConnector(source: IrSource, context: ConnectorContext): Connector {
  const kind = source.connector.kind;
  const factory = Object.prototype.hasOwnProperty.call(CONNECTOR_FACTORIES, kind) ? CONNECTOR_FACTORIES[kind] : undefined;
  if (!factory) throw new ConnectorError(`${sourceLabel(source)}: unknown connector "${String(kind)}"`, source.connector.at);
  return factory(source, context);
}

/** What the runtime knows when it builds connectors for one run. */
export interface ConnectorContextOptions extends EvaluationContext {
  /** Absolute path of the workspace root. */
  workspaceRoot: string;
  /** False in an untrusted workspace (editor preview): http/exec/postgres refuse. */
  trusted: boolean;
  signal?: AbortSignal;
}

/**
 * The `ConnectorContext` for one run: connector arguments and options are evaluated with the
 * run's `observed_at` and variables, `secret()` allowed (connectors get the real value; use
 * `evaluateConnectorValue` directly where a value is shown).
 */
export function createConnectorContext(options: ConnectorContextOptions): ConnectorContext {
  const evaluation: EvaluationContext = { observedAt: options.observedAt, env: options.env };
  return {
    workspaceRoot: options.workspaceRoot,
    trusted: options.trusted,
    signal: options.signal,
    evaluate: (expr: IrExpr) => evaluateConnectorValue(expr, evaluation).value,
    evaluateConnectorValue: (expr: IrExpr, data?: unknown) => evaluateConnectorValue(expr, evaluation, data),
  };
}
