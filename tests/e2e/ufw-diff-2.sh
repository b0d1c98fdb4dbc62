#!/bin/bash
# Differential test against UFW: rule sets 16-31 of the fixed seed
# (tests/e2e/ufw_diff_lib.bash says how, ufw_diff_gen.py what).
. "$(dirname "$0")/ufw_diff_lib.bash"
diff_sets ufw-diff-2 16 16
