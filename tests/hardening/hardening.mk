# Sanitizers and valgrind over the unit tests and Docker's recorded requests,
# included by the Makefile.  The replays need root (guardnetd gets a network
# namespace of its own).
#   make asan       check_guardnet, the fuzz regressions and guardnetd built with
#                   ASan and UBSan into $(B)/asan; the unit tests, then the replay
#                   against that guardnetd.  Any sanitizer report fails it.
#   make valgrind   the replay against $(B)/guardnetd under memcheck: no error and
#                   nothing definitely or indirectly lost, in every guardnetd that exits.
SAN_DIR     := $(B)/asan
SAN_REPORTS := $(CURDIR)/$(SAN_DIR)/reports
# Reports go to files: a leak at exit does not change a non-zero exit status,
# so the files are what tells.
SAN_ENV     := ASAN_OPTIONS=log_path=$(SAN_REPORTS)/asan UBSAN_OPTIONS=log_path=$(SAN_REPORTS)/ubsan:print_stacktrace=1
VG_DIR      := $(CURDIR)/$(B)/valgrind
VALGRIND    := valgrind --leak-check=full --show-leak-kinds=definite,indirect \
               --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$(VG_DIR)/vg.%p

asan:
	@rm -rf $(SAN_REPORTS) && mkdir -p $(SAN_REPORTS)
	@export $(SAN_ENV); rc=0; \
	$(MAKE) B=$(SAN_DIR) DEBUG=yes check || rc=1; \
	[ $$rc = 1 ] || python3 tests/e2e/replay_restart.py $(SAN_DIR)/guardnetd spec || rc=1; \
	if ls $(SAN_REPORTS)/* >/dev/null 2>&1; then cat $(SAN_REPORTS)/*; echo "asan: sanitizer reports above"; rc=1; fi; \
	exit $$rc

valgrind: $(B)/guardnetd
	@rm -rf $(VG_DIR) && mkdir -p $(VG_DIR)
	@# The SIGKILLed guardnetd writes no summary; every other one must be clean.
	@rc=0; GN_DAEMON_WRAP="$(VALGRIND)" python3 tests/e2e/replay_restart.py $(B)/guardnetd spec || rc=1; \
	n=0; for f in $(VG_DIR)/vg.*; do \
		grep -q "ERROR SUMMARY" $$f || continue; n=$$((n + 1)); \
		grep -h "definitely lost\|indirectly lost\|All heap blocks\|ERROR SUMMARY" $$f; \
		grep -q "ERROR SUMMARY: 0 errors" $$f || { cat $$f; rc=1; }; \
	done; \
	echo "valgrind: $$n guardnetd runs checked"; [ $$n -gt 0 ] && exit $$rc

.PHONY: asan valgrind
