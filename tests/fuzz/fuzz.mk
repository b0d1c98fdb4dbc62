# Fuzzing with clang's libFuzzer, included by the Makefile.
#   make fuzz           builds $(B)/fuzz/fuzz_NAME and runs each for FUZZ_SECONDS
#                       (new inputs: $(B)/fuzz/corpus/NAME, crashes: $(B)/fuzz/crash/NAME)
#   make fuzz-regress   the same harnesses built with $(CC), without libFuzzer, over
#                       tests/fuzz/regress (every finding so far) and tests/fuzz/corpus;
#                       `make check` runs it
# A crash: fix the product, then keep the input as tests/fuzz/regress/NAME/<what-it-was>.
# tests/fuzz/make_corpus.py writes the seeds in tests/fuzz/corpus.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := http decode ufw config
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer $(filter-out -O% -g -Wno-format-truncation -fsanitize%,$(CFLAGS))
FZ           := $(B)/fuzz
FUZZ_OBJ     := $(patsubst plugin/%.c,$(FZ)/obj/%.o,$(LIB_SRC))
# libFuzzer's options: -timeout catches a request that never completes.
FUZZ_OPTS    := -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

$(FZ)/obj/%.o: plugin/%.c | $(FZ)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<
# The version, as the Makefile gives it to control.o (status and metrics print it).
$(FZ)/obj/control.o: FUZZ_CFLAGS += -DGN_VERSION='"$(VERSION)"'

# The driver's kernel in a harness is the unit tests' fake backend.
FUZZ_FAKE    := tests/unit/fake_backend.c

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_FAKE) $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iplugin -Itests/unit -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_FAKE) $(FUZZ_OBJ) $(LDLIBS)

$(FZ)/obj:
	mkdir -p $@

fuzz: $(patsubst %,$(FZ)/fuzz_%,$(FUZZ_NAMES))
	@for n in $(FUZZ_NAMES); do \
		mkdir -p $(FZ)/corpus/$$n $(FZ)/crash/$$n; \
		echo "=== fuzz_$$n for $(FUZZ_SECONDS) s"; \
		$(FZ)/fuzz_$$n $(FUZZ_OPTS) -dict=tests/fuzz/$$n.dict -artifact_prefix=$(FZ)/crash/$$n/ \
			$(FZ)/corpus/$$n tests/fuzz/corpus/$$n $$(ls -d tests/fuzz/regress/$$n 2>/dev/null) || exit 1; \
	done

$(B)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(FUZZ_FAKE) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iplugin -Itests/unit $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(FUZZ_FAKE) $(LIB_OBJ) $(LDLIBS)

fuzz-regress: $(patsubst %,$(B)/fuzz-replay/fuzz_%,$(FUZZ_NAMES))
	@for n in $(FUZZ_NAMES); do \
		$(B)/fuzz-replay/fuzz_$$n tests/fuzz/corpus/$$n $$(ls -d tests/fuzz/regress/$$n 2>/dev/null) || exit 1; \
	done

check: fuzz-regress

# Objects reached only through the pattern rules above are kept.
.SECONDARY: $(FUZZ_OBJ) $(LIB_OBJ)

.PHONY: fuzz fuzz-regress
-include $(wildcard $(FZ)/obj/*.d $(B)/fuzz-replay/*.d)
