# shellcheck shell=sh
# VRE sandbox login environment (sourced by login shells; bash.bashrc covers interactive ones).
export VRE_DATASET="${VRE_DATASET:-/data/dataset.duckdb}"
export MPLCONFIGDIR="${MPLCONFIGDIR:-/tmp/matplotlib}"
export HISTFILE="${HISTFILE:-$HOME/.bash_history}"
