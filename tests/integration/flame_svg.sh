#!/bin/sh
# `cprof flame`: SVG flame graphs of folded stacks and of real profiles.
# Every SVG must be well-formed XML (xmllint); totals in the subtitle equal
# `cprof top`'s; names with < & " ' ; are escaped; deep stacks, pruning,
# filters, -sample_index, --inverted, --reverse, empty and bad input.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/flame_lib.sh"
FIX=$CPROF_ROOT/tests/fixtures/profiles
FF=$CPROF_ROOT/tests/fixtures/flame

if ! command -v xmllint >/dev/null 2>&1; then
	nok flame_xmllint "xmllint not installed (Debian: libxml2-utils)"
	exit 1
fi

frames() { grep -c '^<g><title>' "$1"; }
subtitle() { sed -n 's/.*<text id="subtitle"[^>]*>\(.*\)<\/text>.*/\1/p' "$1"; }
# The title of the frame named exactly NAME (escaped as in the SVG).
frame_title() { grep -o "<g><title>$2 ([^<]*</title>" "$1" | head -n 1; }

# --- folded input -------------------------------------------------------
flame folded_basic "$FF/basic.folded"
frames "$T/folded_basic.svg" | grep -qx 8 && ok folded_basic_frames ||
	nok folded_basic_frames "want 8 frames, got $(frames "$T/folded_basic.svg")"
check folded_basic_root grep -q '<title>all (20 samples, 100.00%)</title>' "$T/folded_basic.svg"
check folded_basic_pct grep -q '<title>foo (15 samples, 75.00%)</title>' "$T/folded_basic.svg"
check folded_basic_total sh -c "grep -q 'Total: 20 samples' '$T/folded_basic.svg'"
check folded_basic_script grep -q 'function zoom' "$T/folded_basic.svg"
check folded_basic_search grep -q 'id="search"' "$T/folded_basic.svg"
check folded_basic_unzoom grep -q 'id="unzoom"' "$T/folded_basic.svg"
# Children in name order, left to right from the parent's left edge.
x_bar=$(grep -o '<title>bar ([^<]*</title><rect x="[0-9.]*"' "$T/folded_basic.svg" | sed 's/.*x="//; s/"//')
x_baz=$(grep -o '<title>baz ([^<]*</title><rect x="[0-9.]*"' "$T/folded_basic.svg" | sed 's/.*x="//; s/"//')
awk -v a="$x_bar" -v b="$x_baz" 'BEGIN { exit !(a == 10 && b > a) }' && ok folded_order ||
	nok folded_order "bar at $x_bar, baz at $x_baz"

# Escaping: < & " ' in names, and the stdin source.
flame folded_escape - <"$FF/escape.folded"
check folded_escape_amp grep -q '<title>a&lt;b&gt;&amp;c (' "$T/folded_escape.svg"
check folded_escape_quote grep -q "<title>say &quot;hi&quot; &#39;x&#39; (" "$T/folded_escape.svg"
check folded_escape_space grep -q '<title>with spaces in it (' "$T/folded_escape.svg"
# Bytes that are not UTF-8 and control characters become U+FFFD.
check folded_escape_utf8 grep -q "<title>bad$(printf '\357\277\275')byte (" "$T/folded_escape.svg"
check folded_escape_ignored grep -q 'ignored 2 lines with invalid format' "$T/folded_escape.err"

# Very deep stacks: 3000 frames, every one drawn, root at the bottom.
awk 'BEGIN { s = "f0"; for (i = 1; i < 3000; i++) s = s ";f" i; print s, 7; print "f0;g 1" }' \
	>"$T/deep.folded"
flame folded_deep "$T/deep.folded"
n=$(frames "$T/folded_deep.svg")
[ "$n" = 3002 ] && ok folded_deep_frames || nok folded_deep_frames "want 3002 frames, got $n"
flame folded_deep_inverted --inverted "$T/deep.folded"

