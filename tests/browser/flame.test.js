// flame.test.js — cprof flame's SVG and HTML in headless Chromium: hover,
// click to zoom, reset, search ("Matched: x%"), pivot, sample-type switch,
// keyboard, theme.  Asserts on the DOM; prints "ok NAME" / "not ok NAME".
//
//   node flame.test.js DIR [URL [HEAPURL]]
//        DIR has basic.svg, basic.html, heap.html; screenshots are written
//        there; URL: a running `cprof web` on go-cpu.pb.gz, HEAPURL: one on
//        go-heap.pb.gz (every view, sample-type menu, Back/Forward)
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");
const fs = require("fs");
const os = require("os");

const dir = process.argv[2];
let failed = 0;
function check(name, cond, why) {
	if (cond) console.log("ok " + name);
	else { failed++; console.log("not ok " + name + (why !== undefined ? ": " + why : "")); }
}

const svgFill = {}; // colours in the SVG, to compare with the HTML page's
async function svgTests(page) {
	await page.goto("file://" + path.join(dir, "basic.svg"));
	const rect = (name) => page.locator("#frames > g", { has: page.locator(`title:text-matches("^${name} \\\\(")`) }).locator("rect");
	const width = async (name) => parseFloat(await rect(name).getAttribute("width"));
	check("svg_loaded", (await page.locator("#frames > g").count()) === 8);
	svgFill.foo = await rect("foo").getAttribute("fill");
	svgFill.bar = await rect("bar").getAttribute("fill");
	// Hover: the details line names the function, its value and share.
	await rect("foo").hover();
	const det = await page.locator("#details").textContent();
	check("svg_hover_details", det === "Function: foo (15 samples, 75.00%)", det);
	// Click to zoom: foo fills the width, its children scale, others hide.
	await rect("foo").click();
	const wbar = await width("bar");
	check("svg_zoom_child", Math.abs(wbar - 1180 * 10 / 15) < 0.05, wbar);
	check("svg_zoom_foo_full", Math.abs((await width("foo")) - 1180) < 0.05);
	check("svg_zoom_hides_sibling", await page.locator("#frames > g", { has: page.locator('title:text-matches("^qux ")') }).evaluate((g) => g.classList.contains("hide")));
	check("svg_zoom_parent_faded", await page.locator("#frames > g", { has: page.locator('title:text-matches("^main ")') }).evaluate((g) => g.classList.contains("parent")));
	check("svg_unzoom_visible", !(await page.locator("#unzoom").evaluate((e) => e.classList.contains("hide"))));
	await page.screenshot({ path: path.join(dir, "svg-zoomed.png") });
	await page.locator("#unzoom").click();
	check("svg_unzoom", Math.abs((await width("bar")) - 590) < 0.05, await width("bar"));
	check("svg_unzoom_shown", !(await page.locator("#frames > g", { has: page.locator('title:text-matches("^qux ")') }).evaluate((g) => g.classList.contains("hide"))));
	// Ctrl-F: a prompt for the regexp; matches are highlighted, nested counted once.
	page.once("dialog", (d) => d.accept("^ba|^foo"));
	await page.keyboard.press("Control+f");
	const m = await page.locator("#matched").textContent();
	check("svg_search_matched", m === "Matched: 75.0%", m);
	const fill = await rect("bar").evaluate((r) => r.style.fill);
	check("svg_search_highlight", /230, 0, 230/.test(fill), fill);
	await page.screenshot({ path: path.join(dir, "svg-search.png") });
	await page.keyboard.press("Escape");
	check("svg_search_reset", (await page.locator("#matched").textContent()).trim() === "");
}

