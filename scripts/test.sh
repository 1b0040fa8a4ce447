#!/usr/bin/env bash
# make test's long part: the checks (lint, API policy, generated code, deploy files) and the
# containers and the unit layer run in the background, each into its log, while pytest runs the
# integration and end-to-end layers in one pool of processes (pytest-xdist), then the tests
# marked serial alone; then every step's time, each layer's share of the pool with its slowest
# modules, and the log of any background step that failed.
#
# TEST_WORKERS sets the pool's processes. Most tests wait on sockets, each end-to-end process on
# a stack of its own: six keep two cores about 85 % busy where four left them half idle (the
# pool alone: 583 s, against 692 s with four in CI). But when the containers step builds and
# runs every image beside the pool (its inputs changed), six on a loaded machine made timed
# waits fail in both: four then. 0 runs in this process alone. A module's tests stay in one
# process (--dist loadscope): its module-scoped fixtures (npm ci, make run, a webhook stack) run
# once, never twice at the same time.
set -uo pipefail
cd "$(dirname "$0")/.."
# What Python compiles and pytest rewrites is kept beside the sources for the next process to
# read: the ~150 processes a run starts (pool workers, services, CLI runs) would otherwise each
# compile them again where the environment sets PYTHONDONTWRITEBYTECODE (this machine's does).
unset PYTHONDONTWRITEBYTECODE

if [ -n "${TEST_WORKERS:-}" ]; then
  workers=$TEST_WORKERS
elif [ "${CONTAINERS:-}" = skip ] || .venv/bin/python -m scripts.step_cache containers --recorded; then
  workers=6
else
  workers=4
fi
logs=build/test-logs
rm -rf "$logs" && mkdir -p "$logs"
declare -a names=() seconds=() results=()
declare -A pids=()

record() {  # name, seconds, exit status
  names+=("$1") seconds+=("$2")
  if [ "$3" = 0 ]; then results+=(ok); else results+=("FAILED ($3)"); fi
}

background() {  # name, command...: started now, waited for at the end
  local name=$1
  shift
  (
    start=$SECONDS
    "$@" >"$logs/$name.log" 2>&1
    echo "$? $((SECONDS - start))" >"$logs/$name.status"
  ) &
  pids[$name]=$!
}

run_pytest() {  # step name, workers, pytest arguments...: in the foreground, its report kept
  local name=$1 workers=$2 start=$SECONDS parallel=() status
  shift 2
  [ "$workers" != 0 ] && parallel=(-n "$workers" --dist loadscope)
  echo "== pytest $* (${workers} workers)"
  .venv/bin/pytest "${parallel[@]}" --junitxml="$logs/${name// /-}.xml" "$@"
  status=$?
  # 5 is pytest's "nothing collected": no serial test in these layers
  [ "$status" = 5 ] || record "pytest $name" $((SECONDS - start)) "$status"
}

# The checks, the containers and the unit layer beside the pool, whose processes mostly wait.
# The unit layer in a process of its own: in a pool process an integration test's logging
# set-up (structlog's loggers cached on first use) hid the log lines a unit test captures.
background deploy-check make --no-print-directory deploy-check
background unit .venv/bin/pytest --junitxml="$logs/unit.xml" tests/unit
background containers make --no-print-directory containers
background lint make --no-print-directory lint proto-check api-check
run_pytest "integration+e2e" "$workers" -m "not serial" tests/integration tests/e2e
# The tests that time a rate or a window on the clock, with no other test beside them: only
# the modules that hold one are collected.
wait "${pids[unit]}"
mapfile -t timed < <(grep -rl --include='test_*.py' 'pytest.mark.serial' tests/integration tests/e2e)
run_pytest serial 0 -m serial "${timed[@]}"

wait
for step in unit deploy-check lint containers; do
  read -r status took <"$logs/$step.status"
  record "$step (background)" "$took" "$status"
  if [ "$status" != 0 ]; then
    echo "== $step failed; its log ($logs/$step.log):"
    cat "$logs/$step.log"
  fi
done

echo "== worker time per layer (seconds; the pool's layers overlap on the clock)"
.venv/bin/python scripts/test_times.py "$logs"/*.xml
echo "== time per step (seconds)"
failed=0
for i in "${!names[@]}"; do
  printf '  %-26s %5s  %s\n' "${names[$i]}" "${seconds[$i]}" "${results[$i]}"
  [ "${results[$i]}" = ok ] || failed=1
done
printf '  %-26s %5s\n' "all of them" "$SECONDS"
exit $failed
