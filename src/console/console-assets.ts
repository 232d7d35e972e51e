import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response, NextFunction } from 'express';
import { static as serveStatic } from 'express';

/** The console's own files (console/ at the project's root; this file is dist/src/console/console-assets.js). */
export const CONSOLE_DIR = join(__dirname, '..', '..', '..', 'console');

/**
 * Only the gateway's own files: no inline script or style, no other origin, not framed. The
 * console is a client of /api on the same origin, so 'self' is all it needs.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The front-end libraries, read from node_modules as ES modules, so no bundler and no CDN. Preact's
 * hooks import the bare name "preact", which a browser cannot resolve without an import map (an
 * inline script the CSP forbids), so that import is pointed at the file served beside it.
 */
function vendorModules(): Map<string, string> {
  // Each package's main file is in its dist/ folder (htm exports no package.json to resolve).
  const preactDir = join(dirname(require.resolve('preact')), '..');
  const htmDir = join(dirname(require.resolve('htm')), '..');
  const hooks = readFileSync(join(preactDir, 'hooks', 'dist', 'hooks.mjs'), 'utf8').replace(/from\s*["']preact["']/g, 'from"./preact.mjs"');
  return new Map([
    ['/preact.mjs', readFileSync(join(preactDir, 'dist', 'preact.mjs'), 'utf8')],
    ['/hooks.mjs', hooks],
    ['/htm.mjs', readFileSync(join(htmDir, 'dist', 'htm.mjs'), 'utf8')],
  ]);
}

/**
 * Serves the operator console at /console: static files, outside Nest's guards like /docs (it
 * holds no data; everything it shows comes from /api with the operator's token). Files are not
 * content-hashed, so every answer is revalidated (`no-cache` with an ETag) rather than cached stale.
 */
export function mountConsole(app: NestExpressApplication): void {
  const vendor = vendorModules();
  app.use('/console', (req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-cache');
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // /console without the slash: relative module URLs in index.html resolve against /console/.
    if (req.originalUrl === '/console') return res.redirect(301, '/console/');
    if (req.path.startsWith('/vendor/')) {
      const source = vendor.get(req.path.slice('/vendor'.length));
      if (source === undefined) return next();
      res.type('text/javascript').send(source);
      return;
    }
    next();
  });
  app.use('/console', serveStatic(CONSOLE_DIR, { index: 'index.html', etag: true, lastModified: true, dotfiles: 'ignore', redirect: false }));
}
