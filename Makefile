# tether: remote rescue over SSH. See README.md.

# The one version: debian/changelog's first entry is what tetherd -V,
# tether -V, the SSH banner and the packages all say.
VERSION :=	$(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
PREFIX ?=	/usr/local
SYSCONFDIR ?=	/etc
UNITDIR ?=	$(PREFIX)/lib/systemd/system
BASHCOMPDIR ?=	$(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?=	$(PREFIX)/share/zsh/site-functions
ifeq ($(VERSION),)
$(error no version in debian/changelog)
endif
DESTDIR ?=
BUILD ?=	build
CC ?=		cc
SAN ?=
OPT ?=		-O2

PKG_COMMON =	libssh yaml-0.1 libcrypto blkid
PKG_SNAP =	libpng zlib
PKG_TUI =	ncursesw

WARN =		-Wall -Wextra -Wshadow -Wpointer-arith -Wmissing-prototypes
# A newer compiler's new warning must not break a user's build: warnings
# are errors only for developers (DEBUG=1) and in CI.
ifneq ($(DEBUG)$(CI),)
WARN +=		-Werror
endif
# CFLAGS and CPPFLAGS are the user's (make CFLAGS=-O0, or a packager's
# flags); what the build needs goes in the internal variables around them.
CFLAGS ?=	$(OPT) -g
TETHER_CPPFLAGS = -D_GNU_SOURCE -DTETHER_VERSION='"$(VERSION)"' -Icommon \
		$(shell pkg-config --cflags $(PKG_COMMON) $(PKG_TUI) $(PKG_SNAP))
TETHER_CFLAGS =	-std=c11 $(WARN) $(SAN)
LDFLAGS +=	$(SAN)
LIBS_COMMON =	$(shell pkg-config --libs $(PKG_COMMON)) -lutil
# The session process's seccomp filter (sandbox.c): the agent only.
LIBS_AGENT =	$(shell pkg-config --libs libseccomp)
LIBS_TUI =	$(shell pkg-config --libs $(PKG_TUI))
LIBS_SNAP =	$(shell pkg-config --libs $(PKG_SNAP)) -pthread
LIBS_TEST =	$(shell pkg-config --libs cmocka)

COMMON_SRCS =	common/conf.c common/discmsg.c common/file.c common/kdf.c \
		common/log.c common/net.c common/readkey.c common/strlist.c \
		common/ticket.c common/wire.c common/words.c common/xmalloc.c \
		common/yaml.c
# The snapshot code, linked alone by its unit test and its bench too.
SNAP_SRCS =	agentd/snapcap.c agentd/snappng.c agentd/snaptext.c \
		agentd/snaptile.c
AGENT_SRCS =	agentd/audit.c agentd/auth.c agentd/config.c agentd/console.c \
		agentd/diagboot.c agentd/diagnose.c agentd/diagsys.c \
		agentd/disc.c agentd/drivers.c agentd/forward.c \
		agentd/keyboard.c agentd/layer.c agentd/limits.c agentd/main.c \
		agentd/hold.c agentd/monitor.c agentd/monwrap.c agentd/mountlog.c \
		agentd/msg.c agentd/netinfo.c agentd/procscan.c \
		agentd/reason.c agentd/record.c agentd/relay.c agentd/relaykey.c \
		agentd/rescue.c agentd/root.c agentd/rootcrypt.c \
		agentd/rootfile.c agentd/roothealth.c agentd/rootlayer.c \
		agentd/rootlog.c agentd/rootpath.c agentd/rootscan.c \
		agentd/sandbox.c agentd/server.c agentd/session.c \
		agentd/sftppace.c $(SNAP_SRCS) \
		agentd/snapverb.c agentd/state.c agentd/tools.c agentd/verbs.c \
		agentd/wait.c agentd/watch.c
TUI_SRCS =	tui/args.c tui/browse.c tui/cand.c tui/client.c tui/console.c \
		tui/discover.c tui/form.c tui/info.c tui/keycache.c tui/main.c \
		tui/menu.c tui/pane.c tui/probe.c tui/roots.c tui/snapview.c \
		tui/tiles.c tui/tools.c tui/transfer.c tui/ui.c
UNIT_TESTS =	test_ticket test_kdf test_words test_args test_wire test_conf test_file \
		test_yaml test_root test_layer test_disc test_snap test_diag \
		test_drivers test_keyboard \
		test_tile test_monitor test_sftppace

COMMON_OBJS =	$(COMMON_SRCS:%.c=$(BUILD)/%.o)
AGENT_OBJS =	$(AGENT_SRCS:%.c=$(BUILD)/%.o)
SNAP_OBJS =	$(SNAP_SRCS:%.c=$(BUILD)/%.o)
TUI_OBJS =	$(TUI_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS =	$(UNIT_TESTS:%=$(BUILD)/tests/%)
# PNG decoding, for what reads PNG only: the agent never does.
PNG_OBJS =	$(BUILD)/common/pngread.o
DIAG_OBJS =	$(BUILD)/agentd/diagboot.o $(BUILD)/agentd/diagnose.o \
		$(BUILD)/agentd/diagsys.o

DEBIAN_DEPS =	build-essential pkg-config clang libssh-dev libyaml-dev \
		libseccomp-dev \
		libncurses-dev libssl-dev libpng-dev zlib1g-dev libblkid-dev \
		libcmocka-dev openssh-client openssh-sftp-server sshpass tmux \
		mandoc openssl procps iproute2 psmisc ncurses-term \
		libclang-rt-dev python3 openssh-server valgrind strace \
		qemu-system-x86 busybox-static e2fsprogs fdisk cpio kmod \
		systemd netpbm cppcheck btrfs-progs xfsprogs dosfstools \
		cryptsetup-bin lvm2 mdadm ntfs-3g \
		putty-tools python3-paramiko python3-asyncssh ssh-audit \
		xorriso mtools grub-common grub2-common grub-pc-bin \
		grub-efi-amd64-bin grub-efi-amd64-signed shim-signed ovmf \
		debhelper dpkg-dev lintian bash-completion zsh man-db \
		linux-image-amd64 testdisk smartmontools gddrescue memtester \
		ncurses-base

.SECONDARY:

.PHONY: all deps check check-all check-unit check-integ check-asan check-valgrind demo \
	install uninstall clean lint lint-man fuzz fuzz-quick fuzz-regress bench \
	bench-quick bench-snap rescue-image drill drill-storage \
	rescue-iso rescue-netboot boot-test boot-test-all deb check-deb

all: $(BUILD)/tetherd $(BUILD)/tether $(BUILD)/tests/yget $(BUILD)/tests/preauth \
    $(BUILD)/tests/tetherd-trip \
    $(BUILD)/tests/oversize

# V=1 shows the whole compiler command lines.
Q = $(if $(V),,@)

# -MMD -MP: each object depends on the headers it really includes, so a
# change to tui/tether.h rebuilds the viewer's objects and no others.
# debian/changelog holds the version, which is compiled in.
$(BUILD)/%.o: %.c debian/changelog
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(TETHER_CPPFLAGS) $(CPPFLAGS) $(TETHER_CFLAGS) $(CFLAGS) \
	    -MMD -MP -c $< -o $@

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)

$(BUILD)/tetherd: $(AGENT_OBJS) $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_AGENT) $(LIBS_COMMON) $(LIBS_SNAP)

# For t-privsep only: a session process that makes a forbidden call
# (execve) when a client logs in as "sandbox-trip". Never installed.
$(BUILD)/tests/session-trip.o: agentd/session.c debian/changelog
	@mkdir -p $(@D)
	$(Q)$(CC) $(TETHER_CPPFLAGS) -DTETHER_SANDBOX_TEST $(CPPFLAGS) \
	    $(TETHER_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/tests/tetherd-trip: $(filter-out $(BUILD)/agentd/session.o,\
    $(AGENT_OBJS)) $(BUILD)/tests/session-trip.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_AGENT) $(LIBS_COMMON) $(LIBS_SNAP)

$(BUILD)/tether: $(TUI_OBJS) $(COMMON_OBJS) $(PNG_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TUI) $(LIBS_COMMON) $(LIBS_SNAP)

$(BUILD)/tests/yget: $(BUILD)/tests/yget.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_COMMON)

