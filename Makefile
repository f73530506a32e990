# rsess: see README.md. GNU make. Honours CC CFLAGS CPPFLAGS LDFLAGS PREFIX
# DESTDIR (install only) and V=1 for verbose output.

VERSION := $(shell sed -n 's/^\#define RSESS_VERSION_STRING "\(.*\)"/\1/p' include/rsess.h)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
PREFIX ?= /usr/local
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wformat=2
BUILD ?= build

Q = $(if $(V),,@)
PKG = $(shell pkg-config $(1) $(2) 2>/dev/null)
LIB_DEPS_CFLAGS = $(call PKG,--cflags,libsodium zlib libcrypto)
LIB_DEPS_LIBS = $(or $(call PKG,--libs,libsodium zlib libcrypto),-lsodium -lz -lcrypto)
# the unit tests read their JSON manifests with jansson (a test-only dependency)
TEST_JSON_LIBS = $(or $(call PKG,--libs,jansson),-ljansson)
CHECK_CFLAGS = $(call PKG,--cflags,check)
CHECK_LIBS = $(or $(call PKG,--libs,check),-lcheck -lsubunit -lm -lrt -lpthread)

ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude $(WARN) $(CPPFLAGS) $(CFLAGS)
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
CLI_SRC = $(wildcard cli/*.c)
TEST_SRC = $(wildcard tests/unit/*.c)

.PHONY: FORCE all lib cli test diff check-unit check-base check-cli check-integration check-replay demo fixtures clean install \
	uninstall deps-build deps-test examples rails-zones check-build sanitize valgrind fuzz fuzz-build bench bench-borrow bench-ruby \
	bench-readme bench-compare bench-callgrind bench-migrate bench-float float-table bench-cookie bench-print bench-hostile coverage

all: $(BUILD)/librsess.a $(BUILD)/librsess.so.$(VERSION) $(BUILD)/rsess

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) include/rsess.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(LIB_DEPS_CFLAGS) -c $< -o $@

$(BUILD)/lib/cookie.o: lib/cookie.h

# One relocatable object whose hidden (internal) symbols are made local:
# the archive exports rsess_* only, so a program's own rs_fail links.
$(BUILD)/librsess.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ $(BUILD)/librsess-all.o
	$(Q)$(LD) -r -o $(BUILD)/librsess-all.o $^
	$(Q)objcopy --localize-hidden $(BUILD)/librsess-all.o
	$(Q)ar rcs $@ $(BUILD)/librsess-all.o

$(BUILD)/librsess.so.$(VERSION): $(LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,librsess.so.$(MAJOR) -Wl,--no-undefined $(LDFLAGS) -o $@ $^ $(LIB_DEPS_LIBS) -lm
	$(Q)ln -sf librsess.so.$(VERSION) $(BUILD)/librsess.so.$(MAJOR)
	$(Q)ln -sf librsess.so.$(MAJOR) $(BUILD)/librsess.so

$(BUILD)/rsess: $(CLI_SRC) cli/cli.h include/rsess.h $(BUILD)/librsess.a
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CLI_SRC) $(BUILD)/librsess.a $(LIB_DEPS_LIBS) -lm

# the unit tests reach internal functions too: they link the objects
$(BUILD)/test-rsess: $(TEST_SRC) tests/unit/testutil.h tests/unit/realruby.h $(LIB_OBJ)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Ilib $(CHECK_CFLAGS) $(LDFLAGS) -o $@ $(TEST_SRC) $(LIB_OBJ) $(CHECK_LIBS) $(TEST_JSON_LIBS) $(LIB_DEPS_LIBS) -lm

# --- the two README commands -------------------------------------------------
demo: deps-build
	@$(MAKE) --no-print-directory all
	@echo '$$ build/rsess decode examples/data/cache-entry-hello.txt'
	@$(BUILD)/rsess decode examples/data/cache-entry-hello.txt

test: deps-test
	@$(MAKE) --no-print-directory all $(BUILD)/test-rsess examples
	@$(MAKE) --no-print-directory check-unit check-base check-cli check-replay check-hostile check-build check-integration

check-unit: $(BUILD)/test-rsess
	$(Q)cd tests && ../$(BUILD)/test-rsess

check-cli: $(BUILD)/rsess
	$(Q)tests/cli/run.sh $(BUILD)/rsess

# the base layer alone (lib/base.h and lib/text.h): its files and a Check
# program, the node model's names poisoned, nothing else of lib/ linked
BASE_SRC = lib/alloc.c lib/buf.c lib/err.c lib/map.c lib/version.c lib/text.c
$(BUILD)/test-base: tests/base/test_base.c $(BASE_SRC) lib/base.h lib/text.h include/rsess.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -DRSESS_BASE_ONLY -Ilib $(CHECK_CFLAGS) $(LIB_DEPS_CFLAGS) $(LDFLAGS) -o $@ $< $(BASE_SRC) $(CHECK_LIBS) $(LIB_DEPS_LIBS)

check-base: $(BUILD)/test-base
	$(Q)$(BUILD)/test-base

check-integration: $(BUILD)/rsess examples
	$(Q)tests/integration/redis.sh $(BUILD)
	$(Q)tests/integration/migrate.sh $(BUILD)
	$(Q)tests/integration/cookbook.sh $(BUILD)
	$(Q)tests/integration/cookies.sh $(BUILD)

# --- speed: rsess and Ruby's own Marshal on the same payloads --------------------
BENCH_PAYLOADS = bench/payloads/hello.bin bench/payloads/typical.bin bench/payloads/cart.bin \
	bench/payloads/strings.bin bench/payloads/many_hashes.bin bench/payloads/records.bin

$(BUILD)/rsess-bench: bench/rsess-bench.c $(BUILD)/librsess.a
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librsess.a $(LIB_DEPS_LIBS) -lm

# rsess on its own (bench-borrow: RSESS_READ_BORROW); each payload's .e71 is
# the same value in a compressed Rails 7.1 entry, checked first
bench: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/rsess-bench
	$(BUILD)/rsess-bench --check $(BENCH_PAYLOADS)
	$(BUILD)/rsess-bench $(BENCH_PAYLOADS)
	@echo "(moving 100,000 sessions through Redis: make bench-migrate)"

# float text both ways, 1M doubles (instructions: see bench/float-bench.c)
$(BUILD)/float-bench: bench/float-bench.c lib/float.h $(LIB_OBJ)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Ilib $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIB_DEPS_LIBS) -lm

bench-float: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/float-bench
	$(BUILD)/float-bench

$(BUILD)/cookie-bench: bench/cookie-bench.c $(BUILD)/librsess.a
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librsess.a $(LIB_DEPS_LIBS) -lm

# session cookies: verify + decrypt + decode per second, keys derived once
bench-cookie: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/cookie-bench
	$(BUILD)/cookie-bench

# the three views: rsess_print calls per second on the bench payloads
$(BUILD)/print-bench: bench/print-bench.c $(BUILD)/librsess.a
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librsess.a $(LIB_DEPS_LIBS) -lm

bench-print: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/print-bench
	$(BUILD)/print-bench $(BENCH_PAYLOADS)

# adversarial inputs (issue 18): ns per byte against a typical session's, 20x at most
$(BUILD)/hostile-bench: bench/hostile-bench.c $(BUILD)/librsess.a
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librsess.a $(LIB_DEPS_LIBS) -lm

bench-hostile: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/hostile-bench $(BUILD)/rsess
	$(BUILD)/hostile-bench $(BUILD)/rsess

bench-borrow: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/rsess-bench
	$(BUILD)/rsess-bench --borrow $(BENCH_PAYLOADS)

bench-ruby:
	@scripts/install-deps.sh bench
	ruby bench/ruby-bench.rb $(BENCH_PAYLOADS)

# 100,000 sessions read, converted and written back on loopback (standalone and
# a 3-master cluster): the figures of the migration targets (<= 60 s, read <= 30 s)
BENCH_MIGRATE_SESSIONS ?= 100000
bench-migrate: deps-test
	@$(MAKE) --no-print-directory $(BUILD)/rsess
	bench/migrate.sh $(BUILD) $(BENCH_MIGRATE_SESSIONS)

# both, alternating run by run; the median of BENCH_RUNS (5) ratios, memory,
# the drift (bench-readme: the README's table from this output)
bench-compare: deps-build
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory $(BUILD)/rsess-bench
	@$(BUILD)/rsess-bench --check $(BENCH_PAYLOADS) >/dev/null
	bench/compare.sh $(BUILD) $(BENCH_PAYLOADS)

# the README's table rewritten from a fresh bench-compare (kept in the build folder)
bench-readme:
	@echo "bench-compare (about 10 minutes) into $(BUILD)/bench-compare.txt"
	@$(MAKE) --no-print-directory bench-compare >$(BUILD)/bench-compare.tmp
	@mv $(BUILD)/bench-compare.tmp $(BUILD)/bench-compare.txt
	@cat $(BUILD)/bench-compare.txt
	bench/readme-table.sh $(BUILD)/bench-compare.txt README.md

# instructions per operation (callgrind), rsess and Ruby: stable where timings drift
bench-callgrind: deps-build
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory $(BUILD)/rsess-bench
	bench/callgrind.sh $(BUILD) $(BENCH_PAYLOADS)

# --- hostile input: fuzzing, replay, sanitizers, valgrind -----------------------
FUZZ_TARGETS = marshal roundtrip entry text typed_json cluster walk cookie migrate
REPLAYS = $(FUZZ_TARGETS:%=$(BUILD)/replay-%)
# the migrate target includes cli/records.c and cli/migrate.c and links the
# rest of the CLI, its main renamed
FUZZ_CLI = -DRSESS_CLI_NO_MAIN cli/rsess.c cli/cookie.c cli/cookie_jar.c

$(BUILD)/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB_OBJ)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(if $(filter migrate,$*),$(FUZZ_CLI)) \
	  $(LIB_OBJ) $(LIB_DEPS_LIBS) -lm
$(BUILD)/replay-migrate: $(CLI_SRC) cli/cli.h

$(BUILD)/mutate: tests/hostile/mutate.c
	$(Q)$(CC) -O2 -o $@ $<

check-hostile: $(BUILD)/rsess $(BUILD)/mutate
	$(Q)tests/hostile/run.sh $(BUILD) $(HOSTILE_CUTS) $(HOSTILE_MUTATIONS) "$(HOSTILE_COMMANDS)"

# every committed corpus input and every input that ever crashed
check-replay: $(REPLAYS)
	$(Q)for t in $(FUZZ_TARGETS); do $(BUILD)/replay-$$t tests/fuzz/corpus/$$t tests/fuzz/crashes || exit 1; done

FUZZ_SECONDS ?= 600
HOSTILE_CUTS ?= 6
HOSTILE_MUTATIONS ?= 4
HOSTILE_COMMANDS ?= decode
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude

fuzz-build:
	@scripts/install-deps.sh fuzz
	@mkdir -p build-fuzz
	@for t in $(FUZZ_TARGETS); do echo "  FUZZ    build-fuzz/fuzz_$$t"; \
	  extra=; [ $$t = migrate ] && extra="$(FUZZ_CLI)"; \
	  clang $(FUZZ_CFLAGS) $(call PKG,--cflags,libsodium zlib) -o build-fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c \
	    $$extra $(LIB_SRC) $(LIB_DEPS_LIBS) -lm || exit 1; done

# make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS=marshal]: new inputs are merged into the corpus
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do mkdir -p build-fuzz/new-$$t tests/fuzz/corpus/$$t tests/fuzz/crashes; \
	  echo "fuzz $$t for $(FUZZ_SECONDS) s"; \
	  build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -dict=tests/fuzz/marshal.dict -max_len=4096 \
	    -artifact_prefix=tests/fuzz/crashes/$$t- -print_final_stats=1 build-fuzz/new-$$t tests/fuzz/corpus/$$t \
	    2>&1 | tail -14; \
	  build-fuzz/fuzz_$$t -merge=1 tests/fuzz/corpus/$$t build-fuzz/new-$$t 2>&1 | tail -1; done

# the library, the CLI and the tests with AddressSanitizer and UBSan
sanitize: deps-test
	@$(MAKE) --no-print-directory BUILD=build-san CC=gcc \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" all build-san/test-rsess $(REPLAYS:$(BUILD)/%=build-san/%) build-san/mutate
	@$(MAKE) --no-print-directory BUILD=build-san check-unit check-cli check-replay check-hostile

valgrind: deps-test
	@$(MAKE) --no-print-directory all $(BUILD)/test-rsess
	$(Q)cd tests && CK_FORK=no valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  ../$(BUILD)/test-rsess

# --- examples: programs users copy from ---------------------------------------
EXAMPLES_PLAIN = $(patsubst examples/%.c,$(BUILD)/examples/%,$(filter-out $(EXAMPLES_HIREDIS_SRC),$(wildcard examples/*.c)))
EXAMPLES_HIREDIS_SRC = examples/read_session.c examples/write_fixture.c
HIREDIS_LIBS = $(call PKG,--libs,hiredis)

examples: $(EXAMPLES_PLAIN)
	@if [ -n "$(HIREDIS_LIBS)" ]; then \
	  $(MAKE) --no-print-directory $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLES_HIREDIS_SRC)); \
	else echo "examples: skipping read_session and write_fixture: hiredis is missing (apt-get install libhiredis-dev)"; fi

$(BUILD)/examples/%: examples/%.c include/rsess.h $(BUILD)/librsess.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librsess.a $(HIREDIS_LIBS) $(LIB_DEPS_LIBS) -lm

deps-build:
	@scripts/install-deps.sh build
deps-test:
	@scripts/install-deps.sh test

# --- golden bytes from real Ruby ----------------------------------------------
fixtures:
	@scripts/install-deps.sh fixtures
	ruby tests/fixtures/generate.rb tests/fixtures
	ruby tests/fixtures/generate_edits.rb tests/fixtures
	ruby tests/fixtures/generate_keys.rb tests/fixtures
	ruby tests/fixtures/generate_types.rb tests/fixtures
	ruby tests/fixtures/generate_unicode.rb tests/fixtures
	ruby tests/fixtures/generate_floats.rb tests/fixtures
	ruby tests/fixtures/generate_cookies.rb tests/fixtures
	ruby tests/fixtures/generate_json.rb tests/fixtures
	ruby tests/fixtures/generate_repros.rb tests/fixtures
	ruby tests/fixtures/generate_coverage.rb tests/fixtures
	ruby tests/fixtures/generate_dupkeys.rb tests/fixtures
	ruby bench/make_payloads.rb bench/payloads
	node tests/fixtures/ruby-wasm/generate.cjs tests/fixtures $(BUILD)/ruby-wasm

# the Unicode table behind Ruby's inspect (Debian's unicode-data: Unicode 15.0, Ruby 3.4's)
unicode-table:
	@scripts/install-deps.sh fixtures
	ruby scripts/gen-unicode-table.rb /usr/share/unicode/UnicodeData.txt > lib/unicode_print.c

# Rails zone names -> IANA names (ActiveSupport::TimeZone::MAPPING, Debian's 6.1)
rails-zones:
	@scripts/install-deps.sh fixtures
	ruby scripts/gen-rails-zones.rb > lib/rails_zones.c

# the 128-bit powers of ten behind float text both ways
float-table:
	ruby scripts/gen-float-table.rb > lib/float_pow10.c

# --- install ------------------------------------------------------------------
LIBDIR = $(PREFIX)/lib
MANDIR = $(PREFIX)/share/man
API_PAGES = $(shell scripts/api-names.sh)

# made anew on every install: its text depends on PREFIX and LIBDIR
$(BUILD)/rsess.pc: rsess.pc.in include/rsess.h FORCE
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@
FORCE:

install: all $(BUILD)/rsess.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(BUILD)/rsess $(DESTDIR)$(PREFIX)/bin/rsess
	install -m 644 $(BUILD)/librsess.a $(DESTDIR)$(LIBDIR)/librsess.a
	install -m 755 $(BUILD)/librsess.so.$(VERSION) $(DESTDIR)$(LIBDIR)/librsess.so.$(VERSION)
	ln -sf librsess.so.$(VERSION) $(DESTDIR)$(LIBDIR)/librsess.so.$(MAJOR)
	ln -sf librsess.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/librsess.so
	install -m 644 include/rsess.h $(DESTDIR)$(PREFIX)/include/rsess.h
	install -m 644 $(BUILD)/rsess.pc $(DESTDIR)$(LIBDIR)/pkgconfig/rsess.pc
	install -m 644 docs/rsess.1 $(DESTDIR)$(MANDIR)/man1/rsess.1
	install -m 644 docs/rsess.3 $(DESTDIR)$(MANDIR)/man3/rsess.3
	@for f in $(API_PAGES); do echo '.so man3/rsess.3' > $(DESTDIR)$(MANDIR)/man3/$$f.3; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/rsess $(DESTDIR)$(LIBDIR)/librsess.a $(DESTDIR)$(LIBDIR)/librsess.so* \
	  $(DESTDIR)$(PREFIX)/include/rsess.h $(DESTDIR)$(LIBDIR)/pkgconfig/rsess.pc \
	  $(DESTDIR)$(MANDIR)/man1/rsess.1 $(DESTDIR)$(MANDIR)/man3/rsess.3
	@for f in $(API_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man3/$$f.3; done

# the installed files, the exported symbols, the header in C99 and C++,
# a program built with nothing but pkg-config, and every example
check-build: all examples
	$(Q)tests/build/run.sh $(BUILD)

# --- coverage (issue 18): gcc --coverage in build-cov/, summed per file by gcovr
# make coverage builds the library, the CLI, the unit tests and the replay
# programs (and the examples) with --coverage at -O0 into build-cov/ (build/
# is never touched), runs what make test runs but check-build: check-unit,
# check-cli, check-replay (the fuzz corpora and crashes), check-hostile and
# check-integration (real Redis and Rails: half a minute), and prints lines
# and branches per file of lib/ and cli/, with the totals. Not part of make test.
# How it counts:
# - a header's inline functions are counted once, in the header's own row,
#   summed over every file that includes it; -fkeep-inline-functions and
#   -fkeep-static-functions emit them even where no caller uses them, so an
#   inline function no test calls shows as missed rather than vanishing.
# - always_inline becomes noinline (-Dalways_inline=noinline): the walker's
#   core (lib/walk.h) and the builder's steps are forced inline per caller for
#   speed, which at -O0 gives every call site its own copy of each line (one
#   line had 320 branches, most impossible in its copy: the `fast` argument is
#   a constant there). Out of line, a line's branches count once, whichever
#   caller took them.
# - LIKELY()/UNLIKELY() are ordinary branches: both ways must be taken.
# - a branch is gcov's: each outcome of each condition (&& and || split), and
#   "taken" means some test took it. Allocation-failure branches are counted
#   like any other: the tests' allocation-failure sweeps must take them.
# - -fprofile-update=atomic: some tests run threads, whose counts must not race.
# - excluded: only code marked GCOVR_EXCL_LINE / _START.._STOP /
#   GCOVR_EXCL_BR_LINE, each with a comment saying why no input can reach it.
COV = build-cov
COV_CFLAGS = -O0 -g --coverage -fprofile-update=atomic -fkeep-inline-functions -fkeep-static-functions \
  -Dalways_inline=noinline -Wno-attributes
coverage:
	@scripts/install-deps.sh coverage
	@echo '$(COV_CFLAGS)' | cmp -s - $(COV)/flags || { rm -rf $(COV); mkdir -p $(COV); echo '$(COV_CFLAGS)' > $(COV)/flags; }
	@mkdir -p $(COV)/html
	$(Q)find $(COV) -name '*.gcda' -delete
	@$(MAKE) --no-print-directory BUILD=$(COV) CC=gcc CFLAGS="$(COV_CFLAGS)" LDFLAGS="--coverage" \
	  all $(COV)/test-rsess $(REPLAYS:$(BUILD)/%=$(COV)/%) $(COV)/mutate examples
	@CK_TIMEOUT_MULTIPLIER=10 $(MAKE) --no-print-directory BUILD=$(COV) check-unit check-cli check-replay check-hostile \
	  check-integration
	$(Q)gcovr -r . --object-directory $(COV) -f 'lib/' -f 'cli/' --json-summary $(COV)/coverage.json \
	  --json $(COV)/coverage-detail.json --html-details $(COV)/html/index.html
	$(Q)python3 scripts/coverage-table.py $(COV)/coverage.json

clean:
	rm -rf $(BUILD) build-san $(COV)

# --- the differential test against Ruby (issue 19; needs Ruby, not in make test)
SEED ?= 1
COUNT ?= 20000
JSON_COUNT ?= 5000
FLOAT_COUNT ?= 100000
$(BUILD)/rsess-diff: tests/diff/driver.c include/rsess.h $(BUILD)/librsess.a
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librsess.a $(LIB_DEPS_LIBS) -lm

diff: $(BUILD)/rsess-diff
	@scripts/install-deps.sh fixtures
	ruby tests/diff/diff.rb $(BUILD)/rsess-diff $(SEED) $(COUNT) $(JSON_COUNT) $(FLOAT_COUNT)
