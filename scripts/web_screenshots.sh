#!/bin/sh
# web_screenshots.sh — the screenshots of docs/WEB.md: cprof web on the test
# fixture go-cpu.pb.gz in headless Chromium (tests/browser's playwright-core),
# written to docs/img/web-*.png (small: 1000x560, palette-free PNG).
#
#   sh scripts/web_screenshots.sh          (B=build-dir, default build)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
OUT=$ROOT/docs/img
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cprof-shots.XXXXXX")
"$ROOT/$B/cprof" web "$ROOT/tests/fixtures/profiles/go-cpu.pb.gz" >"$TMP/out" 2>"$TMP/err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
while [ $i -lt 300 ] && ! grep -q '^Serving web UI on ' "$TMP/out"; do sleep 0.1; i=$((i + 1)); done
U=$(sed -n 's/^Serving web UI on //p' "$TMP/out")
[ -n "$U" ] || { echo "web_screenshots: cprof web printed no URL: $(cat "$TMP/err")" >&2; exit 1; }
cd "$ROOT/tests/browser"
node - "$U" "$OUT" <<'JS'
const { chromium } = require("playwright-core");
const [url, out] = process.argv.slice(2);
(async () => {
	const b = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
	const shot = async (theme, go, file) => {
		const ctx = await b.newContext({ viewport: { width: 1000, height: 560 }, colorScheme: theme });
		const page = await ctx.newPage();
		await go(page);
		await page.screenshot({ path: out + "/" + file });
		await ctx.close();
	};
	// The flame graph, pivoted on a function, with its function menu open.
	await shot("light", async (p) => {
		await p.goto(url + "#pn=crypto%2Fsha256.block");
		await p.waitForFunction(() => window.cprofFlame && document.querySelector("#rows tr"));
		const r = await p.evaluate(() => window.cprofFlame.rects().find((x) => x.w > 200 && x.y > 40));
		const c = await p.locator("#c").boundingBox();
		await p.mouse.click(c.x + r.x + 40, c.y + r.y + 8, { button: "right" });
	}, "web-flame.png");
	// The graph, dark, focused, a node hovered.
	await shot("dark", async (p) => {
		await p.goto(url + "graph?f=sha256");
		await p.locator("#graphbox g.node", { hasText: "hashLoop" }).first().hover();
	}, "web-graph-dark.png");
	await b.close();
})().catch((e) => { console.error("web_screenshots: " + e.message); process.exit(1); });
JS
ls -l "$OUT"/web-*.png