async function htmlTests(page) {
	await page.goto("file://" + path.join(dir, "basic.html"));
	await page.waitForFunction(() => window.cprofFlame);
	const rects = () => page.evaluate(() => window.cprofFlame.rects().map((r) => ({ x: r.x, y: r.y, w: r.w, n: r.n, node: r.node, v: r.v })));
	const names = await page.evaluate(() => DATA.names);
	let rs = await rects();
	check("html_drawn", rs.length === 8, rs.length);
	const foo = rs.find((r) => names[r.n] === "foo");
	const box = await page.locator("#c").boundingBox();
	// The same function has the same colour in the SVG and in the page.
	const pixel = (r) => page.evaluate(([x, y]) => Array.from(document.getElementById("c").getContext("2d").getImageData(x * devicePixelRatio, y * devicePixelRatio, 1, 1).data), [r.x + r.w - 4, r.y + 9]);
	const hex = (p) => "#" + p.slice(0, 3).map((c) => c.toString(16).padStart(2, "0")).join("");
	const cf = hex(await pixel(foo)), cb = hex(await pixel(rs.find((r) => names[r.n] === "bar")));
	check("html_svg_same_colours", cf === svgFill.foo && cb === svgFill.bar && cf !== cb, [cf, svgFill.foo, cb, svgFill.bar].join(" "));
	await page.mouse.move(box.x + foo.x + 5, box.y + foo.y + 5);
	const tip = await page.locator("#tip").textContent();
	check("html_hover", /^foo\n15 samples \(75\.00%\)/.test(tip), JSON.stringify(tip));
	await page.mouse.click(box.x + foo.x + 5, box.y + foo.y + 5);
	rs = await rects();
	const bar = rs.find((r) => names[r.n] === "bar");
	check("html_zoom", bar && Math.abs(bar.w - box.width * 10 / 15) < 1.5, bar && bar.w + " of " + box.width);
	check("html_zoom_state", (await page.evaluate(() => window.cprofFlame.state.zoom)) === foo.node);
	await page.keyboard.press("Escape");
	check("html_reset", (await page.evaluate(() => window.cprofFlame.state.zoom)) === 0);
	// Search box (Ctrl-F focuses it).
	await page.keyboard.press("Control+f");
	await page.keyboard.type("^ba");
	await page.waitForFunction(() => document.getElementById("matched").textContent !== "");
	const m = await page.locator("#matched").textContent();
	check("html_search", m === "Matched: 75.0%", m);
	check("html_table_filtered", (await page.locator("#rows tr").count()) === 2);
	await page.keyboard.press("Escape");
	// Function table: sortable, self/total.
	await page.locator("#table th[data-k=self]").click();
	const first = await page.locator("#rows tr").first().locator("td.name").textContent();
	check("html_table_sort_self", first === "bar", first);
	// Pivot on a function from the table: callers above, callees below.
	await page.locator("#rows tr", { has: page.locator('td.name:text-is("foo")') }).click();
	const piv = await page.evaluate(() => window.cprofFlame.state.pivot);
	check("html_pivot_state", names[piv] === "foo");
	rs = await rects();
	const pf = rs.find((r) => names[r.n] === "foo"), pm = rs.find((r) => names[r.n] === "main"), pb = rs.find((r) => names[r.n] === "bar");
	check("html_pivot_layout", pf && pm && pb && pm.y < pf.y && pb.y > pf.y, JSON.stringify([pm, pf, pb]));
	await page.screenshot({ path: path.join(dir, "html-pivot.png") });
	await page.goBack();
	// Wait for the state, not for a fixed time: deterministic under load (the
	// bound only turns a missing popstate into a failure instead of a hang).
	const back = await page.waitForFunction(() => window.cprofFlame.state.pivot === -1, null, { timeout: 20000 }).then(() => true, () => false);
	check("html_back", back, await page.evaluate(() => window.cprofFlame.state.pivot));
	// Keyboard: arrows select, Enter zooms.
	await page.keyboard.press("Escape");
	await page.locator("#c").click({ position: { x: 2, y: 2 } });
	await page.keyboard.press("ArrowDown");
	await page.keyboard.press("ArrowDown");
	await page.keyboard.press("Enter");
	const z = await page.evaluate(() => window.cprofFlame.state.zoom);
	check("html_keyboard_zoom", names[(await page.evaluate(() => DATA.n))[z]] === "foo", z);
	// Arrows walk the tree: siblings (right, left), first child (down), parent (up).
	const walk = [];
	for (const k of ["ArrowRight", "ArrowLeft", "ArrowDown", "ArrowRight", "ArrowUp", "ArrowUp"]) {
		await page.keyboard.press(k);
		walk.push(await page.evaluate(() => DATA.names[DATA.n[window.cprofFlame.state.sel]]));
	}
	check("html_keyboard_walk", walk.join(",") === "qux,foo,bar,baz,foo,main", walk.join(","));
	// Theme.
	await page.locator("#theme").click();
	check("html_theme_dark", await page.evaluate(() => document.documentElement.classList.contains("dark")));
	await page.screenshot({ path: path.join(dir, "html-dark.png") });
	// Remembered across loads; without a choice, the system's scheme.
	await page.reload();
	await page.waitForFunction(() => window.cprofFlame);
	check("html_theme_remembered", await page.evaluate(() => document.documentElement.classList.contains("dark")));
	await page.locator("#theme").click();
	await page.evaluate(() => localStorage.removeItem("cprof-flame-theme"));
	await page.emulateMedia({ colorScheme: "dark" });
	await page.reload();
	await page.waitForFunction(() => window.cprofFlame);
	check("html_theme_system_dark", await page.evaluate(() => document.documentElement.classList.contains("dark")));
	await page.emulateMedia({ colorScheme: "light" });
	await page.reload();
	await page.waitForFunction(() => window.cprofFlame);
	check("html_theme_system_light", !(await page.evaluate(() => document.documentElement.classList.contains("dark"))));

	// Sample-type selector on a heap profile (4 types).
	await page.goto("file://" + path.join(dir, "heap.html"));
	await page.waitForFunction(() => window.cprofFlame);
	const nopt = await page.locator("#stype option").count();
	check("html_stype_options", nopt === 4, nopt);
	const before = await page.evaluate(() => window.cprofFlame.rects()[0].v);
	await page.locator("#stype").selectOption({ label: "alloc_objects (count)" });
	const after = await page.evaluate(() => window.cprofFlame.rects()[0].v);
	const want = await page.evaluate(() => DATA.v[0][0]);
	check("html_stype_switch", after === want && after !== before, before + " -> " + after);
	// Values with their unit: alloc_space is in bytes.
	await page.locator("#stype").selectOption({ label: "alloc_space (bytes)" });
	const hb = await page.locator("#c").boundingBox();
	await page.mouse.move(hb.x + 20, hb.y + 5);
	const htip = await page.locator("#tip").textContent();
	check("html_hover_unit", /^all\n[0-9.]+[kMG]?B \(100\.00%\)/.test(htip), JSON.stringify(htip));
	await page.screenshot({ path: path.join(dir, "html-heap.png") });
}

