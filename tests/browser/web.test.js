// web.test.js — cprof web's pages in headless Chromium, against expectations
// written down here (no golden images: fonts differ between machines):
//
//  * every view, at 900 and 1600 px, light and dark: every text passes WCAG
//    AA contrast (4.5:1, 3:1 for large text) with its background computed
//    from the CSS colours; identifiers are monospace and not underlined;
//    names are not cut (no clipped cell); the page is no wider than the
//    window; the nav bar has the menus VIEW SAMPLE REFINE CONFIG DOWNLOAD
//    and one search box is visible;
//  * clicks and keys: the function menu from the top table, the graph and
//    the flame graph leads to peek/source/disassembly/graph of that function;
//    REFINE turns the search box into a filter shown as a chip; CONFIG saves
//    and reloads a named configuration; the flame page's pivot is visible and
//    clearable, its splitter resizes the table (and is remembered); the
//    graph zooms, pans, fits and highlights a hovered node's edges; "/"
//    focuses the search box, Escape closes menus; the theme button;
//  * errors: /top?si=bogus is a 400 page with the CLI's message;
//  * the flame canvas truncates with "…", the dropped share is formatted.
// A console error or page error fails the test (expected 400s excepted).
// Screenshots go to DIR.  Prints "ok NAME" / "not ok NAME".
//
//   node web.test.js DIR URL     (URL: cprof web on go-cpu.pb.gz)
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");
const fs = require("fs");
const os = require("os");

const [dir, url] = process.argv.slice(2);
let failed = 0;
function check(name, cond, why) {
	if (cond) console.log("ok " + name);
	else { failed++; console.log("not ok " + name + (why !== undefined ? ": " + String(why).slice(0, 400) : "")); }
}

// In the page: every visible text's contrast ratio against the colour
// behind it (ancestors' backgrounds composited), the worst ones first.
function contrastProblems() {
	function parse(c) {
		const m = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(c);
		return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : [0, 0, 0, 0];
	}
	function lum(c) {
		const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
	}
	function over(top, under) { const a = top[3]; return [0, 1, 2].map((k) => top[k] * a + under[k] * (1 - a)).concat([1]); }
	function background(el) {
		const layers = [];
		for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
			const b = parse(getComputedStyle(e).backgroundColor);
			if (b[3] > 0) { layers.push(b); if (b[3] >= 1) break; }
		}
		let c = [255, 255, 255, 1]; // the canvas of a page without a background
		for (let k = layers.length - 1; k >= 0; k--) c = over(layers[k], c);
		return c;
	}
	const out = [];
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	const seen = new Set();
	for (let n = walker.nextNode(); n; n = walker.nextNode()) {
		const el = n.parentElement;
		if (!n.textContent.trim() || seen.has(el) || el.closest("svg,script,style,option,#tip")) continue;
		seen.add(el);
		const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
		if (!r.width || !r.height || cs.visibility === "hidden" || !el.checkVisibility()) continue;
		const fg = parse(cs.color), bg = background(el), f = over(fg, bg);
		const l1 = lum(f), l2 = lum(bg), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
		const px = parseFloat(cs.fontSize), large = px >= 24 || (px >= 18.66 && +cs.fontWeight >= 700);
		if (ratio < (large ? 3 : 4.5))
			out.push(ratio.toFixed(2) + " " + el.tagName + "#" + el.id + "." + el.className + " '" + n.textContent.trim().slice(0, 20) + "' " + cs.color + " on " + bg.join(","));
	}
	// Inputs' own text (their value) too.
	document.querySelectorAll("input,select,button").forEach((el) => {
		if (!el.checkVisibility() || !el.getBoundingClientRect().width) return;
		const cs = getComputedStyle(el), fg = parse(cs.color), bg = background(el), f = over(fg, bg);
		const l1 = lum(f), l2 = lum(bg), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
		if (ratio < 4.5) out.push(ratio.toFixed(2) + " " + el.tagName + "#" + el.id + " " + cs.color + " on " + bg.join(","));
	});
	return out;
}

const views = [
	["flame", ""], ["top", "top"], ["graph", "graph"], ["peek", "peek?p=hashLoop"],
	["source", "source?p=hashLoop"], ["disasm", "disasm"], ["error", "top?si=bogus"],
];

