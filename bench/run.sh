#!/bin/sh
# nerd side by side with the alternatives, in one run (issue 7).
#
# usage: bench/run.sh [--quick] [--profile] [BUILD_DIR]
#
# Builds nerd, bench_engine and (when Hyperscan is installed, or can be)
# bench/hs_scan.c; generates the corpus (bench/gen_corpus.py: news-like
# articles in ar, fr, en from ../shared/data/ntrex/, gazetteer names woven
# in) and the 1,000,000-entry synthetic gazetteer (bench/gen_million.py);
# then measures, on the same corpus and lists:
#   - nerd's engine on one core (shipped and 1M lists, with and without
#     rules, split by stage), compile time, image size, load time;
#   - the daemon end to end (1 and 2 workers, one- and two-frame input),
#     latency per article, reload time, memory per worker (RSS, PSS);
#   - the Python reference (bench/ref_python.py, pyahocorasick + re);
#   - Hyperscan's raw scan of nerd's normalized text for the same literals
#     (bench/hs_scan.c), and its compile time and memory;
#   - jansson's parse of the same articles;
#   - where the references find other mentions than nerd, on a sample;
# and prints a table of absolute figures and ratios, written also to
# bench/results.json. --quick uses a 3 MB-per-language corpus and skips the
# 1M lists in the references (for trying the script, not for figures);
# --profile adds a perf profile of the engine on the Arabic corpus.
# Inputs are kept in BUILD_DIR/bench-data and reused while their generator
# is unchanged. Environment: NERD_BENCH_MB (MB per language, default 18),
# NERD_BENCH_DAEMON_N (articles per daemon run, default 20000: about
# 60 MB, the corpus read again as needed, so that each run lasts seconds).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
quick=0
profile=0
build=
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	--profile) profile=1 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) build=$a ;;
	esac