// Values survive the packed encoding exactly (up to 2^53), and a
// differential page draws the paths that vanished.
async function htmlDataTests(page) {
	await page.goto("file://" + path.join(dir, "big.html"));
	await page.waitForFunction(() => window.cprofFlame);
	const v = await page.evaluate(() => {
		const r = {};
		for (let i = 0; i < DATA.nn; i++) r[DATA.names[DATA.n[i]] + "@" + DATA.d[i]] = [DATA.v[0][i], DATA.s[0][i]];
		return r;
	});
	check("html_values_exact", JSON.stringify(v) === JSON.stringify({
		"all@0": [124456789012355, 0], "a@1": [124456789012348, 123456789012345], "b@2": [1000000000000, 1000000000000],
		"c@2": [3, 3], "d@1": [7, 0], "e@2": [7, 0], "f@3": [7, 7] }), JSON.stringify(v));

	// A pruned page (cprof web's, over 100 000 frames): totals keep what was
	// dropped, and each frame's self in the data is its own again (mid0's
	// children, the leaves, were all dropped: its self is 0, its total theirs).
	if (fs.existsSync(path.join(dir, "pruned.html"))) {
		await page.goto("file://" + path.join(dir, "pruned.html"));
		await page.waitForFunction(() => window.cprofFlame && document.querySelector("#rows tr"));
		const pr = await page.evaluate(() => {
			const i = DATA.names.indexOf("mid0"), m = DATA.names.indexOf("main");
			let node = -1, mnode = -1;
			for (let k = 0; k < DATA.nn; k++) { if (DATA.n[k] === i) node = k; if (DATA.n[k] === m) mnode = k; }
			const row = document.querySelector("#rows tr[data-n=\"" + i + "\"]");
			return { pruned: DATA.pruned, total: DATA.v[0][node], self: DATA.s[0][node], mtotal: DATA.v[0][mnode],
				mself: DATA.s[0][mnode], cell: row ? row.cells[0].textContent : null };
		});
		// 1 200 leaves under mid0 (i % 100 == 0), weights i % 7 + 1.
		let want = 0, all = 0;
		for (let k = 0; k < 120000; k++) {
			all += k % 7 + 1;
			if (k % 100 === 0) want += k % 7 + 1;
		}
		check("html_pruned_totals", pr.pruned > 0 && pr.total === want && pr.mtotal === all, JSON.stringify(pr));
		check("html_pruned_own_self", pr.self === 0 && pr.mself === 0 && pr.cell === "0", JSON.stringify(pr));
	}

	// "Matched" counts frames too narrow to draw: 2 000 tiny stacks of 1 in 10 000.
	await page.goto("file://" + path.join(dir, "tiny.html"));
	await page.waitForFunction(() => window.cprofFlame);
	await page.locator("#search").fill("^tiny$");
	await page.waitForFunction(() => document.getElementById("matched").textContent !== "");
	const tm = await page.locator("#matched").textContent();
	const drawn = await page.evaluate(() => window.cprofFlame.rects().filter((r) => DATA.names[r.n] === "tiny").length);
	check("html_search_tiny", tm === "Matched: 20.0%" && drawn === 0, tm + ", " + drawn + " drawn");

	// Bad input: 3 000-frame stacks (zoom deep: the zoomed tree is drawn, not
	// only ancestors), a zero total, names with < & " '.
	await page.goto("file://" + path.join(dir, "deep.html"));
	await page.waitForFunction(() => window.cprofFlame);
	const dz = await page.evaluate(() => {
		const F = window.cprofFlame;
		let z = 0;
		for (let i = 0; i < DATA.nn; i++) if (DATA.names[DATA.n[i]] === "f2500") z = i;
		F.state.zoom = z; F.draw();
		const names = F.rects().map((r) => DATA.names[r.n]);
		return [names.includes("f2500"), names.includes("f2999"), names.length];
	});
	check("html_deep_zoom", dz[0] && dz[1], JSON.stringify(dz));
	await page.goto("file://" + path.join(dir, "zero.html"));
	await page.waitForFunction(() => window.cprofFlame);
	const zs = await page.locator("#status").textContent();
	check("html_zero_total", zs === "No samples to draw", zs);
	await page.goto("file://" + path.join(dir, "escape.html"));
	await page.waitForFunction(() => window.cprofFlame && document.querySelector("#rows tr"));
	const en = await page.locator("#rows td.name").allTextContents();
	check("html_escape_names", en.includes("a<b>&c") && en.includes("say \"hi\" 'x'") && en.includes("with spaces in it"), JSON.stringify(en));

	await page.goto("file://" + path.join(dir, "diff.html"));
	await page.waitForFunction(() => window.cprofFlame);
	const names = await page.evaluate(() => DATA.names);
	const rs = await page.evaluate(() => window.cprofFlame.rects().map((r) => ({ x: r.x, y: r.y, w: r.w, n: r.n, v: r.v })));
	const by = (nm) => rs.find((r) => names[r.n] === nm);
	const root = by("all"), gone = by("gone"), deep = by("deep"), nw = by("new");
	// NEW total 29 plus the vanished 8: gone takes 8/37 of the width.
	check("html_diff_vanished_drawn", gone && deep && Math.abs(gone.w / root.w - 8 / 37) < 0.01 && Math.abs(deep.w - gone.w) < 0.01,
		JSON.stringify([root, gone, deep]));
	check("html_diff_new", nw && Math.abs(nw.w / root.w - 4 / 37) < 0.01, JSON.stringify(nw));
	const box = await page.locator("#c").boundingBox();
	await page.mouse.move(box.x + gone.x + gone.w / 2, box.y + gone.y + 5);
	const tip = await page.locator("#tip").textContent();
	check("html_diff_vanished_tip", /^gone\n0 samples \(0\.00%\).*\nvanished; base 8 samples$/.test(tip), JSON.stringify(tip));
	await page.mouse.move(box.x + by("bar").x + 2, box.y + by("bar").y + 5);
	const tip2 = await page.locator("#tip").textContent();
	check("html_diff_tip", /^bar\n20 samples \(68\.97%\).*\nbase 10 samples, change \+10 samples$/.test(tip2), JSON.stringify(tip2));
	await page.screenshot({ path: path.join(dir, "html-diff.png") });
	// The pivot of a differential graph keeps the base: colours and tooltips.
	const pv = await page.evaluate(() => {
		const F = window.cprofFlame;
		F.state.pivot = DATA.names.indexOf("foo"); F.draw();
		return F.rects().filter((r) => r.node < 0).map((r) => ({ n: DATA.names[r.n], x: r.x, y: r.y, w: r.w, v: r.v, b: r.b }));
	});
	const pbar = pv.find((r) => r.n === "bar"), pfoo = pv.find((r) => r.n === "foo");
	check("html_diff_pivot_values", pbar && pfoo && pbar.v === 20 && pbar.b === 10 && pfoo.v === 25 && pfoo.b === 15, JSON.stringify(pv));
	await page.mouse.move(box.x + pbar.x + 2, box.y + pbar.y + 5);
	const ptip = await page.locator("#tip").textContent();
	check("html_diff_pivot_tip", /^bar\n20 samples \(68\.97%\)\nbase 10 samples, change \+10 samples$/.test(ptip), JSON.stringify(ptip));
	const px = await page.evaluate(([x, y]) => Array.from(document.getElementById("c").getContext("2d").getImageData(x * devicePixelRatio, y * devicePixelRatio, 1, 1).data), [pbar.x + pbar.w / 2, pbar.y + 12]);
	check("html_diff_pivot_red", px[0] === 255 && px[1] < 200 && px[2] < 200, px.join(","));
}