# Decimal counts (flamegraph.pl accepts them) are rounded.
printf 'a;b 1.6\na;c 2\n' >"$T/dec.folded"
flame folded_decimal "$T/dec.folded"
check folded_decimal_total grep -q 'Total: 4 samples' "$T/folded_decimal.svg"

# Zero total: a valid graph that says so, and a message.
printf 'a;b 0\n' >"$T/zero.folded"
flame folded_zero "$T/zero.folded"
check folded_zero_text grep -q 'No samples to draw' "$T/folded_zero.svg"
check folded_zero_msg grep -q 'no samples to draw' "$T/folded_zero.err"
# Nothing parseable: an error, no output.
printf 'just text\n' >"$T/bad.folded"
refuses folded_bad_fails 1 'bad.folded: parsing profile: unrecognized profile format' "$CPROF" flame "$T/bad.folded"
: >"$T/empty.folded"
refuses empty_file_fails 1 'empty.folded: parsing profile: empty input file' "$CPROF" flame "$T/empty.folded"

# Options.
flame opt_width --width 800 "$FF/basic.folded"
check opt_width_attr grep -q '<svg version="1.1" width="800"' "$T/opt_width.svg"
check opt_width_root grep -q '<title>all ([^<]*</title><rect x="10" y="[0-9.]*" width="780"' "$T/opt_width.svg"
flame opt_title --title 'T<1>' --subtitle 'S&2' "$FF/basic.folded"
check opt_title_esc grep -q '<text id="title"[^>]*>T&lt;1&gt;</text>' "$T/opt_title.svg"
check opt_subtitle_esc grep -q '<text id="subtitle"[^>]*>S&amp;2</text>' "$T/opt_title.svg"
# Pruning: 1% of 20 samples keeps everything, 20% drops the 3-sample path.
flame opt_minwidth_pct --minwidth=20% "$FF/basic.folded"
n=$(frames "$T/opt_minwidth_pct.svg")
[ "$n" = 5 ] && ok opt_minwidth_pct_frames || nok opt_minwidth_pct_frames "want 5, got $n"
flame opt_minwidth_px --minwidth 200 "$FF/basic.folded"
n=$(frames "$T/opt_minwidth_px.svg")
[ "$n" = 5 ] && ok opt_minwidth_px_frames || nok opt_minwidth_px_frames "want 5 (>= 200px), got $n"
# Inverted: the root is the top row; default: the bottom row.
y_root=$(grep -o '<title>all ([^<]*</title><rect x="10" y="[0-9.]*"' "$T/folded_basic.svg" | sed 's/.*y="//; s/"//')
flame opt_inverted --inverted "$FF/basic.folded"
y_iroot=$(grep -o '<title>all ([^<]*</title><rect x="10" y="[0-9.]*"' "$T/opt_inverted.svg" | sed 's/.*y="//; s/"//')
y_ileaf=$(grep -o '<title>bar ([^<]*</title><rect x="[0-9.]*" y="[0-9.]*"' "$T/opt_inverted.svg" | sed 's/.*y="//; s/"//')
awk -v r="$y_iroot" -v l="$y_ileaf" -v d="$y_root" 'BEGIN { exit !(r < l && d > r) }' &&
	ok opt_inverted_layout || nok opt_inverted_layout "root y $y_iroot, leaf y $y_ileaf, flame root y $y_root"
