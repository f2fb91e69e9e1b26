# tokentop: a release build, and an install of the binary with its man page, themes and shell completions.
# The standard themes are built into the binary; the copies installed under share/ are there to read and edit.
#   make                        release build (.build/release/tokentop)
#   make install PREFIX=~/.local  also: DESTDIR=/tmp/pkg for packaging
#   make uninstall PREFIX=~/.local
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
SHAREDIR = $(DESTDIR)$(PREFIX)/share
BUILT = .build/$(CONFIGURATION)/tokentop
# The man page carries the last commit's date, so regenerating unchanged definitions changes nothing.
MAN_DATE ?= $(shell git log -1 --format=%cs 2>/dev/null || date +%Y-%m-%d)

.PHONY: build install uninstall man captures completions fuzz fuzz-build

build:
	$(SWIFT) build -c $(CONFIGURATION) --product tokentop

completions: build
	mkdir -p .build/completions
	$(BUILT) --generate-completion-script bash > .build/completions/tokentop.bash
	$(BUILT) --generate-completion-script zsh > .build/completions/_tokentop
	$(BUILT) --generate-completion-script fish > .build/completions/tokentop.fish

install: build completions
	install -d $(BINDIR) $(SHAREDIR)/tokentop/themes $(SHAREDIR)/man/man1 \
		$(SHAREDIR)/bash-completion/completions $(SHAREDIR)/zsh/site-functions $(SHAREDIR)/fish/vendor_completions.d
	install -m 755 $(BUILT) $(BINDIR)/tokentop
	install -m 644 themes/*.yaml $(SHAREDIR)/tokentop/themes/
	install -m 644 docs/tokentop.1 $(SHAREDIR)/man/man1/tokentop.1
	install -m 644 .build/completions/tokentop.bash $(SHAREDIR)/bash-completion/completions/tokentop
	install -m 644 .build/completions/_tokentop $(SHAREDIR)/zsh/site-functions/_tokentop
	install -m 644 .build/completions/tokentop.fish $(SHAREDIR)/fish/vendor_completions.d/tokentop.fish

uninstall:
	rm -f $(BINDIR)/tokentop $(SHAREDIR)/man/man1/tokentop.1 $(SHAREDIR)/bash-completion/completions/tokentop \
		$(SHAREDIR)/zsh/site-functions/_tokentop $(SHAREDIR)/fish/vendor_completions.d/tokentop.fish
	rm -f $(addprefix $(SHAREDIR)/tokentop/themes/,$(notdir $(wildcard themes/*.yaml)))
	-rmdir $(SHAREDIR)/tokentop/themes $(SHAREDIR)/tokentop 2>/dev/null

captures:
	$(SWIFT) run tokentop-captures README.md

# swift-argument-parser's generate-manual plugin runs the debug build's tokentop --experimental-dump-help.
man:
	$(SWIFT) package generate-manual --configuration debug --date $(MAN_DATE)
	mkdir -p docs
	cp .build/plugins/GenerateManual/outputs/tokentop/tokentop.1 docs/tokentop.1

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
