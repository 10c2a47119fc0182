// The review page in a real browser (headless Chromium through playwright-core): pair with the
// link `toolbench web pair` prints, see an agent's call appear live, approve it with the
// button, and check the agent (the MCP Python SDK) got the tool's result; a browser that is
// not paired gets 401, and a form on another origin posting to the page is refused.
//
// Run by tests/web_browser_e2e.sh, which sets TOOLBENCH_BIN, WORKSPACE, PAGE (the page's
// address), CHROMIUM and SHOTS (a folder for screenshots, or empty).

import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const { TOOLBENCH_BIN: bin, WORKSPACE: root, PAGE: page_addr, CHROMIUM: executablePath } = process.env;
const here = new URL('.', import.meta.url).pathname;

const began = Date.now();
/** Says which step the test is at, so a hang names its step. */
function step(what) {
  console.error(`web_browser_e2e: ${Date.now() - began} ms: ${what}`);
}

function fail(why) {
  console.error(`web_browser_e2e: ${why}`);
  process.exit(1);
}

function toolbench(...args) {
  return execFileSync(bin, ['--root', root, ...args], { encoding: 'utf8' });
}

/** The agent's call, started now: resolves with its result once a person answered. */
function agentCall(env) {
  const agent = spawn('python3', [`${here}web_browser_agent.py`, bin, root, env], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    // The result line, as soon as the agent prints it (not when its session has closed).
    agent.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out));
    });
    agent.on('exit', (code) => code === 0 || reject(new Error(`agent exited ${code}: ${out}`)));
  });
}

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  // Not paired: nothing but 401.
  const stranger = await browser.newPage();
  const refused = await stranger.goto(`http://${page_addr}/`);
  if (refused.status() !== 401) fail(`an unpaired browser got ${refused.status()}, not 401`);
  await stranger.close();

  // Pair on a phone's width.
  const context = await browser.newContext({ viewport: { width: 360, height: 780 } });
  context.setDefaultTimeout(20000);
  const tab = await context.newPage();
  const problems = [];
  tab.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  tab.on('pageerror', (e) => problems.push(String(e)));
  const link = toolbench('web', 'pair', '--name', 'browser', '--listen', page_addr).trim();
  await tab.goto(link);
  await tab.getByRole('button', { name: 'Pair this device' }).click();
  await tab.getByRole('heading', { name: 'toolbench: waiting for you' }).waitFor();
  await tab.getByText(/^Live: (connected|up to date)/).waitFor({ timeout: 10000 });
  await tab.getByRole('heading', { name: 'Agent calls waiting: 0' }).waitFor();
  // The candidate's diff against the active version, its lines numbered and marked.
  await tab.getByText('Diff against deploy@1.0.0 (approved) (2 file(s) differ)').waitFor();
  await tab.locator('.diff .add', { hasText: '+echo "deploying to $(cat)" >&2' }).waitFor();

  // An agent's call starts waiting: it shows without a reload. The page itself notes when the
  // call's heading is drawn, so the figure does not include how often Playwright looks.
  await tab.evaluate(() => {
    new MutationObserver((_, observer) => {
      const drawn = [...document.querySelectorAll('h3')]
        .some((h) => /^Call #\d+: deploy@1\.0\.0$/.test(h.textContent));
      if (drawn) {
        window.callDrawnAt = Date.now();
        observer.disconnect();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  step('paired; starting the agent');
  const asked = Date.now();
  const answered = agentCall('<b>staging</b>');
  const heading = tab.getByRole('heading', { name: /^Call #\d+: deploy@1\.0\.0$/ });
  await heading.waitFor({ timeout: 30000 });
  const visibleAt = await tab.evaluate(() => window.callDrawnAt);
  if (!visibleAt) fail('the page drew the call without telling when');
  const startedMs = visibleAt - asked;
  const waiting = JSON.parse(toolbench('calls', '--json'))[0];
  const visibleMs = visibleAt - Date.parse(waiting.requested_at);
  const args = await tab.locator('pre').first().textContent();
  if (!args.includes('"env": "<b>staging</b>"')) fail(`the arguments are not shown as text: ${args}`);
  if ((await tab.locator('article b').count()) !== 0) fail('markup in the arguments became markup');
  const width = await tab.evaluate(() => document.documentElement.scrollWidth);
  if (width > 360) fail(`the page is ${width} px wide on a 360 px screen`);
  if (process.env.SHOTS) {
    await tab.screenshot({ path: `${process.env.SHOTS}/web-phone.png`, fullPage: true });
    await tab.setViewportSize({ width: 1200, height: 800 });
    await tab.screenshot({ path: `${process.env.SHOTS}/web-desktop.png`, fullPage: true });
  }

  // A form on another origin posting an answer to the page is refused.
  step('the call is on the page; posting from another origin');
  const id = (await heading.textContent()).match(/#(\d+)/)[1];
  const csrf = await tab.locator('input[name=csrf]').first().getAttribute('value');
  const evil = createServer((_, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<form method="post" action="http://${page_addr}/calls/${id}">` +
      `<input name="answer" value="once"><input name="csrf" value="${csrf}">` +
      `<button>Win a prize</button></form>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  const other = await context.newPage();
  await other.goto(`http://127.0.0.1:${evil.address().port}/`);
  step('the other origin\'s page is open');
  const [crossSite] = await Promise.all([
    other.waitForResponse((r) => r.url().includes(`/calls/${id}`)),
    other.getByRole('button', { name: 'Win a prize' }).click(),
  ]);
  if (crossSite.status() !== 403) fail(`a cross-site POST got ${crossSite.status()}, not 403`);
  step('the cross-site post was refused');
  // The other page is left open: closing it while its refused navigation settles can hang.
  evil.closeAllConnections();
  evil.close();
  await tab.bringToFront();

  // Approve on the page: the agent gets the tool's result.
  step('approving');
  const approvedAt = Date.now();
  await tab.getByRole('article').filter({ has: heading })
    .getByRole('button', { name: 'Approve', exact: true }).click();
  step('clicked Approve');
  const result = await answered;
  const completedMs = Date.now() - approvedAt;
  if (result.is_error || !result.text.includes('<b>staging</b>')) {
    fail(`the agent did not get the tool's result: ${JSON.stringify(result)}`);
  }
  await tab.getByRole('heading', { name: 'Agent calls waiting: 0' }).waitFor();
  const calls = JSON.parse(toolbench('calls', '--json', '--all'));
  if (calls[0].answered_by !== 'ana (web: browser)') fail(`answered by ${calls[0].answered_by}`);
  if (problems.length) fail(`the page reported errors: ${problems.join('; ')}`);
  console.log(`web_browser_e2e: ok; the call on the page ${visibleMs} ms after it started waiting ` +
    `(${startedMs} ms after the agent started); the agent had the result ${completedMs} ms after ` +
    'the click on Approve');
} finally {
  await browser.close();
}
