# shellcheck shell=bash
# Helpers of the integration scripts (sourced): ok/FAIL lines with a label, checks on files, the
# closing "NAME: N passed, M failed" line that make check adds up.
pass=0 fail=0
label=${label:-}
ok() { echo "ok   - ${label:+$label: }$1"; pass=$((pass + 1)); }
ko() { echo "FAIL - ${label:+$label: }$1"; fail=$((fail + 1)); }
# expect FILE DESCRIPTION ERE: a line of FILE matches
expect() { if grep -qaE -- "$3" "$1"; then ok "$2"; else ko "$2 (no /$3/)"; fi; }
# finish NAME: the closing line; the status says whether everything passed
finish() { echo "$1: $pass passed, $fail failed"; [ "$fail" = 0 ]; }
