// web_load.js — how long each view of a web UI takes to become interactive
// in headless Chromium (bench/web_bench.sh; needs tests/browser's
// playwright-core): from navigation until the page has loaded, its script
// has run (cprof's flame graph: drawn and its table filled) and a click on
// it has been handled.  Prints one line per view: "VIEW ms".
//   node bench/web_load.js cprof|pprof URL FUNCTION
"use strict";
const path = require("path");
const { chromium } = require(path.join(__dirname, "../tests/browser/node_modules/playwright-core"));
const [kind, base, fn] = process.argv.slice(2);
const q = encodeURIComponent(fn);
const views = kind === "cprof"
	? [["flame", ""], ["top", "top"], ["graph", "graph"], ["peek", "peek?p=" + q], ["source", "source?p=" + q]]
	: [["flame", "ui/flamegraph"], ["top", "ui/top"], ["graph", "ui/"], ["peek", "ui/peek?f=" + q], ["source", "ui/source?f=" + q]];
(async () => {
	const b = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
	const page = await (await b.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
	for (const [name, rel] of views) {
		const t0 = Date.now();
		await page.goto(base + rel, { waitUntil: "load", timeout: 600000 });
		if (kind === "cprof" && name === "flame")
			await page.waitForFunction(() => window.cprofFlame && document.querySelector("#rows tr"), null, { timeout: 600000 });
		// Interactive: a click is handled (the event loop is free).
		await page.mouse.click(5, 880);
		await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
		console.log(name + " " + (Date.now() - t0));
	}
	await b.close();
})().catch((e) => { console.error("web_load: " + e.message.split("\n")[0]); process.exit(1); });
