/**
 * A module resolution hook (node:module register): node-llama-cpp's import of
 * its platform package resolves to a copy whose binaries hold only the CPU
 * variant asked for. Nothing else is touched.
 */
interface HookData {
  specifier: string;
  url: string;
}

let redirect: HookData | undefined;

export function initialize(data: HookData): void {
  redirect = data;
}

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string; shortCircuit?: boolean }> {
  if (redirect && specifier === redirect.specifier) return { url: redirect.url, shortCircuit: true };
  return next(specifier, context);
}
