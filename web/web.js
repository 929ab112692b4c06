// web.js — behaviour shared by every cprof web page (embedded by
// web/embed.sh; src/cli/cmd_web.c writes the markup): menus, theme, the one
// search box, REFINE from it, saved configurations, the function menu that
// links every view for one function, and the graph's pan/zoom.
"use strict";
(function () {
var $ = function (s, r) { return (r || document).querySelector(s); };
var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
var nav = $("#cprofnav"), form = $("#cprofnav form"), search = $("#cprofnav input[name=p]");
var view = document.body.getAttribute("data-view") || "/";

// ---- menus: one open at a time; a click elsewhere or Escape closes them ----
function closeMenus(except) { $$("details.menu[open]").forEach(function (d) { if (d !== except) d.open = false; }); }
$$("details.menu").forEach(function (d) { d.addEventListener("toggle", function () { if (d.open) closeMenus(d); }); });
document.addEventListener("click", function (e) {
	if (!e.target.closest("details.menu")) closeMenus(null);
	if (!e.target.closest("#fnmenu")) hideFn();
});
document.addEventListener("keydown", function (e) {
	if (e.key === "Escape") { closeMenus(null); hideFn(); }
	var t = e.target.tagName;
	if (e.key === "/" && t !== "INPUT" && t !== "SELECT" && t !== "TEXTAREA") { e.preventDefault(); search.focus(); search.select(); }
});

// ---- theme: the stored choice, else the system's ----
$("#themebtn").addEventListener("click", function () {
	var dark = document.documentElement.classList.toggle("dark");
	try { localStorage.setItem("cprof-flame-theme", dark ? "dark" : "light"); } catch (x) {}
	if (window.cprofFlame) window.cprofFlame.draw();
});

// ---- the query of this page, and links that change part of it ----
var PARAMS = ["f", "i", "h", "s", "si", "p", "b"];
function query(set) {
	var q = new URLSearchParams(location.search), out = new URLSearchParams();
	PARAMS.forEach(function (k) {
		var v = set && k in set ? set[k] : q.get(k);
		if (v) out.set(k, v);
	});
	return out.toString();
}
function href(path, set) { var q = query(set); return path + (q ? "?" + q : ""); }
// A regexp matching exactly this function name.
function quote(name) { return "^" + name.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&") + "$"; }

// ---- REFINE: the search box's regexp becomes a filter of every view ----
$$("#cprofnav [data-refine]").forEach(function (b) {
	b.addEventListener("click", function () {
		var k = b.getAttribute("data-refine");
		location.href = href(view, k === "reset" ? { f: "", i: "", h: "", s: "", p: "" } : (function () { var o = { p: "" }; o[k] = search.value; return o; })());
	});
});
// The flame page keeps its search (p) in the URL as it is typed.
if (view === "/" && search) search.addEventListener("input", function () {
	try { history.replaceState(history.state, "", href(view, { p: search.value }) + location.hash); } catch (x) {}
});

// ---- CONFIG: named configurations (the query) kept in this browser ----
var CFG = "cprof-web-configs";
function configs() { try { return JSON.parse(localStorage.getItem(CFG) || "{}"); } catch (x) { return {}; } }
function saveConfigs(c) { try { localStorage.setItem(CFG, JSON.stringify(c)); } catch (x) {} }
function listConfigs() {
	var box = $("#cfglist"), c = configs(), names = Object.keys(c).sort();
	box.textContent = "";
	if (!names.length) { var n = document.createElement("div"); n.className = "hint"; n.textContent = "No saved configurations."; box.appendChild(n); }
	names.forEach(function (name) {
		var row = document.createElement("div"), a = document.createElement("a"), del = document.createElement("button");
		a.textContent = name; a.href = view + (c[name] ? "?" + c[name] : "");
		if (c[name] === query()) a.className = "cur";
		del.className = "item"; del.textContent = "\u2715"; del.title = "delete " + name; del.style.width = "auto";
		del.addEventListener("click", function (e) { e.preventDefault(); var cc = configs(); delete cc[name]; saveConfigs(cc); listConfigs(); });
		row.appendChild(a); row.appendChild(del); box.appendChild(row);
	});
}
$("#cfgsave").addEventListener("click", function () {
	var name = $("#cfgname").value.trim();
	if (!name) { $("#cfgname").focus(); return; }
	var c = configs(); c[name] = query(); saveConfigs(c); $("#cfgname").value = ""; listConfigs();
});
$("#cfgname").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); $("#cfgsave").click(); } });
listConfigs();

