#!/bin/bash
# Attack (issue 12, point 5): a large allowlist.  docker network create -o
# guardnet.allow=<8,000 /32s>, with the plain Docker CLI, sent guardnetd
# into an endless self-repair loop: the events of its own transaction
# overflowed its nf_tables event socket, the overflow read as another
# program's change, and the repair overflowed it again (47-94 rebuilds in
# 5 s, 73-98 % CPU, docker run slowed from 2.1 to 3.9 s).  Checks: the
# allowlist works (an allowed source in, another out and logged),
# guardnetd's CPU over 30 idle seconds after the create is near zero
# (/proc/PID/stat), docker run on another network costs the same with and
# without it (both printed), and another program's nft delete table, nft
# flush chain and iptables -F DOCKER-USER are still put back.
. "$(dirname "$0")/../lib.sh"
. "$GN_ROOT/tests/attack-lib.sh"
scenario attack-allowlist-8k
attack_require
kernel_log_on
must testbed

allowlist_attack 8000 cli "8,000-entry guardnet.allow (docker CLI)"
attack_table attack-allowlist-8k
summary
