#!/bin/sh
# Parity of `cprof top` with `go tool pprof -top` (the oracle) on real Go
# runtime profiles written by tests/go/profiles.go: every header line, row
# and value must be identical, for many option combinations.
. "$CPROF_ROOT/tests/lib.sh"

if ! command -v go >/dev/null 2>&1; then
	nok report_top_go "go not installed"
	exit 1
fi
if ! (cd "$T" && go run "$CPROF_ROOT/tests/go/profiles.go" "$T") >"$T/gen.log" 2>&1; then
	nok report_top_profiles "$(tail -n 3 "$T/gen.log")"
	exit 1
fi

# same NAME PROFILE-ARGS -- OPTIONS: compare stdout, exit status and error
# message (judge, tests/lib.sh).
same() {
	name=$1; shift
	profs=""
	while [ "$1" != "--" ]; do profs="$profs $T/$1"; shift; done
	shift
	# shellcheck disable=SC2086
	go tool pprof -top "$@" $profs >"$T/want" 2>"$T/want.err"; wrc=$?
	# shellcheck disable=SC2086
	"$CPROF" top "$@" $profs >"$T/got" 2>"$T/got.err"; grc=$?
	judge "$name" $wrc $grc
}

for p in cpu heap allocs block mutex goroutine threadcreate; do
	same "top_$p" $p.pb.gz --
	same "top_${p}_cum" $p.pb.gz -- -cum
	same "top_${p}_nodecount" $p.pb.gz -- -nodecount=5
done

same top_cpu_lines cpu.pb.gz -- -lines
same top_cpu_files cpu.pb.gz -- -files
same top_cpu_addresses cpu.pb.gz -- -addresses -nodecount=20
same top_cpu_filefunctions cpu.pb.gz -- -filefunctions
same top_cpu_noinlines cpu.pb.gz -- -noinlines
same top_cpu_lines_noinlines cpu.pb.gz -- -lines -noinlines
same top_cpu_focus cpu.pb.gz -- -focus=main.cpuB
same top_cpu_focus_file cpu.pb.gz -- -focus=zsortinterface
same top_cpu_ignore cpu.pb.gz -- -ignore=sort
same top_cpu_focus_ignore cpu.pb.gz -- -focus=main -ignore=fib
same top_cpu_hide cpu.pb.gz -- -hide=runtime
same top_cpu_show cpu.pb.gz -- -show=main
same top_cpu_show_from cpu.pb.gz -- -show_from=main.cpuB
same top_cpu_tagfocus cpu.pb.gz -- -tagfocus=worker=a
same top_cpu_tagfocus_nokey cpu.pb.gz -- -tagfocus=b
same top_cpu_tagignore cpu.pb.gz -- -tagignore=worker=b
same top_cpu_unit_ms cpu.pb.gz -- -unit=ms
same top_cpu_nodefraction0 cpu.pb.gz -- -nodefraction=0
same top_cpu_relative cpu.pb.gz -- -relative_percentages -focus=sort
same top_cpu_notrim cpu.pb.gz -- -trim=false
same top_cpu_sample_index0 cpu.pb.gz -- -sample_index=0
same top_cpu_sample_index_name cpu.pb.gz -- -sample_index=samples -cum
same top_cpu_divide_by cpu.pb.gz -- -divide_by=3
same top_cpu_bad_sample_index cpu.pb.gz -- -sample_index=bogus
same top_cpu_merged2 cpu.pb.gz cpu.pb.gz --
same top_heap_inuse_objects heap.pb.gz -- -inuse_objects
same top_heap_alloc_space heap.pb.gz -- -alloc_space
same top_heap_alloc_objects heap.pb.gz -- -alloc_objects -cum
same top_heap_sample_index1 heap.pb.gz -- -sample_index=1
same top_heap_unit_kb heap.pb.gz -- -unit=kb
same top_heap_mean heap.pb.gz -- -mean -sample_index=alloc_space
same top_heap_tagfocus_range heap.pb.gz -- -tagfocus=64kb: -sample_index=alloc_space
same top_heap_tagignore_range heap.pb.gz -- -tagignore=:4kb -sample_index=alloc_objects
same top_heap_base heap.pb.gz -- -base="$T/heap0.pb.gz"
same top_heap_base_alloc heap.pb.gz -- -base="$T/heap0.pb.gz" -alloc_space
same top_heap_diff_base heap.pb.gz -- -diff_base="$T/heap0.pb.gz"
same top_heap_diff_base_cum heap.pb.gz -- -diff_base="$T/heap0.pb.gz" -cum -inuse_objects
# A heap profile whose duplicate samples round differently when normalised
# one by one than merged first (pprof merges a single source first).
cp "$CPROF_ROOT/tests/fixtures/profiles/go-heap-dup.pb.gz" "$CPROF_ROOT/tests/fixtures/profiles/go-heap-dup-base.pb.gz" "$T/"
same top_heap_dup_normalize go-heap-dup.pb.gz -- -diff_base="$T/go-heap-dup-base.pb.gz" -normalize -alloc_space
same top_heap_dup_mean go-heap-dup.pb.gz -- -mean -sample_index=alloc_space
same top_allocs_heap_merged allocs.pb.gz heap.pb.gz --
same top_heap_base_normalize heap.pb.gz -- -base="$T/heap0.pb.gz" -normalize
same top_heap_diff_base_normalize heap.pb.gz -- -diff_base="$T/heap0.pb.gz" -normalize -alloc_space
same top_cpu_prune_from cpu.pb.gz -- -prune_from=sort.Sort
same top_cpu_tagroot cpu.pb.gz -- -tagroot=worker
same top_heap_tagleaf heap.pb.gz -- -tagleaf=bytes -lines
same top_cpu_tagroot_missing cpu.pb.gz -- -tagroot=worker,nokey -cum
same top_cpu_prune_from_cum cpu.pb.gz -- -prune_from=main.cpu -cum
same top_block_contentions block.pb.gz -- -contentions
same top_block_mean_delay block.pb.gz -- -mean_delay
same top_block_total_delay block.pb.gz -- -total_delay -lines
same top_mutex_lines mutex.pb.gz -- -lines

