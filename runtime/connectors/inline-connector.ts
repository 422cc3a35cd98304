/**
 * `inline([...])`: the records written in the `.recon` file itself.
 *
 * Why a connector: small reference data (a list of accounts, the expected feature flags) is
 * declared next to the policy, and then flows through the same read pipeline as any file. The
 * first argument is an IR list expression, evaluated once; it cannot be written to.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory, type RecordBatch } from './connector.js';
import { batchesOfItems, describeKind, readOptions, sourceLabel } from './connector-support.js';

class InlineConnector implements Connector {
  readonly canWrite = false;

  constructor(
    private readonly source: IrSource,
    private readonly context: ConnectorContext,
  ) {}

  async *read(): AsyncGenerator<RecordBatch> {
    const { source, context } = this;
    readOptions(source, context, {});
    const args = source.connector.args;
    if (args.length !== 1) {
      throw new ConnectorError(`${sourceLabel(source)}: inline() takes one list of records, got ${args.length} arguments`, source.connector.at);
    }
    let value: unknown;
    try {
      value = context.evaluate(args[0]);
    } catch (error) {
      throw new ConnectorError(`${sourceLabel(source)}: inline(): ${error instanceof Error ? error.message : String(error)}`, source.connector.at);
    }
    if (!Array.isArray(value)) {
      throw new ConnectorError(`${sourceLabel(source)}: inline() needs a list of records, got ${describeKind(value)}`, source.connector.at);
    }
    yield* batchesOfItems(source, context, value);
  }
}

/** The `inline` connector factory. */
export const createInlineConnector: ConnectorFactory = (source: IrSource, context: ConnectorContext) => new InlineConnector(source, context);