async function layoutTests(browser) {
	for (const width of [900, 1600]) for (const theme of ["light", "dark"]) {
		const ctx = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: theme });
		const page = await ctx.newPage();
		const errors = [];
		page.on("console", (m) => { if (m.type() === "error") errors.push(page.url() + ": " + m.text()); });
		page.on("pageerror", (e) => errors.push(String(e)));
		for (const [name, rel] of views) {
			const tag = name + "_" + width + "_" + theme;
			const resp = await page.goto(url + rel);
			if (name === "flame") await page.waitForFunction(() => window.cprofFlame && document.querySelector("#rows tr"));
			check("web_status_" + tag, resp.status() === (name === "error" ? 400 : 200), resp.status());
			check("web_theme_" + tag, (await page.evaluate(() => document.documentElement.classList.contains("dark"))) === (theme === "dark"));
			const bad = await page.evaluate(contrastProblems);
			check("web_contrast_" + tag, bad.length === 0, bad.slice(0, 4).join(" | "));
			const menus = await page.locator("#cprofnav summary, #cprofnav .lbl").allTextContents();
			check("web_menus_" + tag, ["VIEW", "SAMPLE", "REFINE", "CONFIG", "DOWNLOAD"].every((m) => menus.includes(m)), menus.join(","));
			const boxes = await page.locator("input:visible").count();
			check("web_one_search_box_" + tag, boxes === 1, boxes);
			const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
			check("web_no_hscroll_" + tag, wide <= 0, wide);
			if (name === "top" || name === "flame") {
				// Names: monospace, no underline, never clipped.
				const sel = name === "top" ? "#top a.fn" : "#rows td.name";
				const st = await page.locator(sel).evaluateAll((es) => es.slice(0, 200).map((e) => {
					const cs = getComputedStyle(e);
					return [e.textContent, cs.textDecorationLine, cs.fontFamily, e.scrollWidth - e.clientWidth];
				}));
				check("web_names_" + tag, st.length > 10 && st.every((x) => x[1] === "none" && /mono/i.test(x[2])), JSON.stringify(st.find((x) => x[1] !== "none" || !/mono/i.test(x[2]))));
				check("web_names_uncut_" + tag, st.every((x) => x[3] <= 1), JSON.stringify(st.filter((x) => x[3] > 1).slice(0, 3)));
			}
			if (name === "error") {
				const msg = await page.locator(".error").textContent();
				check("web_error_words_" + tag, msg === 'cprof: sample_index "bogus" must be one of: [samples cpu]', msg);
				errors.splice(0, errors.length, ...errors.filter((e) => !/status of 400/.test(e)));
			}
			await page.screenshot({ path: path.join(dir, `web-${name}-${width}-${theme}.png`) });
		}
		check("web_no_console_errors_" + width + "_" + theme, errors.length === 0, errors.join(" | "));
		await ctx.close();
	}
}

