# tokentop: a release build, an install of the binary with its man page, themes and shell completions, and a release
# tarball. The standard themes are built into the binary; the copies installed under share/ are there to read and edit.
#   make                        release build (.build/release/tokentop and its front, tokentop-front; the Swift runtime
#                               linked in) and completions
#   make install PREFIX=~/.local  copies what `make` built (it never builds: run `make` as yourself first, then
#                               `sudo make install` if PREFIX needs root); also: DESTDIR=/tmp/pkg for packaging
#   make uninstall PREFIX=~/.local
#   make dist                   .build/dist/tokentop-VERSION-linux-ARCH.tar.gz and its .sha256: the binary, man page,
#                               completions, themes, README and examples, to unpack into a prefix (`tar -xzf FILE
#                               --strip-components=1 -C /usr/local`); .ci/check-dist builds it and checks it runs with
#                               the Swift toolchain out of reach
#   make kubernetes             regenerate examples/kubernetes/prometheusrule.yaml from examples/prometheus/alerts.yml
#                               (a test checks it is current)
#   make man                    regenerate docs/tokentop.1 from the command definitions (commit it; run it after
#                               changing options, subcommands or dashboard keys, with README's keys table, which a test checks)
#   make captures               draw README's terminal pictures afresh from fixed fixtures with the real renderer
#                               (between <!-- capture: NAME --> markers; a test fails when README's differ)
#   make completions            bash, zsh and fish completion scripts into .build/completions
#   make fuzz                   libFuzzer (with the address sanitizer) on every reader of outside input, one target at a
#                               time for FUZZ_SECONDS each (default 600); FUZZ_TARGETS=jwks picks some. Crashes are
#                               written into Tests/FuzzCorpus/<target>/ for review: `swift test` replays that folder.

PREFIX ?= /usr/local
SWIFT ?= swift
# debug makes a quick install to try the layout out.
CONFIGURATION ?= release
BINDIR = $(DESTDIR)$(PREFIX)/bin
# The full program lives here; bin/tokentop is its front, which answers cached `token` calls itself.
LIBEXECDIR = $(DESTDIR)$(PREFIX)/libexec/tokentop
SHAREDIR = $(DESTDIR)$(PREFIX)/share
BUILT ?= .build/$(CONFIGURATION)/tokentop
BUILT_FRONT ?= $(BUILT)-front
VERSION = $(shell sed -n 's/^ *static let version = "\(.*\)"$$/\1/p' Sources/TokentopCommands/Tokentop.swift)
DIST_NAME = tokentop-$(VERSION)-linux-$(shell uname -m)
DIST_DIR = .build/dist
# The man page carries the last commit's date, so regenerating unchanged definitions changes nothing.
MAN_DATE ?= $(shell git log -1 --format=%cs 2>/dev/null || date +%Y-%m-%d)

.PHONY: all build install uninstall dist kubernetes man captures completions fuzz fuzz-build

all: build completions

# The Swift runtime and Foundation are linked in, so the binary needs only libc, libstdc++, zlib and ncursesw: it can be
# copied to a machine without Swift.
# Two programs: the full one, and the small front installed as bin/tokentop (see Sources/tokentop-front).
build:
	$(SWIFT) build -c $(CONFIGURATION) --static-swift-stdlib --product tokentop
	$(SWIFT) build -c $(CONFIGURATION) --static-swift-stdlib --product tokentop-front

completions: build
	mkdir -p .build/completions
	$(BUILT) --generate-completion-script bash > .build/completions/tokentop.bash
	$(BUILT) --generate-completion-script zsh > .build/completions/_tokentop
	$(BUILT) --generate-completion-script fish > .build/completions/tokentop.fish

