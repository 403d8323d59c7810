import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

/** The operator console's static files (plain ES modules, no build step). */
const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../console');

export const consoleFiles = (): RequestHandler => express.static(CONSOLE_DIR, { index: 'index.html', maxAge: 0 });