async function webTests(page, url) {
	await page.goto(url);
	await page.waitForFunction(() => window.cprofFlame);
	check("web_flame_drawn", (await page.evaluate(() => window.cprofFlame.rects().length)) > 5);
	check("web_nav", (await page.locator("#cprofnav #m-view a").count()) === 6);
	await page.screenshot({ path: path.join(dir, "web-flame.png") });
	// Refine: focus, applied through the URL; Back returns to the unfiltered view.
	await page.locator("#m-refine summary").click();
	await page.locator("#cprofnav input[name=f]").fill("sha256");
	await page.locator("#apply").click();
	await page.waitForFunction(() => window.cprofFlame && /[?&]f=sha256/.test(location.search));
	const sub = await page.locator("#subtitle").textContent();
	check("web_focus_applied", /focus=sha256/.test(sub), sub);
	await page.locator("#m-view summary").click();
	await page.locator("#m-view a", { hasText: "Top" }).click();
	await page.waitForURL(/\/top\?f=sha256/);
	const pre = await page.locator("pre").first().textContent();
	check("web_top_view", /Active filters:\s+focus=sha256/.test(pre), pre.slice(0, 80));
	// The top table sorts by a clicked header.
	const col = (k) => page.locator("#top tbody tr").evaluateAll((rs, k) => rs.map((r) => r.cells[k].textContent), k);
	const byFlat = await col(5);
	await page.locator("#top th", { hasText: /^name$/ }).click();
	const byName = await col(5);
	check("web_top_sort_name", byName.length > 3 && byName.join("\n") === [...byFlat].sort().join("\n") && byName.join() !== byFlat.join(), byName.join(","));
	await page.locator("#top th", { hasText: /^cum%$/ }).click();
	const cums = (await col(4)).map(parseFloat);
	check("web_top_sort_cum", cums.every((c, i) => i === 0 || cums[i - 1] >= c), cums.join(","));
	await page.screenshot({ path: path.join(dir, "web-top.png") });
	await page.goBack();
	await page.goBack();
	await page.waitForFunction(() => window.cprofFlame);
	check("web_back", !/f=/.test(new URL(page.url()).search), page.url());
}