# Checked-in fixtures (Go debug=1 text, gperftools CPU and heap profiles
# converted on read; drop_frames applied).  Symbolization is left out: pprof
# uses addr2line/nm, cprof libdw, and they name libc frames differently.
F=$CPROF_ROOT/tests/fixtures/profiles
for f in go-cpu.pb.gz go-heap-debug1.txt go-goroutine-debug1.txt gperftools-cpu.prof gperftools-heap.heap; do
	[ -f "$F/$f" ] || { nok "fixture_$f" "missing"; continue; }
	for c in top traces tree; do
		go tool pprof -$c -symbolize=none "$F/$f" >"$T/want" 2>"$T/want.err"; wrc=$?
		"$CPROF" $c -symbolize=none "$F/$f" >"$T/got" 2>"$T/got.err"; grc=$?
		judge "fixture_${c}_$f" $wrc $grc
	done
done

# Profiles cprof itself writes (cprof record on a C program).
if [ -f "$LIB" ] && cc_prog "$T/cpu_split" cpu_split.c 2>"$T/cc.err"; then
	if (cd "$T" && LD_PRELOAD="$SAN_PRELOAD" "$CPROF" record -o "$T/crec.pb.gz" -- "$T/cpu_split" 600) >/dev/null 2>"$T/rec.err"; then
		for c in top tree traces; do
			for o in "" -lines; do
				go tool pprof -$c $o "$T/crec.pb.gz" >"$T/want" 2>/dev/null
				"$CPROF" $c $o "$T/crec.pb.gz" >"$T/got" 2>"$T/got.err"
				if cmp -s "$T/want" "$T/got"; then ok "cprof_record_$c$o"; else
					nok "cprof_record_$c$o" "$(diff "$T/want" "$T/got" | head -n 4 | tr '\n' '|')"; fi
			done
		done
		# disasm: objdump of burn() annotated; its samples are all there.
		if command -v objdump >/dev/null 2>&1; then
			"$CPROF" disasm -unit=ms burn "$T/crec.pb.gz" >"$T/dis" 2>"$T/dis.err"
			check disasm_routine grep -q '^ROUTINE ======================== burn$' "$T/dis"
			check disasm_annotated grep -Eq '^ +[0-9.]+m?s +[0-9.]+m?s +[0-9a-f]+: ' "$T/dis"
			want=$("$CPROF" peek -unit=ms '^burn$' "$T/crec.pb.gz" | awk '/\| burn$/ { print $4 }')
			got=$(awk '/\(flat, cum\)/ { print $2; exit }' "$T/dis")
			if [ -n "$want" ] && [ "$want" = "$got" ]; then ok disasm_cum_matches_peek; else
				nok disasm_cum_matches_peek "disasm cum '$got', peek cum '$want'"; fi
		else
			for n in disasm_routine disasm_annotated disasm_cum_matches_peek; do
				skip $n "no objdump (Debian binutils)"; done
		fi
	else
		nok cprof_record "$(tail -n 2 "$T/rec.err")"
	fi
fi
