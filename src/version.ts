// The software name and version servers report (server.version, server.features, the banner).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION: string = pkg.version;
export const SOFTWARE = `Anode ${VERSION}`;