$(BUILD)/tests/preauth: $(BUILD)/tests/preauth.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_COMMON)

$(BUILD)/tests/oversize: $(BUILD)/tests/oversize.o
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_COMMON)

$(BUILD)/tests/test_args: $(BUILD)/tests/unit/test_args.o \
    $(BUILD)/tui/args.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON)

$(BUILD)/tests/test_root: $(BUILD)/tests/unit/test_root.o \
    $(BUILD)/agentd/rootfile.o $(BUILD)/agentd/roothealth.o \
    $(BUILD)/agentd/rootlog.o \
    $(BUILD)/agentd/rootpath.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON)
$(BUILD)/tests/test_diag: $(BUILD)/tests/unit/test_diag.o $(DIAG_OBJS) \
    $(BUILD)/agentd/rootfile.o \
    $(BUILD)/agentd/rootpath.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON)
$(BUILD)/tests/test_drivers: $(BUILD)/tests/unit/test_drivers.o \
    $(BUILD)/agentd/drivers.o $(DIAG_OBJS) \
    $(BUILD)/agentd/rootfile.o $(BUILD)/agentd/rootpath.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON)
$(BUILD)/tests/test_keyboard: $(BUILD)/tests/unit/test_keyboard.o \
    $(BUILD)/agentd/keyboard.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON)
