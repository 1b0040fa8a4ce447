#!/usr/bin/env bash
# make test's long part: the deploy validators and the containers run in the background, each
# into its log, while pytest runs the layers one after another, each spread over processes
# (pytest-xdist); then every step's time, and the log of any background step that failed.
#
# TEST_WORKERS="unit integration e2e" sets the processes per layer (default "2 3 2": most tests
# wait on sockets, not the CPU); 0 runs a layer in this process alone. A module's tests stay in
# one process (--dist loadscope): its module-scoped fixtures (npm ci, make run, a webhook stack)
# run once, never twice at the same time; the e2e stack is one per process.
set -uo pipefail
cd "$(dirname "$0")/.."

read -r unit_workers integration_workers e2e_workers <<<"${TEST_WORKERS:-2 3 2}"
logs=build/test-logs
rm -rf "$logs" && mkdir -p "$logs"
declare -a names=() seconds=() results=()

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
}

layer() {  # name, workers: the layer's pytest, in the foreground
  local start=$SECONDS parallel=()
  [ "$2" != 0 ] && parallel=(-n "$2" --dist loadscope)
  echo "== pytest tests/$1 (${2} workers)"
  .venv/bin/pytest "${parallel[@]}" "tests/$1"
  record "pytest $1" $((SECONDS - start)) $?
}

background deploy-check make --no-print-directory deploy-check
layer unit "$unit_workers"
layer integration "$integration_workers"
# The containers beside the e2e layer, whose processes mostly wait: beside the integration layer's
# three busy processes, the podman stack's gateway once missed its story's minute on CI's 2 cores.
background containers make --no-print-directory containers
layer e2e "$e2e_workers"

wait
for step in deploy-check containers; do
  read -r status took <"$logs/$step.status"
  record "$step (background)" "$took" "$status"
  if [ "$status" != 0 ]; then
    echo "== $step failed; its log ($logs/$step.log):"
    cat "$logs/$step.log"
  fi
done

echo "== time per step (seconds)"
failed=0
for i in "${!names[@]}"; do
  printf '  %-26s %5s  %s\n' "${names[$i]}" "${seconds[$i]}" "${results[$i]}"
  [ "${results[$i]}" = ok ] || failed=1
done
printf '  %-26s %5s\n' "all of them" "$SECONDS"
exit $failed
