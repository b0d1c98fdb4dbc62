# guardnet: one plain GNU Makefile.  `make`, `make check`, `make install`.
PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc

PKGS       := libmicrohttpd jansson libmnl libnftnl libiptc
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation \
              -Iinclude -MMD -MP $(shell $(PKG_CONFIG) --cflags $(PKGS))
LDLIBS     += $(shell $(PKG_CONFIG) --libs $(PKGS)) -pthread
ifeq ($(WERROR),1)
CFLAGS     += -Werror
endif
ifeq ($(DEBUG),yes)
CFLAGS     += -O0 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
endif

# The version is written once, in the file VERSION.
VERSION    := $(shell cat VERSION)

B          := build
LIB_SRC    := $(filter-out plugin/main.c,$(wildcard plugin/*.c))
LIB_OBJ    := $(patsubst plugin/%.c,$(B)/obj/%.o,$(LIB_SRC))
TEST_SRC   := $(wildcard tests/unit/*.c)
TEST_OBJ   := $(patsubst tests/unit/%.c,$(B)/obj/test/%.o,$(TEST_SRC))

all: $(B)/guardnetd $(B)/guardnetctl

$(B)/obj/%.o: plugin/%.c | $(B)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/obj/test/%.o: tests/unit/%.c | $(B)/obj/test
	$(CC) $(CFLAGS) -Iplugin $(shell $(PKG_CONFIG) --cflags check) -DSPEC_DIR='"$(CURDIR)/spec"' -DPLUGIN_DIR='"$(CURDIR)/plugin"' -c -o $@ $<

$(B)/guardnetd: $(B)/obj/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# guardnetctl (ctl/): jansson and libc.  Of the daemon's code it links only
# pure files: UFW's reader and its decision (guardnetctl audit asks UFW the
# question explain asks, of the same code) and what they use.  It reads the
# kernel with its own small netlink code, not the daemon's libraries.
CTL_OBJ    := $(patsubst ctl/%.c,$(B)/obj/ctl/%.o,$(wildcard ctl/*.c))
CTL_PLUGIN := ufw ufw-restore ufw-restore-line ufw-words ufw-eval addr log
# The headers of plugin/ that ctl/ may include: those files' own.
CTL_HEADERS := ufw addr log

$(B)/obj/ctl/%.o: ctl/%.c | $(B)/obj/ctl
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/guardnetctl: $(CTL_OBJ) $(patsubst %,$(B)/obj/%.o,$(CTL_PLUGIN))
	$(CC) $(LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs jansson)

# ctl/ includes of plugin/ only CTL_HEADERS, and no library but jansson.
ctl-layering:
	@bad=$$(grep -l -e 'libnftnl/' -e 'libmnl/' -e 'libiptc/' -e 'microhttpd' ctl/*; \
		grep -H '#include "\.\./' ctl/* | grep -v -E '#include "\.\./plugin/($(subst $(eval) ,|,$(CTL_HEADERS)))\.h"' | cut -d: -f1); \
	if [ -n "$$bad" ]; then echo "layering: ctl/ may use only jansson, libc and plugin/{$(CTL_HEADERS)}.h: $$bad"; exit 1; fi

check: ctl-layering

$(B)/obj/main.o $(B)/obj/control.o $(B)/obj/ctl/main.o: VERSION
$(B)/obj/main.o $(B)/obj/control.o $(B)/obj/ctl/main.o: CFLAGS += -DGN_VERSION='"$(VERSION)"'

# guardnetctl's reading of firewall rules is unit-tested too (check_ctl_fw.c).
CTL_TESTED := $(patsubst %,$(B)/obj/ctl/%.o,fw-read-nft fw-read-xt fw-eval fw-eval-load fw-eval-nft fw-eval-xt fw-dnat netlink iptables)

$(B)/check_guardnet: $(TEST_OBJ) $(LIB_OBJ) $(CTL_TESTED)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs check)

$(B)/obj $(B)/obj/test $(B)/obj/ctl:
	mkdir -p $@

# Unit tests (no root) and the layering rule.
check: $(B)/check_guardnet $(B)/guardnetd check-layering
	$(B)/check_guardnet

# The kernel-message suites compare what the code builds with the files in
# tests/unit/golden; this rewrites them from the code as it is (git diff then
# shows what changed, to be reviewed like code).
golden: $(B)/check_guardnet
	GN_GOLDEN=update $(B)/check_guardnet

# The layering rule of tests/layering.py: the kernel's libraries, netlink
# sockets and jansson only in the files allowed them, no driver header in
# the kernel layer, no include circle.  Its self-test breaks each rule once
# and fails unless every break is caught.
check-layering:
	@python3 tests/layering.py
	@python3 tests/layering.py --selftest >$(B)/layering-selftest.txt || { cat $(B)/layering-selftest.txt; exit 1; }

MANDIR     ?= $(PREFIX)/share/man

install: $(B)/guardnetd $(B)/guardnetctl
	install -D -m 0755 $(B)/guardnetd $(DESTDIR)$(SBINDIR)/guardnetd
	install -D -m 0755 $(B)/guardnetctl $(DESTDIR)$(SBINDIR)/guardnetctl
	install -D -m 0644 packaging/guardnet.conf $(DESTDIR)$(SYSCONFDIR)/guardnet/guardnet.conf
	install -D -m 0644 packaging/bash-completion/guardnetctl \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/guardnetctl
	for m in guardnetd.8 guardnetctl.8 guardnet.conf.5; do \
		mkdir -p $(DESTDIR)$(MANDIR)/man$${m##*.} && \
		sed 's/@VERSION@/$(VERSION)/' man/$$m >$(DESTDIR)$(MANDIR)/man$${m##*.}/$$m && \
		chmod 0644 $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m || exit 1; \
	done

# The Debian package, from the files git tracks: build/deb/guardnet_*.deb
deb:
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); [ "$${v%-*}" = "$(VERSION)" ] || \
		{ echo "packaging/debian/changelog is at $$v, VERSION says $(VERSION)"; exit 1; }
	rm -rf $(B)/deb && mkdir -p $(B)/deb/guardnet-$(VERSION)
	git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -xf - -C $(B)/deb/guardnet-$(VERSION)
	cp -r packaging/debian $(B)/deb/guardnet-$(VERSION)/debian
	cp packaging/systemd/guardnet.service $(B)/deb/guardnet-$(VERSION)/debian/guardnet.service
	cd $(B)/deb/guardnet-$(VERSION) && dpkg-buildpackage -us -uc -b

# The managed Docker plugin: build/plugin/config.json and rootfs/, for
# `docker plugin create guardnet build/plugin` (README, "Install as a Docker plugin").
plugin: $(B)/guardnetd
	sh packaging/plugin/build.sh $(B)/guardnetd $(B)/plugin

clean:
	rm -rf $(B)

include tests/fuzz/fuzz.mk tests/hardening/hardening.mk

-include $(wildcard $(B)/obj/*.d $(B)/obj/test/*.d $(B)/obj/ctl/*.d)

.PHONY: all check check-layering ctl-layering golden install clean deb plugin
