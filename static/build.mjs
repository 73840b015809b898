// Bundle static/src into static/dist/editor.js + editor.css with esbuild.
//   node build.mjs           one production build
//   node build.mjs --watch   rebuild on change (development)
//   EDITOR_NO_MINIFY=1 node build.mjs   a production build left readable (profiling)

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes('--watch');
const outdir = join(here, 'dist');

const options = {
  entryPoints: { editor: join(here, 'src', 'main.jsx') },
  outdir,
  bundle: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  minify: !watch && !process.env.EDITOR_NO_MINIFY,
  sourcemap: true,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': JSON.stringify(watch ? 'development' : 'production') },
  logLevel: 'info',
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('watching static/src for changes…');
} else {
  const result = await esbuild.build({ ...options, metafile: true });
  writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
}