async function interactionTests(browser) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
	const page = await ctx.newPage();
	const errors = [];
	page.on("console", (m) => { if (m.type() === "error") errors.push(page.url() + ": " + m.text()); });
	page.on("pageerror", (e) => errors.push(String(e)));
	// The canvas's texts and the dropped share, formatted (the data's raw
	// float is set here as the 200 k-stack profile has it).
	await page.addInitScript(() => {
		window.__texts = [];
		const ft = CanvasRenderingContext2D.prototype.fillText;
		CanvasRenderingContext2D.prototype.fillText = function (s, x, y) { window.__texts.push(String(s)); return ft.call(this, s, x, y); };
		const jp = JSON.parse;
		JSON.parse = function (s) { const o = jp(s), p = sessionStorage.getItem("pruned"); if (o && o.pruned !== undefined && p) o.pruned = +p; return o; };
	});
	await page.goto(url);
	await page.waitForFunction(() => window.cprofFlame && document.querySelector("#rows tr"));
	const texts = await page.evaluate(() => window.__texts);
	check("web_flame_ellipsis", texts.some((t) => t.endsWith("\u2026")) && !texts.some((t) => /\.\.$/.test(t)), texts.filter((t) => /\.\.|\u2026/.test(t)).slice(0, 5).join(","));
	await page.evaluate(() => sessionStorage.setItem("pruned", "0.000015999999999999999"));
	await page.reload();
	await page.waitForFunction(() => window.cprofFlame);
	const sub = await page.locator("#subtitle").textContent();
	check("web_flame_pruned_formatted", /frames under 0\.0016% dropped$/.test(sub), sub);
	await page.evaluate(() => sessionStorage.removeItem("pruned"));
	// Pivot from the table: visible, then cleared by its ✕.
	await page.locator("#rows tr", { hasText: "crypto/sha256.block" }).first().click();
	const piv = page.locator("#state-pivot");
	check("web_flame_pivot_visible", (await piv.isVisible()) && /crypto\/sha256\.block/.test(await piv.textContent()), await page.locator("#state").textContent());
	await piv.locator("button").click();
	check("web_flame_pivot_cleared", (await page.locator("#state-pivot").count()) === 0);
	// Zoom state by clicking a frame.
	const r = await page.evaluate(() => window.cprofFlame.rects().find((b) => b.node > 0 && b.w > 100));
	const box = await page.locator("#c").boundingBox();
	await page.mouse.click(box.x + r.x + 5, box.y + r.y + 5);
	check("web_flame_zoom_visible", await page.locator("#state-zoom").isVisible());
	// Right click: the function's views.
	await page.mouse.click(box.x + r.x + 5, box.y + r.y + 5, { button: "right" });
	const fm = page.locator("#fnmenu");
	const links = await fm.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
	check("web_flame_fnmenu", (await fm.isVisible()) && links.some((h) => /^\/source\?.*p=%5E/.test(h)) && links.some((h) => /^\/disasm\?/.test(h)) && links.some((h) => /^\/peek\?/.test(h)), links.join(" "));
	await page.keyboard.press("Escape");
	check("web_fnmenu_escape", !(await fm.isVisible()));
	// One search box: "/" focuses it; typing highlights and goes in the URL.
	await page.keyboard.press("Escape");
	await page.locator("#c").click({ position: { x: 2, y: 2 } }).catch(() => {});
	await page.keyboard.press("Escape");
	await page.locator("body").click({ position: { x: 5, y: 790 } });
	await page.keyboard.press("/");
	check("web_slash_focuses_search", await page.evaluate(() => document.activeElement && document.activeElement.name === "p"));
	await page.keyboard.type("sha256");
	await page.waitForFunction(() => /[?&]p=sha256/.test(location.search) && /Matched/.test(document.getElementById("matched").textContent));
	check("web_flame_search", /^Matched: [1-9]/.test(await page.locator("#matched").textContent()), await page.locator("#matched").textContent());
	// Splitter: drag right by 200 px; remembered after a reload.
	const w0 = (await page.locator("#table").boundingBox()).width, sp = await page.locator("#split").boundingBox();
	await page.mouse.move(sp.x + 3, sp.y + 100);
	await page.mouse.down();
	await page.mouse.move(sp.x + 103, sp.y + 100, { steps: 4 });
	await page.mouse.move(sp.x + 203, sp.y + 100, { steps: 4 });
	await page.mouse.up();
	const w1 = (await page.locator("#table").boundingBox()).width;
	check("web_splitter_drag", Math.abs(w1 - w0 - 200) < 8, w0 + " -> " + w1);
	await page.reload();
	await page.waitForFunction(() => window.cprofFlame);
	const w2 = (await page.locator("#table").boundingBox()).width;
	check("web_splitter_kept", Math.abs(w2 - w1) < 2, w1 + " then " + w2);
	await page.locator("#split").focus();
	await page.keyboard.press("ArrowLeft");
	const w3 = (await page.locator("#table").boundingBox()).width;
	check("web_splitter_keys", Math.abs(w2 - 24 - w3) < 2, w2 + " -> " + w3);
	await page.screenshot({ path: path.join(dir, "web-flame-interactive.png") });
	await page.evaluate(() => localStorage.removeItem("cprof-flame-split"));
	// Top: a name opens the menu; Peek of that function.
	await page.goto(url + "top");
	await page.locator("#top a.fn", { hasText: /^main\.hashLoop$/ }).click();
	check("web_top_fnmenu", (await fm.locator(".title").textContent()) === "main.hashLoop");
	check("web_fnmenu_focus_first", await page.evaluate(() => document.activeElement.closest("#fnmenu") !== null));
	await page.keyboard.press("ArrowDown");
	await page.keyboard.press("ArrowDown");
	await page.keyboard.press("ArrowDown");
	const focused = await page.evaluate(() => document.activeElement.textContent);
	check("web_fnmenu_keys", focused === "Peek: callers and callees", focused);
	await Promise.all([page.waitForURL(/\/peek\?/), page.keyboard.press("Enter")]);
	const peek = await page.locator("pre").textContent();
	check("web_peek_of_function", /\| main\.hashLoop$/m.test(peek) && !/\| main\.main$/m.test(peek), peek.slice(0, 200));
	// Peek's names (its text unchanged) open the same menu.
	await page.locator("pre.report a.fn", { hasText: /^main\.work$/ }).first().click();
	check("web_peek_names_menu", (await fm.isVisible()) && (await fm.locator(".title").textContent()) === "main.work");
	await page.keyboard.press("Escape");
	// REFINE from the search box; the chip removes it.
	await page.goto(url + "top");
	await page.locator("#cprofnav input[name=p]").fill("sha256");
	const hits = await page.locator("#top tr.hit").count();
	check("web_top_search_highlight", hits >= 4, hits);
	await page.locator("#m-refine summary").click();
	await Promise.all([page.waitForURL(/[?&]f=sha256/), page.locator("[data-refine=f]").click()]);
	check("web_refine_focus", /Active filters:\s+focus=sha256/.test(await page.locator("pre").first().textContent()));
	const chip = page.locator(".chip", { hasText: "focus" });
	check("web_refine_chip", await chip.isVisible());
	// CONFIG: save this, go elsewhere, load it.
	await page.locator("#m-config summary").click();
	await page.locator("#cfgname").fill("sha only");
	await page.locator("#cfgsave").click();
	await Promise.all([page.waitForURL((u) => !/f=/.test(u.search) && /\/top$/.test(u.pathname)), chip.locator("a").click()]);
	await page.locator("#m-config summary").click();
	await Promise.all([page.waitForURL(/f=sha256/), page.locator("#cfglist a", { hasText: "sha only" }).click()]);
	check("web_config_load", /f=sha256/.test(page.url()), page.url());
	// DOWNLOAD keeps the filters.
	const dl = await page.locator("#dlproto").getAttribute("href");
	check("web_download_link", /^\/download\?f=sha256/.test(dl), dl);
	// VIEW menu: the same state in another view.
	await page.locator("#m-view summary").click();
	await Promise.all([page.waitForURL(/\/graph\?f=sha256/), page.locator("#m-view a", { hasText: /^Graph$/ }).click()]);
	// Graph: fit, zoom (wheel and keys), pan, hover, click.
	const vb = () => page.locator("#graphbox svg").getAttribute("viewBox");
	const v0 = await vb();
	const gbx = await page.locator("#graphbox").boundingBox();
	await page.mouse.move(gbx.x + gbx.width / 2, gbx.y + gbx.height / 2);
	await page.mouse.wheel(0, -300);
	const v1 = await vb();
	check("web_graph_wheel_zoom", v1 !== v0 && parseFloat(v1.split(" ")[2]) < parseFloat(v0.split(" ")[2]), v0 + " -> " + v1);
	await page.mouse.down();
	await page.mouse.move(gbx.x + gbx.width / 2 + 80, gbx.y + gbx.height / 2 + 40, { steps: 4 });
	await page.mouse.up();
	const v2 = await vb();
	check("web_graph_pan", v2.split(" ")[0] !== v1.split(" ")[0] && v2.split(" ")[2] === v1.split(" ")[2], v1 + " -> " + v2);
	await page.locator("#gfit").click();
	check("web_graph_fit", (await vb()) === v0, await vb());
	const all = await page.evaluate(() => { const s = document.querySelector("#graphbox svg").getBoundingClientRect(), n = Array.from(document.querySelectorAll("#graphbox g.node")).map((g) => g.getBoundingClientRect()); return n.every((r) => r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1) && n.length > 2; });
	check("web_graph_fit_all_nodes_visible", all);
	await page.locator("body").press("-");
	check("web_graph_key_zoom", (await vb()) !== v0);
	await page.locator("#gfit").click();
	const node = page.locator("#graphbox g.node", { hasText: "hashLoop" }).first();
	await node.hover();
	const on = await page.locator("#graphbox g.edge.on").count();
	check("web_graph_hover_edges", on >= 2, on);
	await node.click();
	check("web_graph_node_menu", (await fm.isVisible()) && (await fm.locator(".title").textContent()) === "main.hashLoop", await fm.locator(".title").textContent());
	await page.screenshot({ path: path.join(dir, "web-graph-menu.png") });
	await Promise.all([page.waitForURL(/\/source\?/), fm.locator("a", { hasText: "Source" }).click()]);
	check("web_source_of_function", /ROUTINE =+ main\.hashLoop/.test(await page.locator("pre").textContent()));
	// Theme button: toggles, and is remembered.
	await page.locator("#themebtn").click();
	check("web_theme_toggle", await page.evaluate(() => document.documentElement.classList.contains("dark")));
	await page.reload();
	check("web_theme_kept", await page.evaluate(() => document.documentElement.classList.contains("dark")));
	const bad = await page.evaluate(contrastProblems);
	check("web_contrast_toggled_dark", bad.length === 0, bad.slice(0, 3).join(" | "));
	check("web_no_console_errors_interactive", errors.length === 0, errors.join(" | "));
	await ctx.close();
}

(async () => {
	const ud = fs.mkdtempSync(path.join(os.tmpdir(), "cprof-chromium-"));
	const browser = await chromium.launch({
		executablePath: "/usr/bin/chromium", headless: true,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
	try {
		check("web_url_given", /^http:\/\//.test(url || ""), JSON.stringify(url));
		if (url) {
			await layoutTests(browser).catch((e) => check("web_layout_tests", false, e.message.split("\n")[0]));
			await interactionTests(browser).catch((e) => check("web_interaction_tests", false, e.message.split("\n")[0]));
		}
	} finally {
		await browser.close();
		fs.rmSync(ud, { recursive: true, force: true });
	}
	process.exit(failed ? 1 : 0);
})();