check opt_inverted_title grep -q '>Icicle Graph</text>' "$T/opt_inverted.svg"
# Reverse: leaves merge at the root (bar, baz, y and main's self are the root's children).
flame opt_reverse --reverse "$FF/basic.folded"
check opt_reverse_bar grep -q '<title>bar (10 samples, 50.00%)</title><rect x="10" y="108"' "$T/opt_reverse.svg"
check opt_reverse_main grep -q '<title>main (2 samples' "$T/opt_reverse.svg"
flame opt_colors --colors mem "$FF/basic.folded"
refuses opt_colors_bad 2 'unknown palette "nope"' "$CPROF" flame --colors nope "$FF/basic.folded"
# Same function, same colour, wherever it is.
printf 'a;x 3\nb;x 4\nc;d;x 5\n' >"$T/same.folded"
flame same_colour "$T/same.folded"
nc=$(grep -o '<title>x ([^<]*</title><rect [^>]*fill="#[0-9a-f]*"' "$T/same_colour.svg" | sed 's/.*fill=//' | sort -u | wc -l)
[ "$nc" = 1 ] && ok same_colour_x || nok same_colour_x "$nc colours for x"
# -o writes the file, nothing on stdout.
"$CPROF" flame -o "$T/o.svg" "$FF/basic.folded" >"$T/o.stdout" 2>&1 && [ -s "$T/o.svg" ] &&
	[ ! -s "$T/o.stdout" ] && xmllint --noout "$T/o.svg" && ok opt_output || nok opt_output
refuses report_format_refused 2 'do not apply to .cprof flame' "$CPROF" flame -top "$FF/basic.folded"

# --- real profiles: totals equal cprof top's, filters, sample index -------
# top_total ARGS...: the "of X total" figure of cprof top.
# (the oracle is go tool pprof's top, which cprof top equals byte for byte)
top_total() { go tool pprof -top "$@" 2>/dev/null | sed -n 's/.* of \(.*\) total$/\1/p'; }
flame_total() { subtitle "$1" | sed -n 's/.*Total: \([^ ]*\).*/\1/p'; }
# top_shown ARGS...: what the listed nodes account for, nothing trimmed.
top_shown() {
	go tool pprof -top -nodefraction=0 "$@" 2>/dev/null | sed -n 's/^Showing nodes accounting for \([^,]*\),.*/\1/p'
}
# The drawn total, and the report's total when filters dropped samples.
flame_of() { subtitle "$1" | sed -n 's/.*Total: [^ ]* ([^ ]* of \([^)]*\)).*/\1/p'; }
total_same() { # total_same NAME PROFILE ARGS...
	name=$1 prof=$2; shift 2
	flame "$name" "$@" "$prof" || return
	want=$(top_shown "$@" "$prof") got=$(flame_total "$T/$name.svg")
	[ -n "$want" ] && [ "$want" = "$got" ] && ok "${name}_total" ||
		nok "${name}_total" "top shows '$want', flame says '$got'"
	want=$(top_total "$@" "$prof") got=$(flame_of "$T/$name.svg")
	[ -z "$got" ] && got=$(flame_total "$T/$name.svg")
	[ -n "$want" ] && [ "$want" = "$got" ] && ok "${name}_of_total" ||
		nok "${name}_of_total" "top's total '$want', flame says '$got'"
}
total_same cpu "$FIX/go-cpu.pb.gz" -unit=ms
total_same cpu_s "$FIX/go-cpu.pb.gz" -unit=s
total_same cpu_samples "$FIX/go-cpu.pb.gz" -sample_index=samples
total_same heap_alloc "$FIX/go-heap.pb.gz" -sample_index=alloc_space -unit=kB
total_same heap_inuse "$FIX/go-heap.pb.gz" -sample_index=inuse_objects
total_same block "$FIX/go-block.pb.gz" -unit=ms
total_same mutex "$FIX/go-mutex.pb.gz" -sample_index=contentions
total_same cpu_focus "$FIX/go-cpu.pb.gz" -unit=ms -focus=main
total_same cpu_ignore "$FIX/go-cpu.pb.gz" -unit=ms -ignore='^runtime\.'
total_same cpu_focus_none "$FIX/go-cpu.pb.gz" -unit=ms -focus=nomatchatall
total_same gperf "$FIX/gperftools-cpu.prof" -unit=ms
# The root frame carries the total too (in the graph's own units).
check cpu_root grep -q '<title>all ([^<]*, 100.00%)</title>' "$T/cpu.svg"
check cpu_type grep -q 'Type: cpu' "$T/cpu.svg"
check cpu_duration grep -q 'Duration: ' "$T/cpu.svg"
# Palettes by profile type: CPU warm, memory greens, blocking blues (background).
check palette_cpu grep -q 'stop-color="#eeeeb0"' "$T/cpu.svg"
check palette_heap grep -q 'stop-color="#e0f5e0"' "$T/heap_alloc.svg"
check palette_block grep -q 'stop-color="#e0e8f8"' "$T/block.svg"
# -ignore removes the frames; -hide removes frames but keeps the samples.
if grep -q '<title>runtime\.' "$T/cpu_ignore.svg"; then nok cpu_ignore_frames; else ok cpu_ignore_frames; fi
check cpu_ignore_filter_shown grep -q 'ignore=^runtime' "$T/cpu_ignore.svg"
flame cpu_hide -hide='^runtime\.' "$FIX/go-cpu.pb.gz"
if grep -q '<title>runtime\.' "$T/cpu_hide.svg"; then nok cpu_hide_frames; else ok cpu_hide_frames; fi
if "$CPROF" flame -sample_index=nope "$FIX/go-cpu.pb.gz" >/dev/null 2>"$T/si.err"; then
	nok bad_sample_index "exit 0"
