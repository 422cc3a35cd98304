/**
 * Finds a password written literally into a connection string or URL
 * (`postgres("postgres://bob:hunter2@db/x")`, `http("https://u:pw@host/x")`).
 *
 * Why: connector arguments are kept in the IR as written, so such a password is printed by
 * `recon compile` and embedded in every plan (which carries its IR). `secret("NAME")` exists
 * for exactly this (LANGUAGE.md 2.1): its value is never printed or written into a plan. A
 * password that comes from an interpolation (`${secret("PW")}`, `${env("PW")}`, a let holding
 * one) is not literal and is not reported.
 */
import type * as A from '../ast.js';
import type { Module } from '../program.js';
import { constantLet, constantValue, interpolationText } from './constant-values.js';

/** Stands for a part of the text that is not known at compile time. */
const UNKNOWN = '\u0000';

/**
 * The text of a string expression as far as it is written in the file: literal parts as they
 * are, every part computed at run time (`secret()`, `env()`, …) as `UNKNOWN`. Lets and `+` of
 * strings are followed.
 */
export function writtenText(expr: A.Expr, module: Module, visiting: Set<A.LetDecl> = new Set()): string {
  if (expr.missing) return UNKNOWN;
  switch (expr.kind) {
    case 'String': {
      let text = '';
      for (const part of expr.parts) text += typeof part === 'string' ? part : writtenText(part, module, visiting);
      return text;
    }
    case 'Paren':
      return writtenText(expr.expr, module, visiting);
    case 'Binary':
      if (expr.operator === '+') {
        const constant = constantValue(expr, module);
        if (constant.ok) return interpolationText(constant.value);
        return writtenText(expr.left, module, visiting) + writtenText(expr.right, module, visiting);
      }
      break;
    case 'NameRef':
    case 'Member': {
      const target = constantLet(expr, module);
      if (!target || visiting.has(target.decl)) return UNKNOWN;
      visiting.add(target.decl);
      const text = writtenText(target.decl.value, target.module, visiting);
      visiting.delete(target.decl);
      return text;
    }
    default:
      break;
  }
  const constant = constantValue(expr, module);
  return constant.ok ? interpolationText(constant.value) : UNKNOWN;
}

/** Where a literal password sits in a URL's text: its user part, or a `password=` query parameter. */
export type LiteralPassword = 'userinfo' | 'query';

/**
 * Where `text` (see `writtenText`) holds a password written in full in the file, or null: the
 * password of `scheme://user:PASSWORD@host` when no part of it is computed, or the value of a
 * `password=` query parameter (the postgres driver reads it as the password) likewise.
 */
export function literalPassword(text: string): LiteralPassword | null {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text);
  if (!scheme) return null;
  const rest = text.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    const password = colon < 0 ? '' : userinfo.slice(colon + 1);
    if (password !== '' && !password.includes(UNKNOWN)) return 'userinfo';
  }
  const query = /[?&]password=([^&#]*)/i.exec(rest);
  if (query && query[1] !== '' && !query[1]!.includes(UNKNOWN)) return 'query';
  return null;
}
