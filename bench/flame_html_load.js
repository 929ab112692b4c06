// flame_html_load.js — time until a cprof flame --html page is drawn and
// interactive in headless Chromium (bench/flame_bench.sh; needs
// tests/browser's playwright-core): from navigation until the graph is drawn,
// the function table filled and a zoom redrawn.  Prints "load_ms N frames_drawn M".
//   node bench/flame_html_load.js FILE.html
"use strict";
const path = require("path");
const fs = require("fs");
const os = require("os");
const { chromium } = require(path.join(__dirname, "../tests/browser/node_modules/playwright-core"));
(async () => {
	const ud = fs.mkdtempSync(path.join(os.tmpdir(), "cprof-chromium-"));
	const ctx = await chromium.launchPersistentContext(ud, {
		executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1400, height: 900 },
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
	const page = await ctx.newPage();
	const t0 = Date.now();
	await page.goto("file://" + path.resolve(process.argv[2]));
	// Drawn, and the function table (filled after the first paint) too.
	await page.waitForFunction(() => window.cprofFlame && document.querySelector("#rows tr"), null, { timeout: 120000 });
	// Interactive: a click zooms and redraws.
	await page.evaluate(() => { const r = window.cprofFlame.rects()[1]; window.cprofFlame.state.zoom = r.node; window.cprofFlame.draw(); });
	const ms = Date.now() - t0;
	const n = await page.evaluate(() => window.cprofFlame.rects().length);
	const frames = await page.evaluate(() => DATA.nn);
	console.log("load_ms " + ms + " frames " + frames + " drawn " + n);
	await ctx.close();
	fs.rmSync(ud, { recursive: true, force: true });
})();
