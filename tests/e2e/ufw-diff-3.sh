#!/bin/bash
# Differential test against UFW, rule sets 32-47 of the fixed seed
# (tests/e2e/ufw_diff_lib.bash says how; ufw_diff_gen.py what).
set -u
. "$(dirname "$0")/ufw_diff_lib.bash"
SEED=${GN_UFW_SEED:-20261130}
FIRST=32
COUNT=${GN_UFW_SETS:-16}
say "# ufw differential test: seed $SEED, sets $FIRST-$((FIRST + COUNT - 1))"
diff_setup ufw_diff_3 || { summary ufw_diff_3; exit 1; }
n=$FIRST
while IFS= read -r set; do
	n=$((n + 1))
	diff_run_set "$n" "$set"
done < <(python3 "$(dirname "$0")/ufw_diff_gen.py" "$SEED" "$FIRST" "$COUNT")
diff_summary