$(BUILD)/tests/test_layer: $(BUILD)/tests/unit/test_layer.o \
    $(BUILD)/agentd/layer.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON)
$(BUILD)/tests/test_snap: $(BUILD)/tests/unit/test_snap.o $(SNAP_OBJS) \
    $(COMMON_OBJS) $(PNG_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON) $(LIBS_SNAP)
$(BUILD)/tests/test_sftppace: $(BUILD)/tests/unit/test_sftppace.o \
    $(BUILD)/agentd/sftppace.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON)
$(BUILD)/tests/test_tile: $(BUILD)/tests/unit/test_tile.o $(SNAP_OBJS) \
    $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON) $(LIBS_SNAP)

$(BUILD)/tests/test_monitor: $(BUILD)/tests/unit/test_monitor.o \
    $(filter-out $(BUILD)/agentd/main.o $(BUILD)/agentd/server.o \
    $(BUILD)/agentd/netinfo.o $(BUILD)/agentd/disc.o,$(AGENT_OBJS)) \
    $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_AGENT) $(LIBS_COMMON) \
	    $(LIBS_SNAP)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(COMMON_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_COMMON)


# What is installed already stays as it is: deps installs what is missing
# and upgrades nothing of the machine's.
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	    --no-upgrade $(DEBIAN_DEPS)

check: all $(UNIT_BINS)
	BUILD=$(BUILD) sh tests/run.sh

# check and the x-*.sh scripts: what failed now and then and is kept out
# of every run until it has been seen to pass for a while (none now).
check-all: all $(UNIT_BINS)
	BUILD=$(BUILD) sh tests/run.sh all tests/integ/t-*.sh \
	    $(wildcard tests/integ/x-*.sh)

check-unit: all $(UNIT_BINS)
	BUILD=$(BUILD) sh tests/run.sh unit

check-integ: all
	BUILD=$(BUILD) sh tests/run.sh integ

check-asan:
	TETHER_SANITIZED=1 $(MAKE) BUILD=build/asan CC=clang OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    check

# The unit tests and one whole agent session under valgrind: no error and
# no definite leak in any process (tests/integ/valgrind.sh).
check-valgrind: all $(UNIT_BINS)
	BUILD=$(BUILD) sh tests/run.sh integ tests/integ/valgrind.sh

# libFuzzer harnesses, one per parser (fuzz/README.md). FUZZ_SECONDS=N
# runs each for N seconds (60 by default); fuzz-regress replays the corpora.
fuzz:
	$(MAKE) -C fuzz fuzz

fuzz-quick:
	$(MAKE) -C fuzz fuzz-quick

fuzz-regress:
	$(MAKE) -C fuzz fuzz-regress

# tether against a private OpenSSH sshd on 127.0.0.1, as ratios
# (bench/README.md). Timings are not tests: neither is part of check.
bench: all $(BUILD)/bench/snapbench
	BUILD=$(BUILD) CC="$(CC)" sh bench/run.sh

bench-quick: all $(BUILD)/bench/snapbench
	BUILD=$(BUILD) CC="$(CC)" sh bench/run.sh --quick

# PNG settings for snapshots, measured (bench/results.md, "Snapshot PNG").
$(BUILD)/bench/snapbench: $(BUILD)/bench/snapbench.o $(SNAP_OBJS) \
    $(COMMON_OBJS) $(PNG_OBJS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_COMMON) $(LIBS_SNAP)

bench-snap: $(BUILD)/bench/snapbench
	nice -n 10 $(BUILD)/bench/snapbench -n 5 | tee $(BUILD)/bench/snap.md

demo: all
	sh tests/demo.sh $(BUILD)

# The rescue image: BUILD/rescue/initramfs.cpio.gz and vmlinuz, from
# Debian's linux-image-amd64, busybox-static and this build (tetherd(8),
# RESCUE IMAGE). The drill boots it under qemu on a broken disk and
# repairs that from the viewer (tests/integ/drill.sh).
rescue-image: all
	sh config/rescue/mkimage.sh $(BUILD)

drill: rescue-image
	BUILD=$(BUILD) timeout 900 sh tests/integ/drill.sh

