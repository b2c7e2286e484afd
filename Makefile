# holofs — one Makefile for the library, the three tools, tests, benchmarks and the demo.
#
#   make            build bin/holo, bin/holofs, bin/holonet
#   make check      install missing packages, build normally and with ASan+UBSan, run every test
#   make demo       install, build, and run the sample job
#   make bench      print the benchmark tables
#   make fuzz       build the libFuzzer targets (clang) into build/fuzz/
#   make fuzz-smoke run each fuzz target for 20 s; make fuzz-long: 600 s each (FUZZ_SECONDS)
#   make install PREFIX=/usr/local
#
# Objects go to $(BUILD); SAN=1 switches to build-san/ with the sanitizers.

PREFIX  ?= /usr/local
CC      ?= cc
PKGS     = zlib libpng libjpeg sndfile jansson fftw3 libzstd
FUSE_PKG = fuse3

ifeq ($(SAN),1)
BUILD   ?= build-san
BINDIR  ?= build-san/bin
OPT      = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   ?= build
BINDIR  ?= bin
OPT      = -O2 -g
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
FUSE_CFLAGS := $(shell pkg-config --cflags $(FUSE_PKG) 2>/dev/null)
FUSE_LIBS   := $(shell pkg-config --libs $(FUSE_PKG) 2>/dev/null)

# Flags the code needs are kept apart from the user's CFLAGS, so `make CFLAGS=-O3` only
# changes optimisation: -ffp-contract=off and no -ffast-math (the v1/v2 formats need bit-exact
# double arithmetic), C11 with GNU extensions, the pkg-config paths.
CFLAGS  ?= $(OPT)
INCDIRS  = -Icodec -Icodec/common -Icodec/ref -Icodec/v4
REQ_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wvla \
	     -ffp-contract=off -pthread $(PKG_CFLAGS) $(INCDIRS)
