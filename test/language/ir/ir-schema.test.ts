import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { IR_OPERATION_NAMES, IR_SCHEMA } from '../../../language/ir/ir-schema.js';
import {
  FILE_CONNECTORS,
  IR_OPERATIONS,
  type IrCompareRule,
  type IrConnector,
  type IrDocument,
  type IrExpr,
  type IrGroup,
  type IrLimits,
  type IrMapLine,
  type IrPolicy,
  type IrRemediationRule,
  type IrSelectLine,
  type IrSource,
  type IrTest,
  type IrWriteOp,
} from '../../../language/ir/ir-types.js';
import { IrValidationError, isValidIr, validateIr } from '../../../language/ir/ir-validate.js';
import { validIr } from './valid-ir.js';

/** The keys of `T` that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

type Defs = typeof IR_SCHEMA.definitions;
type PropertyNames<S extends { properties: object }> = keyof S['properties'];
type RequiredNames<S extends { required: readonly string[] }> = S['required'][number];

describe('IR_SCHEMA mirrors ir-types.ts', () => {
  it('has the properties and required lists of every interface (checked by tsc)', () => {
    expectTypeOf<PropertyNames<typeof IR_SCHEMA>>().toEqualTypeOf<keyof IrDocument>();
    expectTypeOf<RequiredNames<typeof IR_SCHEMA>>().toEqualTypeOf<RequiredKeys<IrDocument>>();
    expectTypeOf<PropertyNames<Defs['source']>>().toEqualTypeOf<keyof IrSource>();
    expectTypeOf<RequiredNames<Defs['source']>>().toEqualTypeOf<RequiredKeys<IrSource>>();
    expectTypeOf<PropertyNames<Defs['connector']>>().toEqualTypeOf<keyof IrConnector>();
    expectTypeOf<RequiredNames<Defs['connector']>>().toEqualTypeOf<RequiredKeys<IrConnector>>();
    expectTypeOf<PropertyNames<Defs['selectLine']>>().toEqualTypeOf<keyof IrSelectLine>();
    expectTypeOf<RequiredNames<Defs['selectLine']>>().toEqualTypeOf<RequiredKeys<IrSelectLine>>();
    expectTypeOf<PropertyNames<Defs['writeOp']>>().toEqualTypeOf<keyof IrWriteOp>();
    expectTypeOf<RequiredNames<Defs['writeOp']>>().toEqualTypeOf<RequiredKeys<IrWriteOp>>();
    expectTypeOf<PropertyNames<Defs['mapLine']>>().toEqualTypeOf<keyof IrMapLine>();
    expectTypeOf<RequiredNames<Defs['mapLine']>>().toEqualTypeOf<RequiredKeys<IrMapLine>>();
    expectTypeOf<PropertyNames<Defs['compareRule']>>().toEqualTypeOf<keyof IrCompareRule>();
    expectTypeOf<RequiredNames<Defs['compareRule']>>().toEqualTypeOf<RequiredKeys<IrCompareRule>>();
    expectTypeOf<PropertyNames<Defs['remediationRule']>>().toEqualTypeOf<keyof IrRemediationRule>();
    expectTypeOf<RequiredNames<Defs['remediationRule']>>().toEqualTypeOf<RequiredKeys<IrRemediationRule>>();
    expectTypeOf<PropertyNames<Defs['limits']>>().toEqualTypeOf<keyof IrLimits>();
    expectTypeOf<RequiredNames<Defs['limits']>>().toEqualTypeOf<RequiredKeys<IrLimits>>();
    expectTypeOf<PropertyNames<Defs['policy']>>().toEqualTypeOf<keyof IrPolicy>();
    expectTypeOf<RequiredNames<Defs['policy']>>().toEqualTypeOf<RequiredKeys<IrPolicy>>();
    expectTypeOf<PropertyNames<Defs['test']>>().toEqualTypeOf<keyof IrTest>();
    expectTypeOf<RequiredNames<Defs['test']>>().toEqualTypeOf<RequiredKeys<IrTest>>();
    expectTypeOf<PropertyNames<Defs['group']>>().toEqualTypeOf<keyof IrGroup>();
    expectTypeOf<RequiredNames<Defs['group']>>().toEqualTypeOf<RequiredKeys<IrGroup>>();
    // The same at run time for the document itself, so this test also fails under vitest alone.
    expect(Object.keys(IR_SCHEMA.properties).sort()).toEqual(Object.keys(validIr()).sort());
  });

  it('takes the operations from IR_OPERATIONS', () => {
    expect(IR_OPERATION_NAMES).toEqual(Object.keys(IR_OPERATIONS));
    expect(IR_SCHEMA.definitions.expr.propertyNames.enum).toBe(IR_OPERATION_NAMES);
  });

  it('takes the file connectors from FILE_CONNECTORS', () => {
    expect(IR_SCHEMA.definitions.connector.if.properties.kind.enum).toEqual(FILE_CONNECTORS);
  });

  it('is a valid draft-07 schema under ajv strict mode', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, discriminator: true });
    expect(ajv.validateSchema(IR_SCHEMA)).toBe(true);
    expect(() => ajv.compile(IR_SCHEMA)).not.toThrow();
  });

  it('closes every object with additionalProperties: false', () => {
    const open: string[] = [];
    /** Whether `schema` (an object schema) admits only the properties it names. */
    const closed = (schema: Record<string, unknown>): boolean => {
      if (schema.additionalProperties === false) return true;
      if (Array.isArray(schema.oneOf) && schema.discriminator !== undefined) {
        return schema.oneOf.every((branch) => closed(branch as Record<string, unknown>));
      }
      if (schema.then !== undefined && schema.else !== undefined) {
        return closed(schema.then as Record<string, unknown>) && closed(schema.else as Record<string, unknown>);
      }
      return false;
    };
    const visit = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      if (Array.isArray(node)) {
        node.forEach((child, i) => visit(child, `${where}/${i}`));
        return;
      }
      const schema = node as Record<string, unknown>;
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      const isExpr = schema === IR_SCHEMA.definitions.expr; // closed by propertyNames instead
      if (types.includes('object') && !isExpr && !closed(schema)) open.push(where);
      for (const [key, child] of Object.entries(schema)) {
        if (key !== 'enum' && key !== 'const') visit(child, `${where}/${key}`);
      }
    };
    visit(IR_SCHEMA, '#');
    expect(open).toEqual([]);
  });
});