// Every view of cprof web on a heap profile (4 sample types): the menu of
// the navigation bar switches the type (the values change), a focus is
// applied through the URL, and Back/Forward restore each state.
async function webViewsTests(page, url) {
	const views = [
		["flame", "", async () => (await page.locator("#subtitle").textContent()) + " root=" +
			(await page.evaluate(() => window.cprofFlame.rects()[0].v))],
		["top", "top", async () => (await page.locator("pre").first().textContent()) + (await page.locator("#top").textContent())],
		["peek", "peek", () => page.locator("pre").textContent()],
		["graph", "graph", () => page.locator("svg").first().textContent()],
		["source", "source?p=main%5C.alloc", () => page.locator("pre").textContent()],
	];
	const ready = async (name) => {
		await page.waitForLoadState("load");
		if (name === "flame") await page.waitForFunction(() => window.cprofFlame);
	};
	const menu = () => page.locator("#cprofnav select[name=si]");
	for (const [name, rel, content] of views) {
		await page.goto(url + rel);
		await ready(name);
		const types = await menu().locator("option").allTextContents();
		check("web_" + name + "_types", types.join(",") === "alloc_objects,alloc_space,inuse_objects,inuse_space", types.join(","));
		const t0 = await menu().inputValue(), v0 = await content();
		// Switching the type reloads the view with si in the URL.
		await Promise.all([page.waitForURL(/[?&]si=alloc_objects/), menu().selectOption("alloc_objects")]);
		await ready(name);
		const t1 = await menu().inputValue(), v1 = await content();
		check("web_" + name + "_switch", t0 === "inuse_space" && t1 === "alloc_objects" && v1 !== v0,
			t0 + " -> " + t1 + (v1 === v0 ? " (same content)" : ""));
		if (name !== "source" && name !== "graph")
			check("web_" + name + "_switch_type", /alloc_objects/.test(v1) && !/inuse_space/.test(v1), v1.slice(0, 120));
		// A focus on top of it: both stay in the URL.
		const hide = name === "source" ? "allocBig" : "runtime";
		await page.locator("#m-refine summary").click();
		await page.locator("#cprofnav input[name=h]").fill(hide);
		await Promise.all([page.waitForURL(new RegExp("[?&]h=" + hide)), page.locator("#apply").click()]);
		await ready(name);
		const v2 = await content();
		check("web_" + name + "_hide", (await menu().inputValue()) === "alloc_objects" && v2 !== v1 &&
			(name === "flame" ? v2.includes("hide=" + hide) : !v2.includes(name === "source" ? "main.allocBig" : "runtime.main")),
			v2.slice(0, 160));
		if (name === "top") await page.screenshot({ path: path.join(dir, "web-heap-top.png") });
		// Back: the type switch without the hide; Back: the first state; Forward: the switch again.
		await page.goBack();
		await ready(name);
		let c = await content(), m = await menu().inputValue(), h = await page.locator("#cprofnav input[name=h]").inputValue();
		check("web_" + name + "_back", c === v1 && m === "alloc_objects" && h === "", [c === v1, m, h].join(" "));
		await page.goBack();
		await ready(name);
		c = await content(); m = await menu().inputValue();
		check("web_" + name + "_back2", c === v0 && m === "inuse_space", [c === v0, m].join(" "));
		await page.goForward();
		await ready(name);
		check("web_" + name + "_forward", (await content()) === v1 && (await menu().inputValue()) === "alloc_objects");
	}
	await page.screenshot({ path: path.join(dir, "web-heap-source.png") });
}