SAN_FLAGS = $(filter -fsanitize% -fno-sanitize%,$(OPT))
ALL_CFLAGS = $(REQ_CFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP
LDFLAGS += -pthread $(filter -fsanitize%,$(OPT))
LDLIBS   = $(PKG_LIBS) -lm

LIB_SRC  = $(wildcard codec/*.c codec/*/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libholo.a
CLI_SRC  = $(wildcard cli/*.c)
FS_SRC   = $(wildcard fs/*.c)
NET_SRC  = $(wildcard net/*.c)
TEST_SRC = $(wildcard tests/t_*.c)
TOOL_SRC = $(wildcard tests/tools/*.c)
BENCH_SRC = $(wildcard bench/*.c)

TOOLS    = $(BINDIR)/holo $(if $(FS_SRC),$(BINDIR)/holofs) $(if $(NET_SRC),$(BINDIR)/holonet)
TESTS    = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.t)
TESTTOOLS = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
BENCHES  = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

# Keep objects of tests and tools: make would otherwise delete them as intermediates.
.SECONDARY:

.PHONY: all deps jpeg-corpus check check-normal check-san test demo bench fuzz fuzz-long fuzz-smoke install clean
all: $(TOOLS)

# fs/ and net/ are built against the public headers only (holo.h, holo_ext.h).
$(BUILD)/fs/%.o $(BUILD)/net/%.o: INCDIRS = -Icodec

# Header dependencies come from the compiler (-MMD -MP): a header change rebuilds only its users.
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(if $(filter fs/% tests/t_fs_%,$<),$(FUSE_CFLAGS)) -c $< -o $@

-include $(shell find $(BUILD) build/fuzz -name '*.d' 2>/dev/null)

# The v4 entropy coder and wavelet are the decode hot path: -O3 measured 3-4% faster there;
# HO4A's coding loops: decode task-clock min 163 -> 160 ms, median 170 -> 164 (30 s stereo).
$(BUILD)/codec/v4/v4_tiers.o $(BUILD)/codec/v4/v4_dwt.o $(BUILD)/codec/v4/v4_audio.o: ALL_CFLAGS += -O3

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BINDIR)/holo: $(CLI_SRC:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BINDIR)/holofs: $(FS_SRC:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(FUSE_LIBS) $(LDLIBS) -o $@

$(BINDIR)/holonet: $(NET_SRC:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# net/main.c and fs/main.c hold main(); the rest of net/ and fs/ can be linked into unit tests.
NET_OBJ_NOMAIN = $(filter-out $(BUILD)/net/main.o,$(NET_SRC:%.c=$(BUILD)/%.o))
FS_OBJ_NOMAIN  = $(filter-out $(BUILD)/fs/main.o,$(FS_SRC:%.c=$(BUILD)/%.o))

$(BUILD)/tests/t_net_%.t: $(BUILD)/tests/t_net_%.o $(BUILD)/tests/tap.o $(NET_OBJ_NOMAIN) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/t_fs_%.t: $(BUILD)/tests/t_fs_%.o $(BUILD)/tests/tap.o $(FS_OBJ_NOMAIN) $(LIB)
	$(CC) $(LDFLAGS) $^ $(FUSE_LIBS) $(LDLIBS) -o $@

$(BUILD)/tests/%.t: $(BUILD)/tests/%.o $(BUILD)/tests/tap.o $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Packages: installed only when pkg-config (or the command) says something is missing.
deps:
	@missing=""; \
	for p in zlib:zlib1g-dev libpng:libpng-dev libjpeg:libjpeg62-turbo-dev sndfile:libsndfile1-dev \
	         jansson:libjansson-dev fftw3:libfftw3-dev fuse3:libfuse3-dev \
	         libzstd:libzstd-dev; do \
	  pkg-config --exists $${p%%:*} 2>/dev/null || missing="$$missing $${p#*:}"; \
	done; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v fusermount3 >/dev/null || missing="$$missing fuse3"; \
	command -v prove >/dev/null || missing="$$missing perl"; \
	command -v getfattr >/dev/null || missing="$$missing attr"; \
	command -v bindfs >/dev/null || missing="$$missing bindfs"; \
	command -v rsync >/dev/null || missing="$$missing rsync"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v flac >/dev/null || missing="$$missing flac"; \
	command -v bc >/dev/null || missing="$$missing bc"; \
	command -v python3 >/dev/null || missing="$$missing python3"; \
	command -v cwebp >/dev/null || missing="$$missing webp"; \
	command -v cjxl >/dev/null || missing="$$missing libjxl-tools"; \
	command -v cc >/dev/null || missing="$$missing gcc make"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "deps: run as root (or install:$$missing)" >&2; exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@$(MAKE) --no-print-directory jpeg-corpus

# Real camera JPEGs for the HO4J tests and bench: the largest image of each theme of Debian's
# plasma-workspace-wallpapers, unpacked (not installed) into a cache the tests find by default.
HOLO_JPEG_DIR ?= $(HOME)/.cache/holofs/wallpapers
export HOLO_JPEG_DIR
jpeg-corpus:
	@d="$(HOLO_JPEG_DIR)"; [ -n "$$(ls "$$d"/*.jpg 2>/dev/null)" ] && exit 0; \
	echo "deps: fetching plasma-workspace-wallpapers into $$d"; \
	t=$$(mktemp -d) && trap 'rm -rf "$$t"' EXIT && \
	(cd "$$t" && apt-get download -qq plasma-workspace-wallpapers) && \
	dpkg-deb -x "$$t"/plasma-workspace-wallpapers_*.deb "$$t/x" && mkdir -p "$$d" && \
	for i in "$$t"/x/usr/share/wallpapers/*/contents/images; do \
	  f=$$(ls -S "$$i"/*.jpg 2>/dev/null | head -1); [ -n "$$f" ] || continue; \
	  n=$$(basename "$$(dirname "$$(dirname "$$i")")"); \
	  cp "$$f" "$$d/.$$n.jpg" && mv "$$d/.$$n.jpg" "$$d/$$n.jpg"; \
	done; ls "$$d"/*.jpg > /dev/null

# Everything the test suite runs: tools, C unit tests, helper programs.
test-build: $(TOOLS) $(TESTS) $(TESTTOOLS)

# Run the suite against one build. HOLO_BIN and HOLO_TOOLS tell the shell tests where to look.
# The reference vectors are required: without them tests would skip and the run read "PASS".
HOLO_VECTORS ?= $(abspath ../shared/vectors)
test: test-build
	@[ -f "$(HOLO_VECTORS)/formats/index.json" ] || \
	  { echo "test: no reference vectors in $(HOLO_VECTORS) (clone ../shared or set HOLO_VECTORS)" >&2; exit 1; }
	HOLO_BIN=$(abspath $(BINDIR)) HOLO_TOOLS=$(abspath $(BUILD)/tools) \
	HOLO_VECTORS=$(HOLO_VECTORS) HOLO_SAN=$(SAN) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	prove -j2 $(abspath $(TESTS)) $(sort $(wildcard tests/*.t))

check: deps
	$(MAKE) --no-print-directory test
	$(MAKE) --no-print-directory SAN=1 test

demo: deps
	$(MAKE) --no-print-directory all $(TESTTOOLS)
	HOLO_BIN=$(abspath $(BINDIR)) HOLO_TOOLS=$(abspath $(BUILD)/tools) sh demo/demo.sh

bench: deps
	$(MAKE) --no-print-directory all $(TESTTOOLS) $(BENCHES)
	HOLO_BIN=$(abspath $(BINDIR)) HOLO_TOOLS=$(abspath $(BUILD)/tools) \
	HOLO_BENCH=$(abspath $(BUILD)/bench) sh bench/run.sh

# fuzz/X.c -> build/fuzz/X: the library and net/ (without main) are compiled once with the
# fuzzer's instrumentation into build/fuzz/obj/, then each target links against them.
FUZZ_SRC = $(wildcard fuzz/*.c)
FUZZ_CFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -ffp-contract=off -fsanitize=fuzzer-no-link,address,undefined \
	      $(INCDIRS) -Inet $(PKG_CFLAGS)
FUZZ_LIBSRC = $(LIB_SRC) $(filter-out net/main.c,$(NET_SRC))
FUZZ_OBJ = $(FUZZ_LIBSRC:%.c=build/fuzz/obj/%.o)
FUZZ_BIN = $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
fuzz: $(FUZZ_BIN)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
build/fuzz/%: fuzz/%.c $(FUZZ_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ $(PKG_LIBS) -lm -lpthread -o $@

# make fuzz-long: every target for FUZZ_SECONDS (default 600) in turn, on its seeds
# fuzz/corpus/NAME/ (plus tests/corpus/NAME-without-fuzz_/ when present) with the inputs it
# finds kept in build/fuzz/corpus/NAME/. A crash, leak, sanitizer report, timeout (> 60 s per
# input) or RSS over 2 GiB fails the target: the input is in build/fuzz/artifacts/NAME/, the log
# in build/fuzz/logs/NAME.log; every target still runs and the rule fails at the end.
# make fuzz-smoke: the same for 20 s each. FUZZ_TARGETS selects targets (default all),
# FUZZ_FLAGS adds libFuzzer flags. Not part of check: it needs clang, and a known finding
# (tests/corpus/errors/) stops fuzz_chunks until the codec rejects it.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= $(FUZZ_SRC:fuzz/%.c=%)
FUZZ_FLAGS ?=
FUZZ_RUN = failed=""; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts/$$t build/fuzz/logs; \
	  seeds=""; for d in fuzz/corpus/$$t tests/corpus/$${t\#fuzz_}; do [ -d $$d ] && seeds="$$seeds $$d"; done; \
	  echo "fuzz: $$t for $(1) s on$$seeds (log build/fuzz/logs/$$t.log)"; \
	  if build/fuzz/$$t -max_total_time=$(1) -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 $(FUZZ_FLAGS) \
	       -artifact_prefix=build/fuzz/artifacts/$$t/ build/fuzz/corpus/$$t $$seeds \
	       > build/fuzz/logs/$$t.log 2>&1; then \
	    grep -E '^stat::number_of_executed_units|^Done' build/fuzz/logs/$$t.log | tr '\n' ' '; echo; \
	  else \
	    echo "fuzz: $$t FAILED:"; grep -E '^==[0-9]+==ERROR|SUMMARY|^artifact_prefix|Test unit written' build/fuzz/logs/$$t.log | head -5; \
	    failed="$$failed $$t"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: findings in$$failed" >&2; exit 1; fi
fuzz-long: fuzz
	@$(call FUZZ_RUN,$(FUZZ_SECONDS))
fuzz-smoke: fuzz
	@$(call FUZZ_RUN,20)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf build build-san bin
