/**
 * The JSON Schema of the IR (`IrDocument` in `ir-types.ts`), draft-07.
 *
 * Why it exists: the IR crosses a process boundary (written by `recon compile`, read back by
 * `plan`, `apply`, `test`, and possibly hand-edited or produced by an older Recon), so the
 * runtime must not trust its shape. This schema mirrors the TypeScript types exactly, closes
 * every object (`additionalProperties: false`, so a misspelt field is an error, not silently
 * ignored), spells out every closed set as an enum, and restricts expressions to the operations
 * the runtime implements (`IR_OPERATIONS`). `ir-validate.ts` compiles it with ajv.
 *
 * Beyond the types it checks only what their comments promise: `at` is `file:line:col`, paths
 * are workspace-relative, `until` is `YYYY-MM-DD`, counts are non-negative integers, a
 * connector carries `path` exactly when it is a file connector, and a write operation is
 * either `http` or `exec` (exactly one, as the grammar allows).
 *
 * It uses one non-standard keyword, `discriminator` (OpenAPI; ajv supports it), on the two
 * tagged unions so that a wrong branch is reported as one clear error about its tag; other
 * validators ignore it and still get the same meaning from the `oneOf` beside it.
 */
import { FILE_CONNECTORS, IR_OPERATIONS, IR_VERSION, type IrOperation } from './ir-types.js';

/** The names an expression object may use as its single key, taken from `IR_OPERATIONS`. */
export const IR_OPERATION_NAMES = Object.keys(IR_OPERATIONS) as IrOperation[];

/** `file:line:col` — the pattern every `at` matches. */
export const IR_LOCATION_PATTERN = '^.+:[0-9]+:[0-9]+$';

/** A calendar day, as `until` carries it. */
export const IR_DATE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';

/**
 * A path relative to the workspace root: not absolute, no drive letter, no backslash, no `..`
 * segment, no empty segment.
 */
export const IR_RELATIVE_PATH_PATTERN = '^(?![A-Za-z]:)(?!\\.\\.?(/|$))(?!.*/\\.\\.?(/|$))[^/\\\\]+(/[^/\\\\]+)*$';

const AT = { $ref: '#/definitions/location' } as const;
const EXPR = { $ref: '#/definitions/expr' } as const;
const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const COUNT = { type: 'integer', minimum: 0 } as const;
const NULLABLE_COUNT = { type: ['integer', 'null'], minimum: 0 } as const;

/**
 * One branch of an "exactly one of these properties" `oneOf`. The property is repeated under
 * `properties` (as `true`: its real schema is in the parent) because ajv's strict mode wants
 * every required property defined beside the `required`.
 */
const exactlyOne = <N extends string>(name: N) =>
  ({ properties: { [name]: true } as { readonly [K in N]: true }, required: [name] as const }) as const;

const DIFF_KINDS = ['missing', 'extra', 'changed', 'invalid'] as const;
const ACTION_KINDS = ['create', 'update', 'delete', 'ticket', 'ignore', 'report'] as const;