(async () => {
	const ud = fs.mkdtempSync(path.join(os.tmpdir(), "cprof-chromium-"));
	// A fresh profile directory (the persistent context's user data dir).
	const browser = await chromium.launchPersistentContext(ud, {
		executablePath: "/usr/bin/chromium",
		headless: true,
		viewport: { width: 1280, height: 800 },
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
	try {
		const page = await browser.newPage();
		const errors = [];
		page.on("pageerror", (e) => errors.push(String(e)));
		const requests = [];
		page.on("request", (r) => requests.push(r.url()));
		await svgTests(page).catch((e) => check("svg_tests", false, e.message.split("\n")[0]));
		await htmlTests(page).catch((e) => check("html_tests", false, e.message.split("\n")[0]));
		await htmlDataTests(page).catch((e) => check("html_data_tests", false, e.message.split("\n")[0]));
		// Self-contained: the SVG and HTML pages asked for nothing but themselves.
		const ext = requests.filter((u) => !/^(file|data|blob):/.test(u));
		check("files_no_network", requests.length >= 5 && ext.length === 0, ext.join(" ") || requests.length);
		// A URL argument that is given but empty (the server never printed
		// its URL) fails: the web tests are not silently dropped.
		if (process.argv.length > 3)
			check("web_url_given", /^http:\/\//.test(process.argv[3]), JSON.stringify(process.argv[3]));
		if (process.argv[3])
			await webTests(page, process.argv[3]).catch((e) => check("web_tests", false, e.message.split("\n")[0]));
		if (process.argv.length > 4)
			check("web_heap_url_given", /^http:\/\//.test(process.argv[4]), JSON.stringify(process.argv[4]));
		if (process.argv[4])
			await webViewsTests(page, process.argv[4]).catch((e) => check("web_views_tests", false, e.message.split("\n")[0]));
		check("no_page_errors", errors.length === 0, errors.join(" | "));
	} finally {
		await browser.close();
		fs.rmSync(ud, { recursive: true, force: true });
	}
	process.exit(failed ? 1 : 0);
})();
