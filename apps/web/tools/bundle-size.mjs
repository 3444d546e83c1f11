// Prints the size of every built asset, raw and gzipped, and the total the browser downloads.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'dist/apps/web';
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (!p.endsWith('.map')) files.push(p);
  }
};
walk(dir);
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
let raw = 0;
let gz = 0;
for (const file of files.sort()) {
  const bytes = readFileSync(file);
  const g = gzipSync(bytes).length;
  raw += bytes.length;
  gz += g;
  console.log(
    `${relative(dir, file).padEnd(40)} ${kb(bytes.length).padStart(10)}  gzip ${kb(g).padStart(9)}`,
  );
}
console.log(`${'bundle total'.padEnd(40)} ${kb(raw).padStart(10)}  gzip ${kb(gz).padStart(9)}`);
