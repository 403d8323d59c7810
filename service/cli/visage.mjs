#!/usr/bin/env node
// The `visage` command: the TypeScript sources run through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
await import('./visage.ts');
