// Packages the extension as build/kafka-airflow-workbench.vsix with `vsce package`, which
// first runs the "vscode:prepublish" script (the production build: minified, no source maps)
// and takes only the files that the "files" allow-list of package.json names.
//
// The README's screenshots stay out of the .vsix (2 MB); the README shows them from the
// repository instead. vsce turns the README's relative links into absolute ones when it
// knows where the repository is: a GitHub or GitLab `repository.url` in package.json (images
// from <repo>/raw/HEAD/…), or the options passed through, e.g.
//   npm run package -- --baseContentUrl https://host/org/repo/blob/main --baseImagesUrl https://host/org/repo/raw/main
// Without either it keeps the links relative, says so, and the Marketplace page would show
// the screenshots broken; the packaged extension itself is complete either way.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join('build', 'kafka-airflow-workbench.vsix');
const passed = process.argv.slice(2);

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const repository = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url ?? '';
// The hosts whose URLs vsce turns into raw-file and blob URLs by itself (its guessBaseUrls).
const vsceKnowsHost = /github(\.com\/|:)[^/]+\/[^/]+|gitlab(\.com\/|:)[^/]+\/[^/]+/.test(repository);
const baseGiven = passed.some((a) => a.startsWith('--baseContentUrl') || a.startsWith('--baseImagesUrl'));
const rewrite = vsceKnowsHost || baseGiven;

mkdirSync(join(root, 'build'), { recursive: true });
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const args = ['package', '--no-dependencies', '--out', out, ...(rewrite ? [] : ['--no-rewrite-relative-links']), ...passed];
execFileSync(process.execPath, [vsce, ...args], { cwd: root, stdio: 'inherit' });
if (!rewrite) {
  console.warn(
    `note: README links and images stay relative: package.json's repository.url (${repository || 'none'}) is not a GitHub or GitLab ` +
      'URL and no --baseImagesUrl was given, so on the Marketplace page the screenshots (not in the .vsix) would not show. ' +
      'Set repository.url to the real repository, or run: npm run package -- --baseContentUrl <url> --baseImagesUrl <url>',
  );
}