else
	grep -q 'sample_index' "$T/si.err" && ok bad_sample_index || nok bad_sample_index "$(cat "$T/si.err")"
fi
# Folded input of cprof's own -folded output gives the same totals.
"$CPROF" report -folded "$FIX/go-cpu.pb.gz" >"$T/cpu.folded" 2>/dev/null
flame cpu_refolded "$T/cpu.folded"
want=$("$CPROF" report -folded "$FIX/go-cpu.pb.gz" 2>/dev/null | awk '{ s += $NF } END { print s }')
check cpu_refolded_total grep -q "<title>all ($want " "$T/cpu_refolded.svg"
# --html: the subtitle's total is the selected sample type's (not the first's).
"$CPROF" flame --html -unit=kB -sample_index=alloc_space "$FIX/go-heap.pb.gz" >"$T/heap.html" 2>/dev/null
want=$(top_shown -unit=kB -sample_index=alloc_space "$FIX/go-heap.pb.gz")
check html_subtitle_total grep -q "\"subtitle\":\"Type: alloc_space[^\"]*Total: $want\"" "$T/heap.html"
check html_script_safe sh -c "! grep -q '</script>.*</script>' '$T/heap.html'"
# The page's palette: by sample type as the SVG's, or --colors.
check html_palette_auto grep -q '"palette":"mem"' "$T/heap.html"
"$CPROF" flame --html --colors io "$FF/basic.folded" >"$T/io.html"
check html_palette_colors grep -q '"palette":"io"' "$T/io.html"
# A FIFO (as bash's <(cmd) gives) is read whole, folded text or a profile:
# it cannot be sniffed and read again.
mkfifo "$T/fifo1" "$T/fifo2"
cat "$FF/basic.folded" >"$T/fifo1" &
"$CPROF" flame -o "$T/fifo1.svg" "$T/fifo1" 2>"$T/fifo1.err"
"$CPROF" flame -o "$T/file1.svg" "$FF/basic.folded"
check flame_fifo_folded cmp "$T/fifo1.svg" "$T/file1.svg"
cat "$FIX/go-cpu.pb.gz" >"$T/fifo2" &
"$CPROF" flame -o "$T/fifo2.svg" "$T/fifo2" 2>"$T/fifo2.err"
"$CPROF" flame -o "$T/file2.svg" "$FIX/go-cpu.pb.gz"
check flame_fifo_profile cmp "$T/fifo2.svg" "$T/file2.svg"
