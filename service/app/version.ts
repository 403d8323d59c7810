import { createRequire } from 'node:module';

/** The package version, from sources (service/app/) or from the built image (dist/service/app/). */
export function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      return (require(candidate) as { version: string }).version;
    } catch {
      // not at this depth
    }
  }
  return '0.0.0';
}
