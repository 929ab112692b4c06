// viewers.test.js — cprof's files opened in a viewer nobody here wrote:
// speedscope (npm, run offline from its release build in headless
// Chromium) imports a runtime CPU profile and mutex profile as pprof
// protobuf, and an execution trace as Chrome trace-event JSON.  Each must
// import with the right importer, without a console error or a page error,
// show every traced thread that has intervals as a profile of its own, and
// list the expected functions in its Sandwich table (DOM text).  Prints
// "ok NAME" / "not ok NAME".
//
//   node viewers.test.js DIR
//        DIR/cases.json: [{"name", "file", "kind": "pprof"|"trace",
//                          "functions": [...]}, or {"name", "kind": "page",
//                          "url", "functions": the links it must have}];
//        screenshots go to DIR
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");
const fs = require("fs");

const dir = process.argv[2];
const release = path.join(__dirname, "node_modules/speedscope/dist/release/index.html");
let failed = 0;
function check(name, cond, why) {
	if (cond) console.log("ok " + name);
	else { failed++; console.log("not ok " + name + (why !== undefined ? ": " + why : "")); }
}

const importer = {
	pprof: "Importing as protobuf encoded pprof file",
	trace: "Importing as Trace Event Format profile",
};

// Threads with at least one complete ("X") interval: speedscope makes one
// profile of each; instants are not shown.
function tracedThreads(file) {
	const d = JSON.parse(fs.readFileSync(file, "utf8"));
	return new Set(d.traceEvents.filter((e) => e.ph === "X").map((e) => e.tid)).size;
}

// The Sandwich view's text once it is drawn: its table's header, then two
// animation frames for the rows (read at once, a loaded machine read the
// page before them).
async function sandwichText(page) {
	await page.waitForFunction(() => document.body.innerText.includes("Symbol Name"), null,
		{ timeout: 10000 }).catch(() => {});
	await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
	return page.evaluate(() => document.body.innerText);
}

// A page served by the program itself (libcprof's /debug/pprof/ index):
// its title, the profiles it links, and following the heap link.
async function servedPage(browser, c) {
	const pg = await browser.newPage({ viewport: { width: 1200, height: 700 } });
	// A browser asks for /favicon.ico, which net/http/pprof does not serve
	// either (404): that one failed load is not the page's error.
	const errors = [], failed = [];
	pg.on("console", (m) => {
		if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
	});
	pg.on("response", (r) => {
		if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) failed.push(r.status() + " " + r.url());
	});
	pg.on("pageerror", (e) => errors.push(e.message));
	const res = await pg.goto(c.url);
	check(c.name + "_status_200", res && res.status() === 200, res && res.status());
	check(c.name + "_title", (await pg.title()) === "/debug/pprof/", await pg.title());
	const links = await pg.locator("a").allTextContents();
	for (const f of c.functions)
		check(c.name + "_links_" + f, links.includes(f), links.join(" "));
	await pg.screenshot({ path: path.join(dir, c.name + ".png") });
	await pg.locator("a", { hasText: /^heap$/ }).first().click();
	await pg.waitForLoadState();
	const text = await pg.evaluate(() => document.body.innerText);
	check(c.name + "_heap_debug1", /^heap profile: /.test(text) && pg.url().endsWith("heap?debug=1"), pg.url() + " " + text.slice(0, 60));
	check(c.name + "_no_console_errors", errors.length === 0 && failed.length === 0,
		errors.concat(failed).join(" | "));
	await pg.close();
}

async function one(browser, c) {
	if (c.kind === "page") return servedPage(browser, c);
	const file = path.join(dir, c.file);
	// What speedscope's own CLI does: a script that hands it the file.
	const loader = path.join(dir, c.name + ".load.js");
	fs.writeFileSync(loader, "speedscope.loadFileFromBase64(" + JSON.stringify(c.file) + ", " +
		JSON.stringify(fs.readFileSync(file).toString("base64")) + ")");
	const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
	const logs = [], errors = [];
	page.on("console", (m) => {
		if (m.type() === "error") errors.push(m.text());
		logs.push(m.text());
	});
	page.on("pageerror", (e) => errors.push(e.message));
	await page.goto("file://" + release + "#localProfilePath=" + loader);
	try {
		await page.waitForFunction((f) => document.title === f + " - speedscope", c.file, { timeout: 20000 });
	} catch (e) { /* checked below */ }
	check(c.name + "_title", (await page.title()) === c.file + " - speedscope", await page.title());
	check(c.name + "_importer", logs.some((l) => l.includes(importer[c.kind])), logs.filter((l) => /Import/.test(l)).join("|"));
	await page.screenshot({ path: path.join(dir, c.name + "-speedscope.png") });
	await page.getByText("Sandwich").click();
	let text = await sandwichText(page);
	if (c.kind === "trace") {
		const want = tracedThreads(file);
		const m = /\((\d+)\/(\d+)\)/.exec(text);
		check(c.name + "_threads", m && Number(m[2]) === want, (m ? m[0] : "no (i/n)") + " want " + want);
		// Every thread's table, one after the other ('n': next profile).
		for (let i = 1; m && i < Number(m[2]); i++) {
			await page.keyboard.press("n");
			await page.waitForFunction((k) => document.body.innerText.includes("(" + k + "/"), i + 1);
			text += await sandwichText(page);
		}
	}
	for (const f of c.functions)
		check(c.name + "_shows_" + f, text.includes(f), "not in the Sandwich table");
	check(c.name + "_no_console_errors", errors.length === 0, errors.join(" | "));
	await page.close();
}

(async () => {
	const cases = JSON.parse(fs.readFileSync(path.join(dir, "cases.json"), "utf8"));
	const browser = await chromium.launch({
		executablePath: "/usr/bin/chromium",
		args: ["--no-sandbox", "--allow-file-access-from-files"],
	});
	try {
		for (const c of cases) await one(browser, c);
	} finally {
		await browser.close();
	}
	process.exit(failed ? 1 : 0);
})().catch((e) => { console.log("not ok viewers_run: " + e.message); process.exit(1); });
