// live.test.js — the live dashboard of `cprof web http://HOST:PORT/` in
// headless Chromium: the charts fill and redraw as points arrive, values
// carry units, the flame graph of the last window loads, a snapshot button
// opens a cprof web view, the page is readable in the dark theme, the
// target's death shows as "disconnected" with a message; any console error
// or page error fails.  Prints "ok NAME" / "not ok NAME".
//
//   node live.test.js DIR URL TARGETPID
//        DIR: where screenshots go; URL: the running dashboard;
//        TARGETPID: the watched program, killed (SIGTERM) near the end
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");
const fs = require("fs");
const os = require("os");

const [dir, url, pidArg] = process.argv.slice(2);
let failed = 0;
function check(name, cond, why) {
	if (cond) console.log("ok " + name);
	else { failed++; console.log("not ok " + name + (why !== undefined ? ": " + why : "")); }
}

// The canvas has pixels of the series colour (not only axes and grid).
function inked(page, id, cssVar) {
	return page.evaluate(([id, cssVar]) => {
		const c = document.getElementById(id), g = c.getContext("2d");
		const col = getComputedStyle(document.documentElement).getPropertyValue(cssVar).trim();
		const probe = document.createElement("canvas").getContext("2d");
		probe.fillStyle = col; probe.fillRect(0, 0, 1, 1);
		const want = probe.getImageData(0, 0, 1, 1).data;
		const d = g.getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 0; i < d.length; i += 4)
			if (Math.abs(d[i] - want[0]) < 40 && Math.abs(d[i + 1] - want[1]) < 40 && Math.abs(d[i + 2] - want[2]) < 40 && d[i + 3] > 200) n++;
		return n;
	}, [id, cssVar]);
}

async function dashboard(page, ctx) {
	await page.goto(url);
	await page.waitForFunction(() => window.cprofLive && window.cprofLive.points() >= 3, null, { timeout: 60000 });
	const p0 = await page.evaluate(() => window.cprofLive.points()), d0 = await page.evaluate(() => window.cprofLive.draws());
	check("state_connected", (await page.locator("#state").textContent()) === "connected", await page.locator("#state").textContent());
	check("target_shown", /^http:\/\/127\.0\.0\.1:\d+$/.test(await page.locator("#target").textContent()));
	// The charts update: more points, more draws, the canvas says so.
	await page.waitForFunction((p0) => window.cprofLive.points() >= p0 + 3, p0, { timeout: 30000 });
	const p1 = await page.evaluate(() => window.cprofLive.points()), d1 = await page.evaluate(() => window.cprofLive.draws());
	check("charts_update", p1 > p0 && d1 > d0, p0 + "->" + p1 + " draws " + d0 + "->" + d1);
	check("canvas_points", +(await page.locator("#cpu-chart").getAttribute("data-points")) >= p1 - 1);
	// Units on the current values.
	const cpu = await page.locator("#cpu-now").textContent(), mem = await page.locator("#mem-now").textContent();
	check("cpu_unit", /^\d+\.\d\d cores \(\d+ %\)$/.test(cpu), cpu);
	check("mem_unit", /RSS \d+(\.\d)? (KiB|MiB|GiB)$/.test(mem), mem);
	check("threads_value", /^\d+$/.test(await page.locator("#thr-now").textContent()));
	// A range change redraws at once.
	const d2 = await page.evaluate(() => window.cprofLive.draws());
	await page.locator("#range").selectOption("60");
	check("range_redraws", (await page.evaluate(() => window.cprofLive.draws())) > d2);
	// The lines are there, in their series' colours (over the last minute:
	// a few seconds of points are a few dozen pixels wide).  The thread
	// count is flat, an antialiased 1.5 px line whose exactly-coloured
	// pixels are few when it is short: wait for some length first.
	await page.waitForFunction(() => window.cprofLive.points() >= 10, null, { timeout: 60000 });
	await page.waitForFunction((d) => window.cprofLive.draws() > d, await page.evaluate(() => window.cprofLive.draws()), { timeout: 30000 });
	check("cpu_line_drawn", (await inked(page, "cpu-chart", "--s1")) > 5);
	const rssPx = await inked(page, "mem-chart", "--s3");
	check("rss_line_drawn", rssPx > 5, rssPx + " px");
	check("threads_line_drawn", (await inked(page, "thr-chart", "--s1")) > 5);
	await page.screenshot({ path: path.join(dir, "live-light.png"), fullPage: true });
	// The flame graph of the last window, in its frame.
	await page.waitForFunction(() => window.cprofLive.state().flame.gen >= 1, null, { timeout: 60000 });
	const frame = page.frameLocator("#flame");
	await page.waitForFunction(() => {
		const f = document.getElementById("flame");
		return f.contentWindow && f.contentWindow.cprofFlame;
	}, null, { timeout: 30000 });
	check("flame_loaded", (await frame.locator("canvas").count()) >= 1);
	check("flame_info", /^window of \d+ s ended /.test(await page.locator("#flame-info").textContent()), await page.locator("#flame-info").textContent());
	// A snapshot button: a new tab, redirected to a cprof web's flame view.
	const [tab] = await Promise.all([ctx.waitForEvent("page"), page.locator("a.snap[href$='kind=goroutine']").click()]);
	await tab.waitForLoadState("load", { timeout: 120000 });
	await tab.waitForFunction(() => window.cprofFlame, null, { timeout: 60000 });
	check("snapshot_opens_view", new URL(tab.url()).port !== new URL(url).port && (await tab.locator("#cprofnav").count()) === 1, tab.url());
	await tab.close();
	await page.waitForFunction(() => window.cprofLive.state().snapshots.length === 1, null, { timeout: 10000 });
	check("snapshot_listed", /^goroutine #1 /.test(await page.locator("#snaps a").first().textContent()));
	// Dark theme: dark background, light text, charts redrawn in its colours.
	await page.emulateMedia({ colorScheme: "dark" });
	await page.waitForTimeout(1500);
	const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
	const fg = await page.evaluate(() => getComputedStyle(document.body).color);
	const lum = (c) => { const m = c.match(/\d+/g).map(Number); return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]; };
	check("dark_theme", lum(bg) < 60 && lum(fg) > 180, bg + " / " + fg);
	check("dark_cpu_line", (await inked(page, "cpu-chart", "--s1")) > 5);
	await page.screenshot({ path: path.join(dir, "live-dark.png"), fullPage: true });
	// The target dies: said on the page, and the page goes on polling.
	process.kill(+pidArg, "SIGTERM");
	await page.waitForFunction(() => document.getElementById("state").textContent === "disconnected", null, { timeout: 30000 });
	const msg = await page.locator("#msg").textContent();
	check("disconnected_message", /^The program is not answering: .*connect.* — retrying every /i.test(msg), msg);
	const n0 = await page.evaluate(() => window.cprofLive.polls());
	await page.waitForFunction((n0) => window.cprofLive.polls() > n0 + 1, n0, { timeout: 10000 });
	check("polls_after_death", true);
	await page.screenshot({ path: path.join(dir, "live-down.png"), fullPage: true });
}

