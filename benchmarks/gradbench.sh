#!/bin/bash
# symgd as a GradBench tool beside PyTorch, JAX (blocking) and the hand-written C++ (manual):
# runs each eval with its default sizes through the offline harness and prints summarize's table.
#
#   benchmarks/gradbench.sh [EVAL ...]          (default: llsq lse kmeans gmm det saddle ode; also hello)
#
# Environment:
#   GRADBENCH_HOME   the offline harness (default: ../shared/gradbench beside this repository)
#   GRADBENCH_EVAL_PYTHON  a Python with numpy + pydantic (+ scipy, torch, jax for the bundled tools);
#                    default: ~/.cache/symgd-gradbench/venv, made on first use as a venv that sees this
#                    repository's .venv packages (a .pth file) plus pydantic from pip
#   LOGDIR           logs and per-tool outputs (default: ${TMPDIR:-/tmp}/symgd-gradbench-logs)
#   RUNS             repeat options for every eval (default: --min-runs 3 --min-seconds 0.2, as the
#                    harness's results/run-baselines.sh)
#   <EVAL>_ARGS      size options, e.g. GMM_ARGS="-d 2 10 -k 5 25" (default: the eval's own defaults)
#   TOOLS            the other tools, the first being the ratios' reference (default: manual pytorch jax-blocking; det: manual; saddle:
#                    finite; ode: manual jax-blocking; the only bundled tools that implement those)
#   REUSE=1          keep the logs of runs that finished (rerun only the missing ones)
#   SYMGD_ARGS       extra options for the symgd tool, e.g. "--backend torch --device cuda"
# OMP_NUM_THREADS defaults to 1: PyTorch single-threaded like JAX (pinned) and the C++ (no OpenMP).
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
G="${GRADBENCH_HOME:-$ROOT/../shared/gradbench}"
LOGS="${LOGDIR:-${TMPDIR:-/tmp}/symgd-gradbench-logs}"
RUNS="${RUNS:---min-runs 3 --min-seconds 0.2}"
TOOLS="${TOOLS:-manual pytorch jax-blocking}"
SYMGD_PY="$ROOT/.venv/bin/python"
[ -x "$SYMGD_PY" ] || SYMGD_PY="$(command -v python3)"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export GRADBENCH_WORKDIR="${GRADBENCH_WORKDIR:-$HOME/.cache/symgd-gradbench/work}"
[ -x "$G/run-eval" ] || { echo "error: no GradBench harness at $G (set GRADBENCH_HOME)" >&2; exit 2; }

eval_python() {  # a Python that can run the evals: given, or made once under ~/.cache
  if [ -n "${GRADBENCH_EVAL_PYTHON:-}" ]; then echo "$GRADBENCH_EVAL_PYTHON"; return; fi
  local venv="$HOME/.cache/symgd-gradbench/venv"
  if ! "$venv/bin/python" -c "import numpy, pydantic" 2>/dev/null; then
    "$SYMGD_PY" -m venv "$venv" >&2 || return 1
    local site; site="$("$SYMGD_PY" -c 'import site; print(site.getsitepackages()[0])')"
    echo "$site" > "$("$venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')/symgd-main.pth"
    "$venv/bin/pip" install -q pydantic >&2 || return 1
  fi
  echo "$venv/bin/python"
}
PY="$(eval_python)" || { echo "error: could not make a Python with pydantic for the evals" >&2; exit 2; }
mkdir -p "$LOGS" "$GRADBENCH_WORKDIR"

run_eval() {  # eval tool-label -- run-eval tool arguments
  local e="$1" label="$2"; shift 2
  local var; var="$(echo "$e" | tr a-z A-Z)_ARGS"
  if [ "${REUSE:-0}" = 1 ] && grep -q '^outcome' "$LOGS/$e-$label.txt" 2>/dev/null; then
    echo "$e $label: reused $LOGS/$e-$label.txt" >&2; return
  fi
  "$G/run-eval" "$e" --python "$PY" --eval-args "${!var:-} $RUNS" --timeout 600 --color never \
    -o "$LOGS/$e-$label.jsonl" "$@" > "$LOGS/$e-$label.txt" 2>&1
  echo "$e $label: $(grep '^outcome' "$LOGS/$e-$label.txt" | cut -d' ' -f2) (log $LOGS/$e-$label.txt)" >&2
}

for e in ${@:-llsq lse kmeans gmm det saddle ode}; do
  labels=()
  case "$e" in det) tools=manual ;; saddle) tools=finite ;; ode) tools="manual jax-blocking" ;; *) tools="$TOOLS" ;; esac
  for t in $tools; do run_eval "$e" "$t" --tool "$t"; labels+=("$t"); done
  (cd "$ROOT" && run_eval "$e" symgd -- "$SYMGD_PY" benchmarks/gradbench/run.py ${SYMGD_ARGS:-})
  labels+=(symgd)
  logs=(); for l in "${labels[@]}"; do logs+=("$LOGS/$e-$l.jsonl"); done
  echo
  "$G/summarize" --markdown --labels "$(IFS=,; echo "${labels[*]}")" "${logs[@]}" | sed "s#$LOGS/##"
done
