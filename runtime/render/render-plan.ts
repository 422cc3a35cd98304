/**
 * One entry point for every plan format (`recon plan --format …`, the editor's "Show plan").
 *
 * Why a dispatcher: the CLI, the language server and the tests pick a format by name; the colour
 * decision (TTY, `NO_COLOR`, `--no-color`) is made here once, the same way everywhere.
 */
import type { ChangePlan } from '../plan/change-plan.js';
import { renderGithub } from './github-renderer.js';
import { renderHtml } from './html-renderer.js';
import { renderJson } from './json-renderer.js';
import { renderMarkdown } from './markdown-renderer.js';
import { renderSarif } from './sarif-renderer.js';
import { renderText } from './text-renderer.js';

/** The formats of `recon plan --format`. */
export const PLAN_FORMATS = ['text', 'json', 'markdown', 'html', 'sarif', 'github'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** True when `name` is one of `PLAN_FORMATS` (for validating a `--format` flag). */
export function isPlanFormat(name: string): name is PlanFormat {
  return (PLAN_FORMATS as readonly string[]).includes(name);
}

export interface RenderPlanOptions {
  /** Force colour on or off; when absent it is decided by `shouldUseColor`. */
  color?: boolean;
  /** `--no-color` was given. */
  noColor?: boolean;
  /** The environment to read `NO_COLOR` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Whether the output goes to a terminal (default `process.stdout.isTTY`). */
  isTTY?: boolean;
  /** For sarif and github: prefix for `.recon` paths when the workspace root is not the repository root. */
  pathPrefix?: string;
  /** Text: items shown per kind and policy (0: all). */
  maxItemsPerKind?: number;
  /** Markdown: items listed per policy (0: all). */
  maxItemsPerPolicy?: number;
  /** HTML: table rows (0: all). */
  maxItems?: number;
  /** SARIF: the tool version. */
  toolVersion?: string;
}

/**
 * Colour only on a terminal, never with `--no-color` or a non-empty `NO_COLOR` (no-color.org).
 */
export function shouldUseColor(options: { noColor?: boolean; env?: Record<string, string | undefined>; isTTY?: boolean } = {}): boolean {
  if (options.noColor) return false;
  const env = options.env ?? process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return options.isTTY ?? process.stdout.isTTY === true;
}

/** Renders a plan in the named format; the text always ends with a newline. */
export function renderPlan(plan: ChangePlan, format: PlanFormat, options: RenderPlanOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(plan, {
        color: options.noColor ? false : (options.color ?? shouldUseColor(options)),
        maxItemsPerKind: options.maxItemsPerKind,
      });
    case 'json':
      return renderJson(plan);
    case 'markdown':
      return renderMarkdown(plan, { maxItemsPerPolicy: options.maxItemsPerPolicy });
    case 'html':
      return renderHtml(plan, { maxItems: options.maxItems });
    case 'sarif':
      return renderSarif(plan, { pathPrefix: options.pathPrefix, toolVersion: options.toolVersion });
    case 'github':
      return renderGithub(plan, { pathPrefix: options.pathPrefix });
    default: {
      const unknown: never = format;
      throw new Error(`unknown plan format "${String(unknown)}" (expected one of ${PLAN_FORMATS.join(', ')})`);
    }
  }
}