(async () => {
	const ud = fs.mkdtempSync(path.join(os.tmpdir(), "cprof-chromium-"));
	const ctx = await chromium.launchPersistentContext(ud, {
		executablePath: "/usr/bin/chromium",
		headless: true,
		viewport: { width: 1280, height: 900 },
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
	try {
		check("url_given", /^http:\/\//.test(url || ""), JSON.stringify(url));
		const page = await ctx.newPage();
		const errors = [], requests = [], missing = [];
		// Every page of the context: the dashboard, its frame, the snapshot tab.
		ctx.on("page", (p) => p.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); }));
		page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
		page.on("pageerror", (e) => errors.push(String(e)));
		ctx.on("request", (r) => requests.push(r.url()));
		ctx.on("response", (r) => { if (r.status() >= 400) missing.push(r.url()); });
		await dashboard(page, ctx).catch((e) => check("dashboard_tests", false, e.message.split("\n")[0]));
		const ext = requests.filter((u) => !/^http:\/\/127\.0\.0\.1:\d+\//.test(u) && !/^(data|blob|about):/.test(u));
		check("no_network", requests.length > 3 && ext.length === 0, ext.join(" ") || requests.length);
		// The browser's own favicon request to a snapshot's cprof web (which
		// has none) is its only tolerated failure: the dashboard names an
		// empty icon, and every other failed load counts.
		const favicon = (u) => new URL(u).pathname === "/favicon.ico" && new URL(u).port !== new URL(url).port;
		const real = errors.filter((e) => !/^Failed to load resource/.test(e) || missing.some((u) => !favicon(u)));
		check("no_console_errors", real.length === 0 && missing.every(favicon), real.concat(missing).join(" | "));
	} finally {
		await ctx.close();
		fs.rmSync(ud, { recursive: true, force: true });
	}
	process.exit(failed ? 1 : 0);
})();
