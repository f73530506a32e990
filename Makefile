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
LIB_DEPS_CFLAGS = $(call PKG,--cflags,libsodium zlib)
LIB_DEPS_LIBS = $(or $(call PKG,--libs,libsodium zlib),-lsodium -lz)
CLI_LIBS = $(or $(call PKG,--libs,jansson),-ljansson)
CHECK_CFLAGS = $(call PKG,--cflags,check)
CHECK_LIBS = $(or $(call PKG,--libs,check),-lcheck -lsubunit -lm -lrt -lpthread)

ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude $(WARN) $(CPPFLAGS) $(CFLAGS)
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
CLI_SRC = $(wildcard cli/*.c)
TEST_SRC = $(wildcard tests/unit/*.c)

.PHONY: all lib cli test check-unit check-cli check-integration demo fixtures clean install uninstall \
	deps-build deps-test examples

all: $(BUILD)/librsess.a $(BUILD)/librsess.so.$(VERSION) $(BUILD)/rsess

$(BUILD)/lib/%.o: lib/%.c lib/internal.h include/rsess.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(LIB_DEPS_CFLAGS) -c $< -o $@

$(BUILD)/librsess.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/librsess.so.$(VERSION): $(LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,librsess.so.$(MAJOR) $(LDFLAGS) -o $@ $^ $(LIB_DEPS_LIBS)
	$(Q)ln -sf librsess.so.$(VERSION) $(BUILD)/librsess.so.$(MAJOR)
	$(Q)ln -sf librsess.so.$(MAJOR) $(BUILD)/librsess.so

$(BUILD)/rsess: $(CLI_SRC) cli/cli.h include/rsess.h $(BUILD)/librsess.a
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(call PKG,--cflags,jansson) $(LDFLAGS) -o $@ $(CLI_SRC) $(BUILD)/librsess.a $(CLI_LIBS) $(LIB_DEPS_LIBS) -lm

$(BUILD)/test-rsess: $(TEST_SRC) tests/unit/testutil.h $(BUILD)/librsess.a
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Ilib $(CHECK_CFLAGS) $(LDFLAGS) -o $@ $(TEST_SRC) $(BUILD)/librsess.a $(CHECK_LIBS) $(LIB_DEPS_LIBS) -lm

# --- the two README commands -------------------------------------------------
demo: deps-build
	@$(MAKE) --no-print-directory all
	@echo '$$ build/rsess decode examples/data/cache-entry-hello.txt'
	@$(BUILD)/rsess decode examples/data/cache-entry-hello.txt

test: deps-test
	@$(MAKE) --no-print-directory all $(BUILD)/test-rsess examples
	@$(MAKE) --no-print-directory check-unit check-cli check-integration

check-unit: $(BUILD)/test-rsess
	$(Q)cd tests && CK_FORK=yes ../$(BUILD)/test-rsess

check-cli: $(BUILD)/rsess
	$(Q)tests/cli/run.sh $(BUILD)/rsess

check-integration: $(BUILD)/rsess examples
	$(Q)tests/integration/redis.sh $(BUILD)

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
	ruby tests/fixtures/generate_keys.rb tests/fixtures

clean:
	rm -rf $(BUILD) build-san
