// flame_svg.js — interactivity of cprof's SVG flame graphs (src/report/flame.c
// writes the frames; web/embed.sh embeds this file in the C sources).
// The generator defines `fg` before this script: {inverted, fontsize,
// fontwidth, xpad, frameh}.
//
// Frames are <g><title>NAME (VALUE, PCT)</title><rect/><text/>?</g> in
// document preorder inside <g id="frames">.  Handlers are delegated (one per
// event type), original geometry is read once per frame and kept in
// properties, labels are fitted arithmetically (monospace), never measured.
"use strict";
var svgns = "http://www.w3.org/2000/svg";
var frames, details, searchbtn, icbtn, unzoombtn, matchedtxt, svgw;
var ignorecase = false, currentSearch = null, zoomed = null;
var FUDGE = 0.006; // coordinates carry 2 decimals

function init(evt) {
	frames = document.getElementById("frames");
	details = document.getElementById("details").firstChild;
	searchbtn = document.getElementById("search");
	icbtn = document.getElementById("ignorecase");
	unzoombtn = document.getElementById("unzoom");
	matchedtxt = document.getElementById("matched");
	svgw = parseFloat(document.documentElement.getAttribute("width"));
	var params = {};
	try {
		new URLSearchParams(window.location.search).forEach(function (v, k) { params[k] = v; });
	} catch (e) { /* no URL (embedded viewer) */ }
	if (params.x !== undefined && params.y !== undefined) {
		var x = parseFloat(params.x), y = parseFloat(params.y);
		var el = frames.children;
		for (var i = 0; i < el.length; i++) {
			var e = info(el[i]);
			if (Math.abs(e._x - x) < FUDGE && Math.abs(e._y - y) < FUDGE) {
				zoom(e);
				break;
			}
		}
	}
	if (params.s) search(params.s);
}

// The <g> of a frame containing node, or null.
function frameOf(node) {
	while (node && node.parentNode !== frames) {
		node = node.parentNode;
		if (!node || node === document) return null;
	}
	return node && node.parentNode === frames ? node : null;
}

// Original geometry of a frame, read once.
function info(g) {
	if (g._r === undefined) {
		var r = g.childNodes[1];
		g._r = r;
		g._x = parseFloat(r.getAttribute("x"));
		g._w = parseFloat(r.getAttribute("width"));
		g._y = parseFloat(r.getAttribute("y"));
		g._t = g.childNodes[2] || null;
	}
	return g;
}