done
build=${build:-$here/build}
mb=${NERD_BENCH_MB:-18}
dn=${NERD_BENCH_DAEMON_N:-20000}
[ $quick = 1 ] && mb=3 && dn=800
py=/usr/bin/python3
data=$build/bench-data
out=$data/out
mkdir -p "$data" "$out"
rm -f "$out"/*.jsonl "$out"/*.json "$out"/*.txt
say() { printf '\n== %s\n' "$*"; }

say "build ($build)"
[ -f "$build/CMakeCache.txt" ] || cmake -S "$here" -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" --target nerd bench_engine >/dev/null

hs=0
if ! pkg-config --exists libhs 2>/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "Hyperscan is not installed: apt-get install libhyperscan-dev"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q libhyperscan-dev >/dev/null 2>&1 ||
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q libvectorscan-dev >/dev/null 2>&1 || true
	fi
fi
if pkg-config --exists libhs 2>/dev/null; then
	cc -O2 -g -std=c11 -Wall -Wextra -D_GNU_SOURCE -I"$here/daemon" \
		"$here/bench/hs_scan.c" -o "$build/hs_scan" "$build/libnerdcore.a" \
		$(pkg-config --cflags --libs libhs libzmq libpcre2-8 jansson libutf8proc inih libsystemd) -lm
	hs=1
	echo "hs_scan built against Hyperscan $(pkg-config --modversion libhs)"
else
	echo "Hyperscan (libhyperscan-dev or libvectorscan-dev) is not installed and could not be: the Hyperscan reference is skipped"
fi
if ! $py -c 'import ahocorasick' 2>/dev/null; then
	echo "python3-ahocorasick is not installed (apt-get install python3-ahocorasick): the Python reference is skipped"
	pyref=0
else
	pyref=1
fi

say "inputs ($data)"
stamp="mb=$mb $(cat "$here/bench/gen_corpus.py" | md5sum)"
if [ ! -f "$data/corpus/stamp" ] || [ "$(cat "$data/corpus/stamp")" != "$stamp" ]; then
	rm -rf "$data/corpus"
	$py "$here/bench/gen_corpus.py" "$data/corpus" --mb-per-lang "$mb"
	echo "$stamp" > "$data/corpus/stamp"
else
	echo "corpus: reused ($(cat "$data/corpus/corpus.json" | tr -d '\n ' | cut -c1-160)...)"
fi
mstamp="$(cat "$here/bench/gen_million.py" "$here"/gazetteers/classes/*.txt | md5sum)"
if [ ! -f "$data/million/stamp" ] || [ "$(cat "$data/million/stamp")" != "$mstamp" ]; then
	rm -rf "$data/million"
	$py "$here/bench/gen_million.py" "$data/million/synthetic" 1000000
	echo "$mstamp" > "$data/million/stamp"
else
	echo "1M synthetic gazetteer: reused"
fi
# the 1M set is the shipped lists plus the synthetic one
rm -rf "$data/million-gaz" && mkdir -p "$data/million-gaz" "$data/norules"
cp -r "$here/gazetteers/." "$data/million-gaz/"
cp "$data/million/synthetic/synthetic.tsv" "$data/million-gaz/"
for set in shipped million; do
	g=$here/gazetteers
	[ $set = million ] && g=$data/million-gaz
	for r in rules norules; do
		rm -f "$data/$set-$r.img"
		rd=$here/rules
		[ $r = norules ] && rd=$data/norules
		/usr/bin/time -f '{"set":"'$set'","rules":"'$r'","compile_wall_s":%e,"compile_user_s":%U,"compile_sys_s":%S,"peak_rss_kb":%M}' -a -o "$out/compile.jsonl" \
			"$build/nerd" compile -g "$g" -r "$rd" -o "$data/$set-$r.img" 2>&1 | grep -v ': warning: ' | sed 's/^/  /'
		if [ ! -s "$data/$set-$r.img" ]; then
			echo "run.sh: nerd compile failed on $g and $rd (see above): nothing to measure" >&2
			exit 1
		fi
		printf '{"set":"%s","rules":"%s","image_bytes":%s}\n' $set $r "$(stat -c %s "$data/$set-$r.img")" >> "$out/compile.jsonl"
	done
done

say "nerd engine, one core"
C=$data/corpus
for lang in ar fr en; do
	"$build/bench_engine" -i "$data/shipped-rules.img" --mb 0 --repeat 3 --label "shipped rules $lang" --json "$out/engine.jsonl" "$C/$lang.jsonl"
	"$build/bench_engine" -i "$data/shipped-norules.img" --mb 0 --repeat 3 --label "shipped norules $lang" --json "$out/engine.jsonl" "$C/$lang.txt"
	"$build/bench_engine" -i "$data/million-rules.img" --mb 0 --repeat 3 --label "million rules $lang" --json "$out/engine.jsonl" "$C/$lang.txt"
	"$build/bench_engine" -i "$data/million-norules.img" --mb 0 --repeat 3 --label "million norules $lang" --json "$out/engine.jsonl" "$C/$lang.txt"
done

if [ $pyref = 1 ]; then
	say "Python reference (pyahocorasick + re)"
	for lang in ar fr en; do
		$py "$here/bench/ref_python.py" -g "$here/gazetteers" --label "shipped $lang" \
			--json "$out/python.jsonl" --spans "$out/python-spans-$lang.jsonl" "$C/$lang.txt"
	done
	if [ $quick = 0 ]; then
		$py "$here/bench/ref_python.py" -g "$data/million-gaz" --label "million ar" \
			--json "$out/python.jsonl" "$C/ar.txt" ||
			echo "the Python reference could not run with the 1M lists"
	fi
fi

if [ $hs = 1 ]; then
	say "Hyperscan reference (raw multi-literal scan of the normalized text)"
	for lang in ar fr en; do
		"$build/hs_scan" -g "$here/gazetteers" --label "shipped $lang" \
			--json "$out/hyperscan.jsonl" --spans "$out/hs-spans-$lang.jsonl" "$C/$lang.txt"
	done
	if [ $quick = 0 ]; then
		# the 1M surfaces without their proclitic variants (about 11
		# million literals with them, far past what fits here); bounded
		# in time and memory
		(ulimit -v 12000000; timeout 600 "$build/hs_scan" -g "$data/million-gaz" --no-variants \
			--label "million ar" --json "$out/hyperscan.jsonl" "$C/ar.txt") ||
			echo '{"label":"million ar","failed":"did not compile within 600 s and 12 GB"}' >> "$out/hyperscan.jsonl"
	fi
fi

say "agreement on a sample (300 articles per language)"
for lang in ar fr en; do
	head -300 "$C/$lang.jsonl" > "$out/sample-$lang.jsonl"
	"$build/nerd" tag -i "$data/shipped-norules.img" "$out/sample-$lang.jsonl" > "$out/nerd-sample-$lang.jsonl"
	refs=
	[ $pyref = 1 ] && refs="$refs python=$out/python-spans-$lang.jsonl"
	[ $hs = 1 ] && refs="$refs hyperscan=$out/hs-spans-$lang.jsonl"
	echo "$lang:"
	$py "$here/bench/compare.py" "$out/sample-$lang.jsonl" "$out/nerd-sample-$lang.jsonl" $refs \
		--json "$out/compare-$lang.json" | sed 's/^/  /'
done

say "daemon end to end (Arabic articles)"
$py "$here/bench/daemon_bench.py" "$build/nerd" "$dn" --jsonl "$C/ar.jsonl" \
	--image "$data/shipped-rules.img" --label "shipped" --json "$out/daemon.jsonl"
$py "$here/bench/daemon_bench.py" "$build/nerd" "$((dn / 4))" --jsonl "$C/ar.jsonl" \
	--image "$data/million-rules.img" --workers 2 --latency 100 --label "million" --json "$out/daemon.jsonl"

if [ $profile = 1 ] && command -v perf >/dev/null; then
	say "perf profile: engine, shipped lists and rules, Arabic"
	for lang in ar en; do
		perf record -q -F 1000 -o "$out/perf-$lang.data" "$build/bench_engine" --whole-only \
			-i "$data/shipped-rules.img" --mb 25 "$C/$lang.txt" >/dev/null 2>&1 || continue
		{
			echo "$lang, by object (PCRE2's JIT code shows as [JIT]):"
			perf report -i "$out/perf-$lang.data" --no-children --sort dso --stdio 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -5
			echo "$lang, by function (self time, >= 1%):"
			perf report -i "$out/perf-$lang.data" --no-children --sort dso,sym --percent-limit 1 --stdio 2>/dev/null |
				grep -v '^#' | grep -v '^$' | grep -v '\[JIT\]' | head -20
		} | tee -a "$out/profile.txt"
	done
	say "cost of each rule (engine time per MB with the rule alone, less without rules)"
	$py "$here/bench/rule_cost.py" "$build" "$C" --json "$out/rule_cost.json" | tee "$out/rule_cost.txt"
fi

say "results"
$py "$here/bench/report.py" "$out" "$here/bench/results.json"
