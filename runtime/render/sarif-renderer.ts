/**
 * The SARIF 2.1.0 view of a change plan, for code-scanning dashboards.
 *
 * Why SARIF: CI systems (GitHub code scanning among them) show SARIF results inline on the
 * `.recon` file, so each drift item is located at the remediation rule that decided it (or the
 * policy when no rule did), and results of one kind and action share a rule id.
 */
import type { IrPolicy } from '../../language/ir/ir-types.js';
import type { ChangePlan, PlanItem, PolicyPlan } from '../plan/change-plan.js';
import { describeEffect, describeGate, irPolicyOf, isDriftItem, itemKeyText, itemPosition } from './plan-presentation.js';

export interface SarifRenderOptions {
  /** Prefixed to every file (when the workspace root is not the repository root), e.g. `infra/`. */
  pathPrefix?: string;
  /** The tool version reported in `tool.driver.version`. */
  toolVersion?: string;
}

type SarifLevel = 'error' | 'warning' | 'note';

/** Builds the SARIF log object (one run, one result per drift item). */
export function buildSarif(plan: ChangePlan, options: SarifRenderOptions = {}): Record<string, unknown> {
  const prefix = normalizePrefix(options.pathPrefix);
  const rules: { id: string; name: string; shortDescription: { text: string }; defaultConfiguration: { level: SarifLevel } }[] = [];
  const ruleIndex = new Map<string, number>();
  const results: Record<string, unknown>[] = [];

  for (const policy of plan.policies) {
    const irPolicy = irPolicyOf(plan, policy);
    for (const item of policy.items) {
      if (!isDriftItem(item)) continue;
      const ruleId = sarifRuleId(item);
      if (!ruleIndex.has(ruleId)) {
        ruleIndex.set(ruleId, rules.length);
        rules.push({
          id: ruleId,
          name: `${item.kind}-${item.action}`.replace(/(^|-)(\w)/g, (_m, _dash: string, letter: string) => letter.toUpperCase()),
          shortDescription: { text: ruleDescription(item) },
          defaultConfiguration: { level: item.kind === 'invalid' ? 'error' : 'warning' },
        });
      }
      const position = itemPosition(plan, policy, item);
      results.push({
        ruleId,
        ruleIndex: ruleIndex.get(ruleId),
        level: levelOf(item, irPolicy),
        message: { text: resultMessage(policy, item) },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: relativeUri(prefix + position.file) },
              region: { startLine: position.line, startColumn: position.col },
            },
          },
        ],
        partialFingerprints: { reconItemId: item.id },
        properties: {
          policy: policy.policy,
          item: item.id,
          kind: item.kind,
          action: item.action,
          gate: item.gate,
          planHash: plan.plan_hash,
        },
      });
    }
  }

  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'recon',
            version: options.toolVersion ?? '0.1.0',
            rules,
          },
        },
        automationDetails: { id: `recon/plan/${plan.ir?.file ?? ''}` },
        results,
      },
    ],
  };
}

/** The SARIF log as pretty JSON, ending with a newline. */
export function renderSarif(plan: ChangePlan, options: SarifRenderOptions = {}): string {
  return JSON.stringify(buildSarif(plan, options), null, 2) + '\n';
}

/** `recon/<kind>/<action>`: one SARIF rule per kind and action. */
export function sarifRuleId(item: PlanItem): string {
  return `recon/${item.kind}/${item.action}`;
}

function ruleDescription(item: PlanItem): string {
  const what: Record<string, string> = {
    missing: 'A desired record is missing on the actual side',
    extra: 'The actual side holds a record the desired side does not',
    changed: 'A record differs between the desired and the actual side',
    invalid: 'A record broke its source rules',
  };
  return `${what[item.kind] ?? item.kind}; planned action: ${item.action}`;
}

/** Blocked items and invalid records are errors; the policy's severity decides the rest. */
function levelOf(item: PlanItem, policy: IrPolicy | undefined): SarifLevel {
  if (item.gate === 'blocked' || item.kind === 'invalid') return 'error';
  switch (policy?.severity) {
    case 'critical':
    case 'high':
      return 'error';
    case 'low':
      return 'note';
    default:
      return 'warning';
  }
}

function resultMessage(policy: PolicyPlan, item: PlanItem): string {
  const parts = [`${policy.policy}: ${item.kind} ${itemKeyText(item)} → ${item.action}`];
  const gate = describeGate(item);
  if (gate && gate !== 'auto') parts.push(`(${gate})`);
  if (item.kind === 'changed' && item.fields.length > 0) parts.push(`fields: ${item.fields.map((field) => field.path).join(', ')}`);
  if (item.reason.because) parts.push(`because ${item.reason.because}`);
  if (item.reason.message) parts.push(item.reason.message);
  const effect = describeEffect(item.effect);
  if (effect) parts.push(`effect: ${effect}`);
  return parts.join('; ').replace(/; \(/g, ' (');
}

/**
 * A relative path as the relative URI reference SARIF's `artifactLocation.uri` must be: each
 * segment percent-encoded, so a space, `#`, `?` or `%` in a folder or file name does not make the
 * URI invalid or cut it short (a `#` would start a fragment), and a `:` cannot read as a scheme.
 */
export function relativeUri(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const clean = prefix.replace(/\\/g, '/');
  return clean.endsWith('/') ? clean : clean + '/';
}