function titleOf(g) { return g.firstChild.textContent; }
// The function name: the title without its trailing " (value, pct...)".
function nameOf(g) {
	if (g._n === undefined) g._n = titleOf(g).replace(/ \([^(]*\)$/, "");
	return g._n;
}

function fitText(g, x, w) {
	var chars = Math.floor((w - 6) / (fg.fontsize * fg.fontwidth));
	var t = g._t;
	if (chars < 3) {
		if (t) t.textContent = "";
		return;
	}
	if (!t) {
		t = document.createElementNS(svgns, "text");
		g.appendChild(t);
		g._t = t;
	}
	t.setAttribute("x", (x + 3).toFixed(2));
	t.setAttribute("y", (g._y + fg.frameh - 5).toFixed(2));
	var name = nameOf(g);
	t.textContent = name.length <= chars ? name : name.substring(0, chars - 2) + "..";
}

function place(g, x, w) {
	g._r.setAttribute("x", x.toFixed(2));
	g._r.setAttribute("width", w.toFixed(2));
	fitText(g, x, w);
	g._moved = true;
}

function zoom(node) {
	info(node);
	var xmin = node._x, xmax = xmin + node._w, ymin = node._y;
	var ratio = (svgw - 2 * fg.xpad) / node._w;
	unzoombtn.classList.remove("hide");
	var el = frames.children;
	for (var i = 0; i < el.length; i++) {
		var e = info(el[i]);
		var x = e._x, ex = x + e._w;
		var below = fg.inverted ? e._y < ymin - FUDGE : e._y > ymin + FUDGE;
		if (below) {
			// Toward the root: ancestors stay, stretched and faded.
			if (x <= xmin + FUDGE && ex + FUDGE >= xmax) {
				e.classList.add("parent");
				e.classList.remove("hide");
				place(e, fg.xpad, svgw - 2 * fg.xpad);
			} else {
				e.classList.add("hide");
			}
		} else if (x < xmin - FUDGE || x + FUDGE >= xmax) {
			e.classList.add("hide");
		} else {
			e.classList.remove("hide");
			e.classList.remove("parent");
			place(e, (x - xmin) * ratio + fg.xpad, e._w * ratio);
		}
	}
	zoomed = node;
	saveState();
}

function unzoom() {
	unzoombtn.classList.add("hide");
	var el = frames.children;
	for (var i = 0; i < el.length; i++) {
		var e = el[i];
		e.classList.remove("parent");
		e.classList.remove("hide");
		if (e._moved) {
			place(e, e._x, e._w);
			e._moved = false;
		}
	}
	zoomed = null;
	saveState();
}

function saveState() {
	try {
		var q = [];
		if (zoomed) q.push("x=" + zoomed._x, "y=" + zoomed._y);
		if (currentSearch !== null) q.push("s=" + encodeURIComponent(currentSearch));
		history.replaceState(null, "", q.length ? "?" + q.join("&") : window.location.pathname);
	} catch (e) { /* file: URLs in some browsers */ }
}

// Highlight frames whose function matches the regexp; "Matched: x%" is the
// share of the total covered by matching frames, nested matches counted once.
function search(term) {
	var re;
	try {
		re = new RegExp(term, ignorecase ? "i" : "");
	} catch (e) {
		matchedtxt.firstChild.nodeValue = "Bad regexp: " + e.message;
		return;
	}
	currentSearch = term;
	var el = frames.children, matches = {}, maxw = 0;
	for (var i = 0; i < el.length; i++) {
		var e = info(el[i]);
		if (e._w > maxw) maxw = e._w;
		if (re.test(nameOf(e))) {
			e._r.style.fill = "rgb(230,0,230)";
			e._m = true;
			if (!(e._x in matches) || matches[e._x] < e._w) matches[e._x] = e._w;
		} else if (e._m) {
			e._r.style.fill = "";
			e._m = false;
		}
	}
	searchbtn.firstChild.nodeValue = "Reset Search";
	var xs = Object.keys(matches).map(Number).sort(function (a, b) { return a - b; });
	var count = 0, lastx = -1, lastw = 0;
	for (var k = 0; k < xs.length; k++) {
		var x = xs[k], w = matches[xs[k]];
		if (x + FUDGE >= lastx + lastw) {
			count += w;
			lastx = x;
			lastw = w;
		}
	}
	var pct = maxw > 0 ? 100 * count / maxw : 0;
	if (pct > 100) pct = 100;
	matchedtxt.firstChild.nodeValue = "Matched: " + pct.toFixed(1) + "%";
	saveState();
}

function resetSearch() {
	var el = frames.children;
	for (var i = 0; i < el.length; i++) {
		var e = el[i];
		if (e._m) {
			e._r.style.fill = "";
			e._m = false;
		}
	}
	currentSearch = null;
	searchbtn.firstChild.nodeValue = "Search";
	matchedtxt.firstChild.nodeValue = " ";
	saveState();
}

function searchPrompt() {
	if (currentSearch !== null) {
		resetSearch();
		return;
	}
	var term = prompt("Enter a search term (regexp allowed, eg: ^main)", "");
	if (term !== null && term !== "") search(term);
}

function toggleIgnorecase() {
	ignorecase = !ignorecase;
	icbtn.classList.toggle("on", ignorecase);
	if (currentSearch !== null) search(currentSearch);
}

window.addEventListener("click", function (e) {
	var g = frameOf(e.target);
	if (g) {
		if (g.classList.contains("hide")) return;
		if (g === frames.firstElementChild && zoomed) unzoom();
		else zoom(g);
		return;
	}
	var id = e.target.id;
	if (id === "unzoom") unzoom();
	else if (id === "search") searchPrompt();
	else if (id === "ignorecase") toggleIgnorecase();
}, false);

window.addEventListener("mouseover", function (e) {
	var g = frameOf(e.target);
	if (g) details.nodeValue = "Function: " + titleOf(g);
}, false);

window.addEventListener("mouseout", function (e) {
	if (frameOf(e.target)) details.nodeValue = " ";
}, false);

window.addEventListener("keydown", function (e) {
	if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) { // F3, Ctrl-F
		e.preventDefault();
		searchPrompt();
	} else if (e.ctrlKey && e.keyCode === 73) { // Ctrl-I
		e.preventDefault();
		toggleIgnorecase();
	} else if (e.key === "Escape") {
		if (currentSearch !== null) resetSearch();
		if (zoomed) unzoom();
	}
}, false);