// ---- the function menu: this function in every view ----
var fm = document.createElement("div");
fm.id = "fnmenu"; fm.className = "drop"; fm.setAttribute("role", "menu");
document.body.appendChild(fm);
function hideFn() { fm.style.display = "none"; }
function fnMenu(name, x, y) {
	var re = quote(name), items = [
		["Flame graph (pivot)", href("/", { p: "" }) + "#pn=" + encodeURIComponent(name)],
		["Top (highlighted)", href("/top", { p: re })],
		["Graph, focused", href("/graph", { f: re, p: "" })],
		["Peek: callers and callees", href("/peek", { p: re })],
		["Source", href("/source", { p: re })],
		["Disassembly", href("/disasm", { p: re })],
		null,
		["Focus on it", href(view, { f: re, p: "" })],
		["Ignore it", href(view, { i: re, p: "" })],
		["Hide it", href(view, { h: re, p: "" })]];
	fm.textContent = "";
	var t = document.createElement("div"); t.className = "title"; t.textContent = name; fm.appendChild(t);
	items.forEach(function (it) {
		if (!it) { fm.appendChild(document.createElement("hr")); return; }
		var a = document.createElement("a"); a.textContent = it[0]; a.href = it[1]; a.setAttribute("role", "menuitem"); fm.appendChild(a);
	});
	fm.style.display = "block";
	var w = fm.offsetWidth, h = fm.offsetHeight;
	fm.style.left = Math.max(4, Math.min(x, innerWidth - w - 8)) + "px";
	fm.style.top = Math.max(4, Math.min(y, innerHeight - h - 8)) + "px";
	fm.querySelector("a").focus();
}
fm.addEventListener("keydown", function (e) {
	var as = $$("a", fm), k = as.indexOf(document.activeElement);
	if (e.key === "ArrowDown") { e.preventDefault(); as[(k + 1) % as.length].focus(); }
	if (e.key === "ArrowUp") { e.preventDefault(); as[(k - 1 + as.length) % as.length].focus(); }
});
window.cprofWeb = { fnMenu: fnMenu, quote: quote, href: href };
// Names in tables and reports open it (their href, peek, without script).
document.addEventListener("click", function (e) {
	var a = e.target.closest && e.target.closest("a.fn");
	if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
	e.preventDefault(); e.stopPropagation();
	var r = a.getBoundingClientRect();
	fnMenu(a.getAttribute("data-fn") || a.textContent, e.clientX || r.left, (e.clientY || r.bottom) + 4);
}, true);

function reOf(s) { try { return s ? new RegExp(s) : null; } catch (x) { return null; } }

// ---- peek, source, disassembly: the report's function names open the
// function menu (the text stays the CLI's, byte for byte) ----
$$("pre.report").forEach(function (pre) {
	var lines = pre.textContent.split("\n"), re = reOf(search.value), frag = document.createDocumentFragment();
	lines.forEach(function (line, k) {
		var m = /^(.*\| +)(\S.*)$/.exec(line) || /^(ROUTINE =+ )(.*?)( in .*)?$/.exec(line);
		if (m) {
			var a = document.createElement("a");
			a.className = "fn"; a.href = "#"; a.textContent = m[2];
			a.setAttribute("data-fn", m[2]);
			var span = document.createElement("span");
			if (re && /^ +\S/.test(line) && re.test(m[2]) && !/\| {3}/.test(m[1])) span.className = "hitline";
			span.appendChild(document.createTextNode(m[1])); span.appendChild(a);
			if (m[3]) span.appendChild(document.createTextNode(m[3]));
			frag.appendChild(span);
		} else {
			frag.appendChild(document.createTextNode(line));
		}
		if (k < lines.length - 1) frag.appendChild(document.createTextNode("\n"));
	});
	pre.textContent = "";
	pre.appendChild(frag);
});

// ---- top: sortable columns; the search box highlights matching rows ----
var top = $("#top");
if (top) {
	$("#top thead").addEventListener("click", function (e) {
		var th = e.target.closest("th"); if (!th) return;
		var k = +th.getAttribute("data-k"), tb = $("#top tbody"), rs = Array.prototype.slice.call(tb.rows);
		rs.sort(function (a, b) {
			if (k === 5) return a.cells[5].textContent < b.cells[5].textContent ? -1 : 1;
			return b.cells[k].getAttribute("data-v") - a.cells[k].getAttribute("data-v");
		});
		rs.forEach(function (r) { tb.appendChild(r); });
		$$("#top th").forEach(function (h) { h.classList.toggle("sorted", h === th); });
	});
	var hiTop = function () {
		var re = reOf(search.value);
		$$("#top tbody tr").forEach(function (r) { r.classList.toggle("hit", !!re && re.test(r.cells[5].textContent)); });
	};
	search.addEventListener("input", hiTop);
	hiTop();
}

