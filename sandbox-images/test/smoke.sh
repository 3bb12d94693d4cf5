#!/usr/bin/env bash
# End-to-end check of the sandbox image, run by hand on the Docker host (root):
#
#   sandbox-images/test/smoke.sh [IMAGE] [RUNTIME...]      default: vre-sandbox:latest runc runsc
#
# For each runtime: start a container the way the gateway does (no network, read-only root, no
# capabilities, uid 1000, limits, tmpfs work areas), copy a sample DuckDB into /data through
# `docker exec` + tar (docker cp cannot write into a tmpfs of a read-only container), then check
# vre-sql, the Python module `vre` and vre-kernel (test/kernel-client.mjs). Prints timings.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE="${1:-vre-sandbox:latest}"
shift || true
RUNTIMES=("$@")
((${#RUNTIMES[@]})) || RUNTIMES=(runc runsc)
NAME="vre-smoke-$$"
WORK="$(mktemp -d)"
cleanup() { docker rm -f "$NAME" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }'; }
say() { printf '\n=== %s\n' "$*"; }

# Sample dataset (never part of the image), made with the image's own Node + DuckDB.
say "sample dataset"
chmod 0777 "$WORK"
docker run --rm --network none -v "$WORK:/out" -w /opt/vre "$IMAGE" node --input-type=module -e "
import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create('/out/dataset.duckdb');
const c = await inst.connect();
await c.run(\`
  CREATE TABLE patients AS SELECT i AS patient_id, CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END AS sex,
    20 + (i * 7) % 60 AS age, DATE '2020-01-01' + (i % 365)::INT AS first_visit,
    ['東京', '大阪', '札幌'][1 + i % 3] AS prefecture FROM range(1, 501) t(i);
  CREATE TABLE labs AS SELECT (1 + i % 500)::INT AS patient_id,
    TIMESTAMP '2021-01-01 00:00:00' + to_minutes(i * 37) AS measured_at,
    ['HbA1c', 'LDL', 'eGFR'][1 + i % 3] AS test, round(5 + random() * 3, 2)::DECIMAL(6,2) AS value
    FROM range(0, 5000) t(i);\`);
c.closeSync(); inst.closeSync();
"
ls -la "$WORK/dataset.duckdb"

FLAGS=(--network none --read-only --cap-drop ALL --security-opt no-new-privileges --user 1000:1000
  --pids-limit 256 --memory 1g
  --tmpfs /home/researcher:rw,size=512m,uid=1000,gid=1000,mode=0700
  --tmpfs /tmp:rw,size=256m,mode=1777
  --tmpfs /data:rw,size=1g,mode=0755)

rc=0
for rt in "${RUNTIMES[@]}"; do
  say "runtime $rt"
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  t="$(now)"
  docker run -d --name "$NAME" --runtime "$rt" "${FLAGS[@]}" "$IMAGE" >/dev/null
  echo "container create+start: $(since "$t")"
  t="$(now)"
  # As uid 0 (still without capabilities) into a root-owned 0755 tmpfs: the researcher can read the
  # dataset but not change, replace or delete it.
  tar -C "$WORK" -c dataset.duckdb | docker exec -i -u 0 "$NAME" sh -c 'tar -x --no-same-owner -C /data && chmod 0444 /data/dataset.duckdb'
  echo "dataset copied in: $(since "$t")"
  docker exec "$NAME" sh -c 'id; ls -l /data; echo "network interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"'

  say "$rt: vre-sql (piped stdin)"
  t="$(now)"
  out="$(printf '%s\n' '.tables' 'select sex, count(*) as n, avg(age) as mean_age from patients group by sex order by sex;' \
    'create temp table older as select * from patients where age > 70;' 'select count(*) as older from older;' \
    'insert into patients select * from patients;' | docker exec -i "$NAME" vre-sql 2>&1 || true)"
  echo "$out"
  echo "vre-sql run: $(since "$t")"
  if grep -q '│ F       │    250 │' <<<"$out" && grep -qE '│ +75 │' <<<"$out" && grep -q 'read-only mode' <<<"$out"; then
    echo "PASS vre-sql"
  else
    echo "FAIL vre-sql"; rc=1
  fi

  say "$rt: Python module vre (terminal transport)"
  docker exec -i "$NAME" python3 - <"$HERE/vre_module_check.py" || rc=1

  say "$rt: vre-kernel"
  node "$HERE/kernel-client.mjs" "$NAME" 2>&1 | grep -v '^0.00s - ' || rc=1
  docker rm -f "$NAME" >/dev/null
done
say "$([[ $rc -eq 0 ]] && echo 'smoke: all passed' || echo 'smoke: FAILURES')"
exit $rc