/** The IR's JSON Schema (draft-07), one object describing `IrDocument`. */
export const IR_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: `urn:recon:ir:v${IR_VERSION}`,
  title: 'Recon IR (intermediate plan)',
  type: 'object',
  properties: {
    version: { const: IR_VERSION },
    file: { $ref: '#/definitions/relativePath' },
    sources: { type: 'array', items: { $ref: '#/definitions/source' } },
    groups: { type: 'array', items: { $ref: '#/definitions/group' } },
    policies: { type: 'array', items: { $ref: '#/definitions/policy' } },
    tests: { type: 'array', items: { $ref: '#/definitions/test' } },
  },
  required: ['version', 'file', 'sources', 'groups', 'policies', 'tests'],
  additionalProperties: false,

  definitions: {
    location: {
      description: '"file:line:col", the file relative to the workspace root',
      type: 'string',
      pattern: IR_LOCATION_PATTERN,
    },

    relativePath: {
      description: 'a file relative to the workspace root, forward slashes, never leaving it',
      type: 'string',
      pattern: IR_RELATIVE_PATH_PATTERN,
    },

    expr: {
      description:
        'JsonLogic: a JSON scalar, a list of expressions, or { operation: expression | [expressions] }',
      type: ['string', 'number', 'boolean', 'null', 'array', 'object'],
      items: EXPR,
      minProperties: 1,
      maxProperties: 1,
      propertyNames: { enum: IR_OPERATION_NAMES },
      additionalProperties: EXPR,
    },

    connector: {
      type: 'object',
      properties: {
        kind: { enum: ['csv', 'json', 'jsonl', 'yaml', 'inline', 'http', 'postgres', 'exec'] },
        path: { $ref: '#/definitions/relativePath' },
        args: { type: 'array', items: EXPR },
        options: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, value: EXPR, at: AT },
            required: ['name', 'value', 'at'],
            additionalProperties: false,
          },
        },
        at: AT,
      },
      required: ['kind', 'args', 'options', 'at'],
      additionalProperties: false,
      if: {
        properties: { kind: { enum: [...FILE_CONNECTORS] } },
        required: ['kind'],
      },
      then: { properties: { path: true }, required: ['path'] },
      else: { properties: { path: false } },
    },

    selectLine: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        expr: EXPR,
        reads: { type: 'array', items: { type: 'string' } },
        plainPath: NULLABLE_STRING,
        at: AT,
      },
      required: ['name', 'expr', 'reads', 'plainPath', 'at'],
      additionalProperties: false,
    },

    writeOp: {
      type: 'object',
      properties: {
        op: { enum: ['create', 'update', 'delete'] },
        http: {
          type: 'object',
          properties: { method: { type: 'string', minLength: 1 }, url: EXPR },
          required: ['method', 'url'],
          additionalProperties: false,
        },
        exec: {
          type: 'object',
          properties: { command: EXPR, args: { type: 'array', items: EXPR } },
          required: ['command', 'args'],
          additionalProperties: false,
        },
        at: AT,
      },
      required: ['op', 'at'],
      additionalProperties: false,
      oneOf: [exactlyOne('http'), exactlyOne('exec')],
    },

    mapLine: {
      type: 'object',
      properties: { path: { type: 'string' }, expr: EXPR, at: AT },
      required: ['path', 'expr', 'at'],
      additionalProperties: false,
    },

    source: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        connector: { $ref: '#/definitions/connector' },
        key: { type: 'array', items: { type: 'string' } },
        fields: {
          type: ['array', 'null'],
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              type: { enum: ['string', 'number', 'integer', 'bool', 'datetime', 'json'] },
            },
            required: ['name', 'type'],
            additionalProperties: false,
          },
        },
        select: { type: ['array', 'null'], items: { $ref: '#/definitions/selectLine' } },
        where: {
          type: ['object', 'null'],
          properties: { expr: EXPR, at: AT },
          required: ['expr', 'at'],
          additionalProperties: false,
        },
        write: {
          type: ['object', 'null'],
          properties: {
            ops: { type: 'array', items: { $ref: '#/definitions/writeOp' } },
            map: { type: 'array', items: { $ref: '#/definitions/mapLine' } },
            at: AT,
          },
          required: ['ops', 'map', 'at'],
          additionalProperties: false,
        },
        writable: { type: 'boolean' },
        doc: NULLABLE_STRING,
        at: AT,
      },
      required: ['name', 'connector', 'key', 'fields', 'select', 'where', 'write', 'writable', 'doc', 'at'],
      additionalProperties: false,
    },

    normalizer: {
      type: 'object',
      discriminator: { propertyName: 'name' },
      oneOf: [
        {
          properties: { name: { enum: ['trim', 'lower', 'upper', 'collapse_space', 'nfc', 'utc'] } },
          required: ['name'],
          additionalProperties: false,
        },
        {
          properties: { name: { const: 'round' }, digits: { type: 'integer' } },
          required: ['name', 'digits'],
          additionalProperties: false,
        },
      ],
    },

    comparator: {
      type: 'object',
      discriminator: { propertyName: 'kind' },
      oneOf: [
        {
          properties: { kind: { enum: ['exact', 'ignore', 'ignore_case'] } },
          required: ['kind'],
          additionalProperties: false,
        },
        {
          properties: {
            kind: { const: 'within' },
            absolute: { type: 'number', minimum: 0 },
            relative: { type: 'number', minimum: 0 },
            duration_ms: { type: 'number', minimum: 0 },
          },
          required: ['kind'],
          additionalProperties: false,
          oneOf: [exactlyOne('absolute'), exactlyOne('relative'), exactlyOne('duration_ms')],
        },
        {
          properties: { kind: { const: 'unordered' }, by: NULLABLE_STRING },
          required: ['kind', 'by'],
          additionalProperties: false,
        },
        {
          properties: {
            kind: { const: 'normalize' },
            normalizers: { type: 'array', items: { $ref: '#/definitions/normalizer' } },
          },
          required: ['kind', 'normalizers'],
          additionalProperties: false,
        },
        {
          properties: { kind: { const: 'by' }, expr: EXPR },
          required: ['kind', 'expr'],
          additionalProperties: false,
        },
      ],
    },

    compareRule: {
      type: 'object',
      properties: {
        path: { type: 'string', minLength: 1 },
        comparator: { $ref: '#/definitions/comparator' },
        profile: NULLABLE_STRING,
        at: AT,
      },
      required: ['path', 'comparator', 'profile', 'at'],
      additionalProperties: false,
    },

    remediationRule: {
      type: 'object',
      properties: {
        index: { type: 'integer', minimum: 1 },
        on: { enum: [...DIFF_KINDS, 'any'] },
        when: EXPR,
        action: { enum: ACTION_KINDS },
        title: EXPR,
        approval: {
          type: 'object',
          properties: { required: { type: 'boolean' }, group: NULLABLE_STRING },
          required: ['required', 'group'],
          additionalProperties: false,
        },
        because: EXPR,
        until: { type: ['string', 'null'], pattern: IR_DATE_PATTERN },
        at: AT,
      },
      required: ['index', 'on', 'when', 'action', 'title', 'approval', 'because', 'until', 'at'],
      additionalProperties: false,
    },

    limits: {
      type: 'object',
      properties: {
        max_changes: NULLABLE_COUNT,
        max_ratio: { type: ['number', 'null'], minimum: 0 },
        max_deletes: NULLABLE_COUNT,
        on_exceed: { enum: ['abort', 'approve'] },
      },
      required: ['max_changes', 'max_ratio', 'max_deletes', 'on_exceed'],
      additionalProperties: false,
    },

    policy: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        description: NULLABLE_STRING,
        owner: NULLABLE_STRING,
        severity: { enum: ['low', 'medium', 'high', 'critical'] },
        mode: { enum: ['audit', 'enforce'] },
        desired: { type: 'string', minLength: 1 },
        actual: { type: 'string', minLength: 1 },
        compare: {
          type: 'object',
          properties: {
            default: { enum: ['exact', 'ignore'] },
            rules: { type: 'array', items: { $ref: '#/definitions/compareRule' } },
          },
          required: ['default', 'rules'],
          additionalProperties: false,
        },
        remediate: { type: 'array', items: { $ref: '#/definitions/remediationRule' } },
        limits: { $ref: '#/definitions/limits' },
        retry: {
          type: 'object',
          properties: {
            attempts: COUNT,
            backoff_min_ms: { type: 'number', minimum: 0 },
            backoff_max_ms: { type: 'number', minimum: 0 },
          },
          required: ['attempts', 'backoff_min_ms', 'backoff_max_ms'],
          additionalProperties: false,
        },
        rate: {
          type: ['object', 'null'],
          properties: {
            count: { type: 'number', exclusiveMinimum: 0 },
            per: { enum: ['s', 'm', 'h'] },
            per_second: { type: 'number', exclusiveMinimum: 0 },
          },
          required: ['count', 'per', 'per_second'],
          additionalProperties: false,
        },
        concurrency: { type: 'integer', minimum: 1 },
        schedule_ms: { type: ['number', 'null'], exclusiveMinimum: 0 },
        doc: NULLABLE_STRING,
        at: AT,
      },
      required: [
        'name',
        'description',
        'owner',
        'severity',
        'mode',
        'desired',
        'actual',
        'compare',
        'remediate',
        'limits',
        'retry',
        'rate',
        'concurrency',
        'schedule_ms',
        'doc',
        'at',
      ],
      additionalProperties: false,
    },

    testKey: {
      type: ['string', 'number', 'array'],
      items: { type: ['string', 'number'] },
    },

    test: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        policy: { type: 'string', minLength: 1 },
        desired: { type: 'array' },
        actual: { type: 'array' },
        expect: { $ref: '#/definitions/testExpect' },
        at: AT,
      },
      required: ['name', 'policy', 'desired', 'actual', 'expect', 'at'],
      additionalProperties: false,
    },

    testExpect: {
      type: 'object',
      properties: { no_drift: { type: 'boolean' } },
      required: ['no_drift'],
      if: { properties: { no_drift: { const: true } }, required: ['no_drift'] },
      then: {
        properties: { no_drift: { const: true } },
        additionalProperties: false,
      },
      else: {
        properties: {
          no_drift: { const: false },
          counts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                kind: { enum: [...DIFF_KINDS, 'ignored'] },
                count: COUNT,
                at: AT,
              },
              required: ['kind', 'count', 'at'],
              additionalProperties: false,
            },
          },
          actions: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                action: { enum: ACTION_KINDS },
                key: { $ref: '#/definitions/testKey' },
                requires_approval: { type: 'boolean' },
                at: AT,
              },
              required: ['action', 'key', 'requires_approval', 'at'],
              additionalProperties: false,
            },
          },
        },
        required: ['counts', 'actions'],
        additionalProperties: false,
      },
    },

    group: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        members: { type: 'array', items: { type: 'string' } },
        at: AT,
      },
      required: ['name', 'members', 'at'],
      additionalProperties: false,
    },
  },
} as const;