describe('IR expressions', () => {
  /** The valid IR with `expr` as the `where` of its first source. */
  const withWhere = (expr: unknown): unknown => {
    const ir = validIr();
    const where = ir.sources[0]?.where;
    if (where) where.expr = expr as IrExpr;
    return ir;
  };

  it('accepts every operation of IR_OPERATIONS, with a list or a single argument', () => {
    for (const op of IR_OPERATION_NAMES) {
      expect(isValidIr(withWhere({ [op]: [{ var: 'a' }, 1] })), op).toBe(true);
      expect(isValidIr(withWhere({ [op]: 'a' })), op).toBe(true);
    }
  });

  it('accepts any expression built from the operations and JSON scalars', () => {
    const { expr } = fc.letrec((tie) => ({
      expr: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
        fc.array(tie('expr'), { maxLength: 3 }),
        fc
          .tuple(fc.constantFrom(...IR_OPERATION_NAMES), fc.oneof(tie('expr'), fc.array(tie('expr'), { maxLength: 3 })))
          .map(([op, args]) => ({ [op]: args })),
      ),
    }));
    fc.assert(fc.property(expr, (e) => isValidIr(withWhere(e))), { numRuns: 300 });
  });

  it('rejects any single-key object whose key is not an operation, naming it', () => {
    const notAnOperation = fc.string({ minLength: 1 }).filter((name) => !Object.hasOwn(IR_OPERATIONS, name));
    fc.assert(
      fc.property(notAnOperation, (name) => {
        const expr = JSON.parse(`{${JSON.stringify(name)}: [1]}`) as unknown;
        try {
          validateIr(withWhere({ and: [true, expr] }));
          return false;
        } catch (error) {
          return (
            error instanceof IrValidationError &&
            error.issues.length === 1 &&
            error.issues[0]?.path.startsWith('sources[0].where.expr.and[1]') === true &&
            error.issues[0]?.message === `unknown operation ${JSON.stringify(name)}`
          );
        }
      }),
      { numRuns: 200 },
    );
  });
});
