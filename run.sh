#!/usr/bin/env bash
# jstbench: the two commands of the README.
#   ./run.sh demo   set up (.venv + install), then build the demo: data, reports, methodology site
#   ./run.sh test   set up, then run the test suite
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
VENV=${JSTBENCH_VENV:-.venv}

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.jstbench-installed" want
  want=$(cat pyproject.toml | sha256sum | cut -c1-16)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "== installing jstbench and its dependencies (first run takes a minute or two)"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
    echo "$want" > "$stamp"
  fi
}

case "${1:-}" in
  demo)
    setup
    start=$(date +%s)
    "$VENV/bin/jstbench" check
    "$VENV/bin/jstbench" demo-data
    "$VENV/bin/jstbench" check demo
    "$VENV/bin/jstbench" reports demo
    "$VENV/bin/jstbench" site
    echo
    echo "Done in $(( $(date +%s) - start )) s. Open:"
    echo "  reports:          $(pwd)/output/demo/index.html"
    echo "  methodology site: $(pwd)/output/site/index.html"
    ;;
  test)
    setup
    "$VENV/bin/ruff" check lib tests benchmarks
    "$VENV/bin/lint-imports" --no-logo
    "$VENV/bin/mypy"
    "$VENV/bin/python" -m pytest "${@:2}"
    ;;
  *)
    echo "usage: ./run.sh demo | ./run.sh test [pytest options]" >&2
    exit 2
    ;;
esac
