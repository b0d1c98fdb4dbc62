#!/bin/bash
# Runs every attack scenario of issue 12 (tests/e2e/attack-*.sh) one after
# the other and prints their side-by-side tables as one: attack, Docker's
# bridge driver, guardnet.  Each scenario's own output (checks, evidence)
# goes to $ATTACK_LOGS/NAME.log (default: a temporary directory, kept).
# Needs root, as the scenarios do.
#
#   usage: bash tests/attack-table.sh [SCENARIO...]   e.g. attack-spoof
set -u
cd "$(dirname "$0")/.." || exit 1
logs=${ATTACK_LOGS:-$(mktemp -d /tmp/gn-attack.XXXXXX)}
mkdir -p "$logs"
if [ $# -eq 0 ]; then
	set -- tests/e2e/attack-*.sh
else
	set -- "${@/#/tests/e2e/}"
	set -- "${@/%.sh/}"
	set -- "${@/%/.sh}"
fi
rows=$logs/rows
: >"$rows"
for t in "$@"; do
	name=$(basename "$t" .sh)
	start=$SECONDS
	bash "$t" >"$logs/$name.log" 2>&1
	echo "$name: $(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$logs/$name.log" | tail -1 | sed 's/^[^:]*: //') ($((SECONDS - start)) s)"
	# The table lines follow the "NAME: attack | ..." header up to a blank line.
	awk '/: attack \| Docker bridge driver \| guardnet$/ { on = 1; next } on && /^$/ { on = 0 } on' \
		"$logs/$name.log" >>"$rows"
done
echo
printf '  %-62s | %-34s | %s\n' "attack" "Docker bridge driver" "guardnet"
cat "$rows"
echo
echo "logs: $logs"
