# zsh -f tests/progs/zsh_complete.zsh FPATH_DIR LINE: the matches zsh's completion
# offers for LINE (typed, then Tab) in an interactive zsh whose fpath starts
# with FPATH_DIR, one a line, sorted (tests/integration/man_completion.sh).
# compadd is wrapped to record what the completion functions add.
zmodload zsh/zpty || exit 1
fdir=$1 line=$2
out=$(mktemp "${TMPDIR:-/tmp}/zcomp.XXXXXX") || exit 1
zpty z zsh -f -i
zpty -w z "fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -D; PROMPT=''"
zpty -w z "compadd() { local -a __h; builtin compadd -O __h \"\$@\"; print -l -- \$__h >>${(q)out}; builtin compadd \"\$@\"; }"
zpty -w -n z "$line"$'\t'
# zle drops a completion while more input is pending: wait for its matches
# (every line the test asks about has some) before typing on.
for i in {1..100}; do
	[[ -s $out ]] && break
	sleep 0.1
done
sleep 0.3
zpty -w z $'\C-u'"print __DONE__"
zpty -r -m z x '*__DONE__*'
zpty -d z
sort -u -- $out | sed '/^$/d'
rm -f -- $out