# Roots behind LUKS, LVM and md RAID (tests/integ/drill-storage.sh): a
# first boot builds the disks inside the guest, a second one is driven
# from the viewer. About 5 minutes of software emulation: not in check.
drill-storage: rescue-image
	BUILD=$(BUILD) timeout 1500 sh tests/integ/drill-storage.sh

# One hybrid ISO, BUILD/rescue/tether-rescue.iso, that boots from a CD or
# a USB stick under BIOS and under UEFI with Secure Boot on (Debian's
# signed shim, GRUB and kernel).
rescue-iso: rescue-image
	sh config/rescue/mkiso.sh $(BUILD) $(VERSION)

# The network boot tree, BUILD/rescue/netboot/, for a TFTP server: an
# iPXE script for BIOS, Debian's signed shim and network GRUB for UEFI.
rescue-netboot: rescue-image
	sh config/rescue/mknetboot.sh $(BUILD) $(VERSION)

# Boot the media under qemu and check the ticket on the serial console:
# boot-test runs the routes CI runs every time, boot-test-all every route
# (tests/integ/boot.sh).
boot-test: rescue-iso
	BUILD=$(BUILD) timeout 1200 sh tests/integ/boot.sh

boot-test-all: rescue-iso rescue-netboot
	BUILD=$(BUILD) timeout 2400 sh tests/integ/boot.sh all

# The Debian packages tether, tetherd and tether-rescue (debian/), built
# as dpkg-buildpackage does it, then moved with their .changes and
# .buildinfo from the parent directory to BUILD/deb.
deb:
	dpkg-buildpackage -us -uc -b
	rm -rf $(BUILD)/deb
	mkdir -p $(BUILD)/deb
	c=../tether_$(VERSION)_$$(dpkg-architecture -qDEB_HOST_ARCH).changes; \
	    for f in $$(awk '/^Files:/ { f = 1; next } /^[^ ]/ { f = 0 } \
	    f { print $$5 }' "$$c") "$${c#../}"; do \
		mv "../$$f" $(BUILD)/deb/ || exit 1; \
	    done
	@ls -l $(BUILD)/deb

# lintian on every package, then each installed into a scratch root and
# checked against the manual pages, then purged (tests/integ/deb.sh).
check-deb: deb all
	BUILD=$(BUILD) sh tests/run.sh integ tests/integ/deb.sh

# cppcheck's warning and portability checks over every C file, then the
# manual pages.
CPPCHECK =	cppcheck --enable=warning,portability --error-exitcode=1 --quiet \
		--std=c11 -D_GNU_SOURCE -D__GNUC__ -DTETHER_VERSION='"$(VERSION)"' \
		-Icommon -Iagentd -Itui \
		-Ifuzz --suppress=missingIncludeSystem
lint: lint-man
	$(CPPCHECK) agentd common tui tests fuzz bench

lint-man:
	mandoc -Tlint -W warning man/*.[0-9]

# The configuration is installed only where none exists yet: an upgrade
# must not undo a site's changes.
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/tether/tools.d $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(BUILD)/tetherd $(DESTDIR)$(PREFIX)/sbin/tetherd
	install -m 0755 $(BUILD)/tether $(DESTDIR)$(PREFIX)/bin/tether
	install -m 0644 contrib/completion/tether.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/tether
	install -m 0644 contrib/completion/tetherd.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/tetherd
	install -m 0644 contrib/completion/_tether contrib/completion/_tetherd \
	    $(DESTDIR)$(ZSHCOMPDIR)/
	install -m 0644 man/tether.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/tetherd.yaml.5 man/tether-tools.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/tetherd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	sed -e 's|/usr/local/sbin/|$(PREFIX)/sbin/|' \
	    -e 's|/etc/tether/|$(SYSCONFDIR)/tether/|g' contrib/tetherd.service \
	    >$(DESTDIR)$(UNITDIR)/tetherd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tetherd.service
	for f in tetherd.yaml tools.yaml; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/tether/$$f ] || \
		    install -m 0644 config/$$f $(DESTDIR)$(SYSCONFDIR)/tether/; \
	done

# The configuration stays, as a package's configuration files do.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/tetherd $(DESTDIR)$(PREFIX)/bin/tether \
	    $(DESTDIR)$(PREFIX)/share/man/man1/tether.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/tetherd.yaml.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/tether-tools.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/tetherd.8 \
	    $(DESTDIR)$(UNITDIR)/tetherd.service \
	    $(DESTDIR)$(BASHCOMPDIR)/tether $(DESTDIR)$(BASHCOMPDIR)/tetherd \
	    $(DESTDIR)$(ZSHCOMPDIR)/_tether $(DESTDIR)$(ZSHCOMPDIR)/_tetherd

clean:
	rm -rf build
