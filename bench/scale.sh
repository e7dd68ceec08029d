#!/bin/sh
# Scale benchmark (issue 3): the shipped lists against the shipped lists
# plus 1,000,000 synthetic entries: compile time, image size and bytes per
# entry, image load time, and the engine's MB/s on the same text.
# usage: bench/scale.sh [BUILD_DIR] [TEXT...]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
[ $# -gt 0 ] && shift
text=${*:-}
if [ -z "$text" ]; then
	if [ -f "$here/../shared/seed/000_b64ed96aac6529e2.txt" ]; then
		text="$here/../shared/seed/000_b64ed96aac6529e2.txt"
	else
		/usr/bin/python3 -c "import json;[print(json.loads(l)['text']) for l in open('$here/examples/sample.jsonl')]" > /tmp/nerd-sample.txt
		text=/tmp/nerd-sample.txt
	fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/gazetteers" "$work/gaz"
/usr/bin/python3 "$here/bench/gen_million.py" "$work/gaz/synthetic" 1000000
for set in shipped million; do
	if [ $set = shipped ]; then g=$here/gazetteers; else g=$work/gaz; fi
	echo "== $set lists"
	/usr/bin/time -f "  compile: %e s, %M KB peak RSS" "$build/nerd" compile -g "$g" -r "$here/rules" -o "$work/$set.img" 2>&1 | grep -v ': warning: ' 
	"$build/bench_engine" -i "$work/$set.img" --mb 20 $text | sed 's/^/  /'
done
