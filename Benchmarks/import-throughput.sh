#!/usr/bin/env bash
# Import throughput: a generated 10,000-volunteer sheet (UTF-8 and GB18030 CSV) imported
# into the demo community on a throwaway PostgreSQL, first run (all new) and re-run (all
# matched, nothing changes). Prints rows/s as `linli import` reports them and wall time.
#
#   Benchmarks/import-throughput.sh [ROWS] [debug|release]     (default 10000 release)
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
ROWS="${1:-10000}"
CONFIGURATION="${2:-release}"
swift build -c "$CONFIGURATION" --product linli >&2
BIN="$(swift build -c "$CONFIGURATION" --show-bin-path)"
WORK="$(mktemp -d /tmp/linli-import-bench.XXXXXX)"
chmod 755 "$WORK"
export LINLI_PG_DIR="$WORK/postgres" LINLI_PG_DB=linli
LINLI_PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export LINLI_PG_PORT
trap '"$ROOT/deploy/local-postgres.sh" destroy >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$ROOT/deploy/local-postgres.sh" start
eval "$("$ROOT/deploy/local-postgres.sh" env)"
"$BIN/linli" migrate >/dev/null
"$BIN/linli" demo load >/dev/null

python3 - "$ROWS" "$WORK/volunteers.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
given = ["秀英", "桂兰", "建国", "志强", "海燕", "丽娟", "卫东", "晓红", "明辉", "春华"]
grids = ["第一网格", "第二网格", "第三网格", "第四网格"]
groups = ["党员", "青年", "巾帼", "老年", "党员、巾帼"]
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("编号,姓名,手机号,性别,出生年份,网格,分组,技能\r\n")
    for i in range(rows):
        name = surnames[i % 20] + given[(i // 20) % 10] + ("" if i < 200 else str(i))
        f.write(f"B{i:05d},{name},139{i:08d},{'女' if i % 2 else '男'},{1950 + i % 50},{grids[i % 4]},{groups[i % 5]},\r\n")
PY
iconv -f UTF-8 -t GB18030 "$WORK/volunteers.csv" >"$WORK/volunteers-gb18030.csv"

run() {
    local label="$1" start end out
    shift
    start=$(date +%s%N)
    out="$("$BIN/linli" import volunteers "$@" --community demo --english)"
    end=$(date +%s%N)
    printf '%-24s %s  (wall %d ms, including start-up)\n' "$label" "$out" $(((end - start) / 1000000))
}
run "UTF-8, first import:" "$WORK/volunteers.csv"
run "GB18030, re-import:" "$WORK/volunteers-gb18030.csv"
run "UTF-8, dry run:" "$WORK/volunteers.csv" --dry-run
