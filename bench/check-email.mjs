// Loads each rendered email in headless Chromium (through playwright-core),
// in light and dark color schemes, with and without its <style> element
// (as a mail client that drops it would show it, in either scheme), injects axe-core and reports
// violations. Exits 1 if any is serious or critical.
//
// node check-email.mjs AXE_MIN_JS OUT_DIR FILE.html...
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [, , axePath, outDir, ...files] = process.argv;
const axeSource = fs.readFileSync(axePath, 'utf8');
const userDataDir = fs.mkdtempSync(path.join(outDir, 'profile-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

let blocking = 0;
for (const file of files) {
  const html = fs.readFileSync(file, 'utf8');
  // A web page keeps its stylesheet; only an email loses its <style> to
  // some mail clients.
  const isEmail = !path.basename(file).startsWith('archive-');
  const variants = [
    ['light', html],
    ['dark', html],
    // What a client that strips <style> shows: inline styles only, in
    // both colour schemes (in dark, the browser's own defaults turn dark:
    // anything without an inline colour takes the client's).
    ['nostyle', html.replace(/<style>[\s\S]*?<\/style>/g, '')],
    ['nostyle-dark', html.replace(/<style>[\s\S]*?<\/style>/g, '')],
  ].filter(([name]) => isEmail || !name.startsWith('nostyle'));
  for (const [name, source] of variants) {
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: name.endsWith('dark') ? 'dark' : 'light' });
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.setContent(source, { waitUntil: 'load' });
      const shot = path.join(outDir, `${path.basename(file, '.html')}-${name}-${width}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      // The layout must not scroll sideways on a phone.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) {
        console.log(`${file} [${name}, ${width}px]: SERIOUS horizontal overflow of ${overflow}px`);
        blocking += 1;
      }
    }
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    for (const v of result.violations) {
      const serious = v.impact === 'serious' || v.impact === 'critical';
      if (serious) blocking += 1;
      console.log(`${file} [${name}]: ${v.impact.toUpperCase()} ${v.id}: ${v.help} (${v.nodes.length} element(s))`);
      for (const n of v.nodes.slice(0, 5)) {
        console.log(`    ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`);
      }
    }
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').length;
    console.log(`${file} [${name}]: ${bad} serious or critical, ${result.violations.length} in all (axe-core ${result.testEngine.version})`);
    await page.close();
  }
}
await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
console.log(blocking === 0 ? 'OK: no serious or critical violations' : `FAILED: ${blocking} serious or critical finding(s)`);
process.exit(blocking === 0 ? 0 : 1);
