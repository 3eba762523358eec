// Drives `newsletter serve` in headless Chromium (through playwright-core)
// as a person would: subscribe on the form, confirm from the link in the
// outbox, get the next issue from `send`, unsubscribe from the link in it
// and resubscribe. Screenshots at 375px and 1280px and axe-core on every
// page; exits 1 on a failed step or a serious or critical violation.
//
// node check-serve.mjs AXE_MIN_JS OUT_DIR BASE_URL SITE_DIR NEWSLETTER_BIN
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const [, , axePath, outDir, base, site, bin] = process.argv;
const axeSource = fs.readFileSync(axePath, 'utf8');
const userDataDir = fs.mkdtempSync(path.join(outDir, 'profile-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // The pages' CSP forbids scripts, axe-core's included: let the test inject it.
  bypassCSP: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await context.newPage();
let blocking = 0;
const who = 'browser.person@example.com';

function fail(message) {
  console.log(`FAILED: ${message}`);
  blocking += 1;
}

// Screenshots at both widths and axe-core on the page as it is now.
async function check(name) {
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(outDir, `${name}-${width}.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) fail(`${name} at ${width}px scrolls sideways by ${overflow}px`);
  }
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of result.violations) {
    const serious = v.impact === 'serious' || v.impact === 'critical';
    if (serious) blocking += 1;
    console.log(`${name}: ${v.impact.toUpperCase()} ${v.id}: ${v.help} (${v.nodes.length} element(s))`);
  }
  console.log(`${name}: ${result.violations.length} violation(s), title "${await page.title()}"`);
}

// The newest outbox message to `who` whose text contains `marker`, with
// quoted-printable soft breaks undone.
function mailTo(marker) {
  const dir = path.join(site, 'outbox');
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8').replace(/=\r?\n/g, '');
    if (text.includes(who) && text.includes(marker)) return text;
  }
  return null;
}

const publicBase = 'https://2024.djangocon.us/newsletter';
const local = (url) => url.replace(publicBase, base);

// The archive, with its pages.
await page.goto(`${base}/`);
await check('archive-index');

// Subscribe on the form: keyboard-reachable label and field.
await page.goto(`${base}/subscribe`);
await check('subscribe');
await page.getByLabel('Email address').fill(who);
await page.getByLabel('Name').fill('Browser Person');
await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Subscribe' }).click()]);
if (!(await page.content()).includes('Check your inbox')) fail('no "check your inbox" page');
await check('subscribed');

const confirmMail = mailTo('/confirm/');
if (!confirmMail) fail('no confirmation email in the outbox');
const confirmUrl = confirmMail.match(/https:\/\/[^\s"<>]+\/confirm\/[A-Za-z0-9_-]+/)[0];
await page.goto(local(confirmUrl));
await check('confirm');
await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /subscribe me/i }).click()]);
if (!(await page.content()).includes('You are subscribed')) fail('confirming did not subscribe');
await check('confirmed');

// The next send reaches the new subscriber, with a one-click link.
execFileSync(bin, ['send'], { cwd: site, stdio: 'ignore' });
const issue = mailTo('List-Unsubscribe:');
if (!issue) fail('the send did not reach the new subscriber');
const unsubscribeUrl = issue.match(/List-Unsubscribe: <([^>]+)>/)[1];
await page.goto(local(unsubscribeUrl));
await check('unsubscribe');
await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Unsubscribe' }).click()]);
if (!(await page.content()).includes('You are unsubscribed')) fail('unsubscribing failed');
await check('unsubscribed');
await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /subscribe me again/i }).click()]);
if (!(await page.content()).includes('Welcome back')) fail('resubscribing failed');
await check('resubscribed');

await page.goto(`${base}/unsubscribe/forged-token`);
await check('not-found');

await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
console.log(blocking === 0 ? 'OK: every step worked; no serious or critical violations' : `FAILED: ${blocking} finding(s)`);
process.exit(blocking === 0 ? 0 : 1);
