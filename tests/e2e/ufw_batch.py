#!/usr/bin/python3
"""Several ufw commands in one process, for the differential test
(tests/e2e/ufw_diff_lib.bash).

usage: ufw_batch.py REFUSED-FILE COMMAND...

Each COMMAND is one ufw command line without "ufw" (shell quoting, as
typed), run by Debian's own ufw modules as /usr/sbin/ufw runs it: parsed by
ufw.frontend.parse_command, done by a new UFWFrontend, which reads UFW's
files again.  The one thing shared between commands is what ufw learns of
the kernel's netfilter (its capabilities: a few dozen iptables runs per
command otherwise).  A command ufw refuses is appended to REFUSED-FILE as
"refused: COMMAND"; the rest still run.  Runs where ufw itself would
(the test's mount and network namespaces: tests/lib-host.sh, ufw).
"""
import gettext
import shlex
import sys

import ufw.common
import ufw.frontend
from ufw.common import UFWError

gettext.install(ufw.common.programName)


def run(line, caps):
    args = ["ufw"] + shlex.split(line)
    if len(args) > 1 and args[1].lower() == "app":
        raise UFWError("ufw_batch.py: 'app' commands are not supported")
    pr = ufw.frontend.parse_command(args)
    ui = ufw.frontend.UFWFrontend(pr.dryrun)
    if caps is not None:
        ui.backend.caps = caps
    if "rule" in pr.data:
        ui.do_action(pr.action, pr.data["rule"], pr.data["iptype"], pr.force)
    else:
        ui.do_action(pr.action, "", "", pr.force)
    return ui.backend.caps


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    caps = None
    with open(sys.argv[1], "a") as refused:
        for line in sys.argv[2:]:
            try:
                caps = run(line, caps)
            except (UFWError, ValueError, SystemExit):
                # ufw's error() says why on stderr and exits.
                refused.write(f"refused: {line}\n")


main()
