#!/usr/bin/env node
// The `autopilot` command. Sources are TypeScript run through tsx's loader, so there is no separate build
// step for the server: `npm install` then `npx autopilot serve` (or `npm start`).
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const cli = fileURLToPath(new URL('../packages/server/src/cli.ts', import.meta.url));
await import(cli);
