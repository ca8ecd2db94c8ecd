/**
 * The static check every SCORE bundle passes before it is evaluated: it must parse as a classic script and
 * contain no asynchronous code and no module loading.
 *
 * Why static: in Node 20 a vm context cannot refuse `import()` itself — the rejected promise carries a
 * host-realm error whose constructor chain reaches the host's `Function` (and so `process`). And a rejected
 * promise nobody handles surfaces as the host process's `unhandledRejection`, which by default ends the node.
 * Without async syntax, without `import()` and with the `Promise` global withheld (see prelude.ts), sandboxed
 * code cannot create a promise at all. Code generation from strings is disabled in the context, so no code
 * can appear later that this check did not see.
 */
import { parse, type Node } from 'acorn';
import { ScoreError } from './errors.js';

function refuse(message: string): never {
  throw new ScoreError('DEPLOY_INVALID', message);
}

function forbiddenConstruct(node: Node & Record<string, unknown>): string | undefined {
  switch (node.type) {
    case 'ImportExpression':
      return 'import() (SCOREs cannot load modules)';
    case 'MetaProperty': {
      const meta = node.meta as { name?: string } | undefined;
      return meta?.name === 'import' ? 'import.meta' : undefined;
    }
    case 'AwaitExpression':
      return 'await (SCOREs are synchronous)';
    case 'ForOfStatement':
      return node.await === true ? 'for await (SCOREs are synchronous)' : undefined;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      return node.async === true ? 'an async function (SCOREs are synchronous)' : undefined;
    default:
      return undefined;
  }
}

/** Throws DEPLOY_INVALID naming the first forbidden construct, or the syntax error. */
export function checkScoreCode(code: string): void {
  let ast: Node;
  try {
    ast = parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: false });
  } catch (e) {
    const where = e instanceof SyntaxError ? `: ${e.message.slice(0, 120)}` : '';
    refuse(`the SCORE code is not a valid script${where}`);
  }
  // An explicit stack: bundles can nest deeper than the call stack allows for recursion.
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const node = value as Node & Record<string, unknown>;
    if (typeof node.type === 'string') {
      const what = forbiddenConstruct(node);
      if (what !== undefined) refuse(`the SCORE code uses ${what} at offset ${node.start}`);
    }
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}