# Installs what is built and never builds: `sudo make install` on a fresh tree would otherwise run a ten-minute build
# as root. The completions come from the built binary.
install:
	@for built in $(BUILT) $(BUILT_FRONT); do test -x $$built \
		|| { echo "make install: no binary at $$built: run make (as yourself, not root) first" >&2; exit 1; }; done
	install -d $(BINDIR) $(LIBEXECDIR) $(SHAREDIR)/tokentop/themes $(SHAREDIR)/man/man1 \
		$(SHAREDIR)/bash-completion/completions $(SHAREDIR)/zsh/site-functions $(SHAREDIR)/fish/vendor_completions.d
	install -m 755 $(BUILT_FRONT) $(BINDIR)/tokentop
	install -m 755 $(BUILT) $(LIBEXECDIR)/tokentop
	install -m 644 themes/*.yaml $(SHAREDIR)/tokentop/themes/
	install -m 644 docs/tokentop.1 $(SHAREDIR)/man/man1/tokentop.1
	$(BUILT) --generate-completion-script bash > $(SHAREDIR)/bash-completion/completions/tokentop
	$(BUILT) --generate-completion-script zsh > $(SHAREDIR)/zsh/site-functions/_tokentop
	$(BUILT) --generate-completion-script fish > $(SHAREDIR)/fish/vendor_completions.d/tokentop.fish
	chmod 644 $(SHAREDIR)/bash-completion/completions/tokentop $(SHAREDIR)/zsh/site-functions/_tokentop \
		$(SHAREDIR)/fish/vendor_completions.d/tokentop.fish

# The release tarball: the install layout under tokentop-VERSION/, plus README and the examples under share/doc, packed
# with fixed owners, order and times (the last commit's) so the same tree gives the same bytes; then its SHA-256. The
# binary loses its debug sections (198 MB to 122 MB) and keeps its symbol table, so a crash's backtrace still names
# functions.
dist: build
	rm -rf $(DIST_DIR)/$(DIST_NAME) $(DIST_DIR)/$(DIST_NAME).tar.gz $(DIST_DIR)/$(DIST_NAME).tar.gz.sha256
	$(MAKE) install DESTDIR= PREFIX=$(abspath $(DIST_DIR)/$(DIST_NAME)) BUILT=$(BUILT) BUILT_FRONT=$(BUILT_FRONT)
	strip --strip-debug $(DIST_DIR)/$(DIST_NAME)/bin/tokentop $(DIST_DIR)/$(DIST_NAME)/libexec/tokentop/tokentop
	install -d $(DIST_DIR)/$(DIST_NAME)/share/doc/tokentop
	install -m 644 README.md $(DIST_DIR)/$(DIST_NAME)/share/doc/tokentop/README.md
	cp -R examples $(DIST_DIR)/$(DIST_NAME)/share/doc/tokentop/examples
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
		-C $(DIST_DIR) -czf $(DIST_DIR)/$(DIST_NAME).tar.gz $(DIST_NAME)
	cd $(DIST_DIR) && sha256sum $(DIST_NAME).tar.gz > $(DIST_NAME).tar.gz.sha256
	@echo "$(DIST_DIR)/$(DIST_NAME).tar.gz"

kubernetes:
	examples/kubernetes/generate-prometheusrule > examples/kubernetes/prometheusrule.yaml

uninstall:
	rm -f $(BINDIR)/tokentop $(LIBEXECDIR)/tokentop $(SHAREDIR)/man/man1/tokentop.1 $(SHAREDIR)/bash-completion/completions/tokentop \
		$(SHAREDIR)/zsh/site-functions/_tokentop $(SHAREDIR)/fish/vendor_completions.d/tokentop.fish
	rm -f $(addprefix $(SHAREDIR)/tokentop/themes/,$(notdir $(wildcard themes/*.yaml)))
	-rmdir $(SHAREDIR)/tokentop/themes $(SHAREDIR)/tokentop $(LIBEXECDIR) 2>/dev/null

captures:
	$(SWIFT) run tokentop-captures README.md

# swift-argument-parser's generate-manual plugin runs the debug build's tokentop --experimental-dump-help.
man:
	$(SWIFT) package generate-manual --configuration debug --date $(MAN_DATE)
	mkdir -p docs
	cp .build/plugins/GenerateManual/outputs/tokentop/tokentop.1 docs/tokentop.1
	# The plugin writes the generic "0 on success, >0 on error"; each command states its own under its name.
	sed -i 's/^\.Ex -std$$/Each command states its exit status in its description above. In short: 0 healthy (or done), 1 a client or token is not usable (or a request failed), 2 a configuration or usage error; exec passes on the exit status of its command./' docs/tokentop.1

# Fuzzing. The whole package is built with the address sanitizer and libFuzzer's coverage, in its own scratch path (the
# ordinary .build keeps its flags). libFuzzer's driver comes from clang's no_main runtime, linked into every executable
# but pulled only by tokentop-fuzz, which calls it: the full -sanitize=fuzzer would give the EmbedThemes plugin's tool
# libFuzzer's main as well.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= $(notdir $(patsubst %/,%,$(wildcard Tests/FuzzCorpus/*/)))
FUZZ_SCRATCH = .build-fuzz
FUZZ_BINARY = $(FUZZ_SCRATCH)/debug/tokentop-fuzz
CLANG_RUNTIME = $(firstword $(wildcard $(dir $(realpath $(shell command -v swiftc)))../lib/clang/*/lib/linux))
FUZZ_BUILD_FLAGS = --scratch-path $(FUZZ_SCRATCH) --sanitize address \
	-Xswiftc -sanitize-coverage=edge,trace-cmp,indirect-calls,inline-8bit-counters,pc-table -Xswiftc -DFUZZING \
	-Xlinker $(CLANG_RUNTIME)/libclang_rt.fuzzer_no_main-x86_64.a -Xlinker -lstdc++
# A hang past 10 s or 2 GiB of memory is a finding too; leak checks are off (the Swift runtime's caches look like leaks).
# SWIFT_BACKTRACE=enable=no: the Swift backtracer, reading the crashed stack, trips the address sanitizer itself.
FUZZ_OPTIONS = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=8192 -detect_leaks=0 \
	-print_final_stats=1

fuzz-build:
	$(SWIFT) build $(FUZZ_BUILD_FLAGS) --product tokentop-fuzz

# New coverage-increasing inputs go to .build-fuzz/corpus (not committed); the committed seeds are read, crashes
# land beside them. Prints one line per target: executions per second, edges covered, crashes.
fuzz: fuzz-build
	@mkdir -p $(FUZZ_SCRATCH)/logs
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_SCRATCH)/corpus/$$target; \
		echo "fuzzing $$target for $(FUZZ_SECONDS) s (log: $(FUZZ_SCRATCH)/logs/$$target.log)"; \
		ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no TOKENTOP_FUZZ_TARGET=$$target $(FUZZ_BINARY) $(FUZZ_OPTIONS) \
			-artifact_prefix=Tests/FuzzCorpus/$$target/ $(FUZZ_SCRATCH)/corpus/$$target Tests/FuzzCorpus/$$target \
			> $(FUZZ_SCRATCH)/logs/$$target.log 2>&1; \
		status=$$?; \
		awk -v target=$$target -v status=$$status ' \
			/ cov: / { for (i = 1; i <= NF; i++) if ($$i == "cov:") cov = $$(i + 1) } \
			/stat::number_of_executed_units/ { runs = $$2 } /stat::average_exec_per_sec/ { rate = $$2 } \
			/^(==[0-9]+==ERROR|SUMMARY: libFuzzer|Fatal error)/ { crashed = 1 } \
			END { printf "%-18s %8s exec/s  %6s edges  %10s runs  %s\n", target, rate, cov, runs, \
				(crashed || status != 0) ? "CRASH: see the log and Tests/FuzzCorpus/" target "/crash-*" : "no crash" }' \
			$(FUZZ_SCRATCH)/logs/$$target.log; \
	done
