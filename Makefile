# tokentop: a release build, and an install of the binary with its man page, themes and shell completions.
# The standard themes are built into the binary; the copies installed under share/ are there to read and edit.
#   make                        release build (.build/release/tokentop)
#   make install PREFIX=~/.local  also: DESTDIR=/tmp/pkg for packaging
#   make uninstall PREFIX=~/.local
#   make man                    regenerate docs/tokentop.1 from the command definitions (commit it; run it after
#                               changing options, subcommands or dashboard keys, with README's keys table, which a test checks)
#   make completions            bash, zsh and fish completion scripts into .build/completions

PREFIX ?= /usr/local
SWIFT ?= swift
# debug makes a quick install to try the layout out.
CONFIGURATION ?= release
BINDIR = $(DESTDIR)$(PREFIX)/bin
SHAREDIR = $(DESTDIR)$(PREFIX)/share
BUILT = .build/$(CONFIGURATION)/tokentop
# The man page carries the last commit's date, so regenerating unchanged definitions changes nothing.
MAN_DATE ?= $(shell git log -1 --format=%cs 2>/dev/null || date +%Y-%m-%d)

.PHONY: build install uninstall man completions

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

# swift-argument-parser's generate-manual plugin runs the debug build's tokentop --experimental-dump-help.
man:
	$(SWIFT) package generate-manual --configuration debug --date $(MAN_DATE)
	mkdir -p docs
	cp .build/plugins/GenerateManual/outputs/tokentop/tokentop.1 docs/tokentop.1