// ---- graph: pan (drag), zoom (wheel, + -), fit (0), hover, click a node ----
var gb = $("#graphbox"), svg = gb && $("svg", gb);
if (svg) {
	// The graph fills the window below the bar, whatever its wrapped height.
	var gw = $("#graphwrap"), size = function () { gw.style.height = Math.max(200, innerHeight - gw.getBoundingClientRect().top) + "px"; };
	size();
	window.addEventListener("resize", size);
	svg.removeAttribute("width"); svg.removeAttribute("height");
	var vb0 = svg.viewBox.baseVal, full = [vb0.x, vb0.y, vb0.width, vb0.height], vb = full.slice();
	var setVB = function () { svg.setAttribute("viewBox", vb.join(" ")); };
	var fit = function () { vb = full.slice(); setVB(); };
	var zoom = function (f, cx, cy) {
		var r = svg.getBoundingClientRect(), s = Math.max(vb[2] / r.width, vb[3] / r.height);
		var ox = (r.width - vb[2] / s) / 2, oy = (r.height - vb[3] / s) / 2;
		var px = vb[0] + ((cx === undefined ? r.width / 2 : cx - r.left) - ox) * s, py = vb[1] + ((cy === undefined ? r.height / 2 : cy - r.top) - oy) * s;
		var w = Math.min(full[2] * 4, Math.max(20, vb[2] / f)), h = vb[3] * w / vb[2];
		vb = [px - (px - vb[0]) * w / vb[2], py - (py - vb[1]) * h / vb[3], w, h];
		setVB();
	};
	var oneToOne = function () {
		var r = svg.getBoundingClientRect(), cx = vb[0] + vb[2] / 2, cy = vb[1] + vb[3] / 2;
		vb = [cx - r.width / 2, cy - r.height / 2, r.width, r.height]; setVB();
	};
	gb.addEventListener("wheel", function (e) { e.preventDefault(); zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX, e.clientY); }, { passive: false });
	var drag = null, moved = false;
	gb.addEventListener("pointerdown", function (e) { if (e.button !== 0) return; drag = [e.clientX, e.clientY, vb[0], vb[1]]; moved = false; });
	window.addEventListener("pointermove", function (e) {
		if (!drag) return;
		var r = svg.getBoundingClientRect(), s = Math.max(vb[2] / r.width, vb[3] / r.height);
		var dx = e.clientX - drag[0], dy = e.clientY - drag[1];
		if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; gb.classList.add("drag"); }
		vb[0] = drag[2] - dx * s; vb[1] = drag[3] - dy * s; setVB();
	});
	window.addEventListener("pointerup", function () { drag = null; gb.classList.remove("drag"); });
	$("#gfit").addEventListener("click", fit);
	$("#gin").addEventListener("click", function () { zoom(1.25); });
	$("#gout").addEventListener("click", function () { zoom(0.8); });
	$("#g11").addEventListener("click", oneToOne);
	document.addEventListener("keydown", function (e) {
		var t = e.target.tagName;
		if (t === "INPUT" || t === "SELECT") return;
		if (e.key === "+" || e.key === "=") zoom(1.25);
		else if (e.key === "-") zoom(0.8);
		else if (e.key === "0") fit();
	});
	// Nodes: "N1" titles, edges "N1->N2"; the function is the link's tooltip.
	var nodes = {}, edges = [];
	$$("g.node", svg).forEach(function (g) {
		var t = $("title", g), a = $("a", g), tip = a && (a.getAttribute("xlink:title") || a.getAttribute("title")) || "";
		g.setAttribute("data-fn", tip.replace(/ \([^()]*\)$/, ""));
		if (t) nodes[t.textContent] = g;
		if (a) a.addEventListener("click", function (e) { e.preventDefault(); });
	});
	$$("g.edge", svg).forEach(function (g) {
		var t = $("title", g), m = t && /^(.*)->(.*)$/.exec(t.textContent);
		if (m) edges.push([m[1], m[2], g]);
	});
	svg.addEventListener("mouseover", function (e) {
		var g = e.target.closest("g.node");
		$$(".on", svg).forEach(function (x) { x.classList.remove("on"); });
		if (!g) { gb.classList.remove("hov"); return; }
		var id = $("title", g).textContent;
		g.classList.add("on");
		edges.forEach(function (ed) {
			if (ed[0] === id || ed[1] === id) { ed[2].classList.add("on"); (nodes[ed[0] === id ? ed[1] : ed[0]] || g).classList.add("on"); }
		});
		gb.classList.add("hov");
	});
	svg.addEventListener("click", function (e) {
		var g = e.target.closest("g.node");
		if (!g || moved) return;
		e.stopPropagation();
		var fn = g.getAttribute("data-fn");
		if (fn) fnMenu(fn, e.clientX + 4, e.clientY + 4);
	});
	var hiGraph = function () {
		var re = reOf(search.value);
		$$("g.node", svg).forEach(function (g) { g.classList.toggle("hit", !!re && re.test(g.getAttribute("data-fn"))); });
	};
	search.addEventListener("input", hiGraph);
	hiGraph();
	fit();
}
})();
