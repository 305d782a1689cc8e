# griffin: build, test and run. `make help` lists the targets.
#
#   make run     install missing Debian packages, build, run the main job
#   make test    build and run every test (ends with "N passed, N failed")
#   make asan    the same tests under AddressSanitizer + UBSan
#   make bench   speed and memory benchmarks (never part of `make test`): bench-sweep, bench-perf
#   make fuzz    libFuzzer targets for every parser (clang)
#   make deps    install missing Debian packages (apt-get)
#   make tokenizer  regenerate the corpus and assets/tokenizer.model (deterministic)
#   make clean   remove build outputs
#
# PORTABLE=1 builds for any x86-64 (no -march=native); fast kernels are still
# picked at run time from the CPU's features.

PKGS      := libcurl sqlite3 libcjson sentencepiece libarchive libpcre2-8
CC        ?= cc
CXX       ?= c++
BUILD     ?= build
OPT       ?= -O2
ifeq ($(PORTABLE),1)
ARCH      :=
else
ARCH      := -march=native
endif
# Messages are truncated to their buffers on purpose: no format-truncation.
WARN      := -Wall -Wextra -Werror -Wno-format-truncation
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS    += -std=c11 $(OPT) $(ARCH) $(WARN) -D_GNU_SOURCE -I. $(PKG_CFLAGS) -MMD -MP -pthread $(SAN)
CXXFLAGS  += -std=c++17 $(OPT) $(ARCH) $(WARN) -I. $(PKG_CFLAGS) -MMD -MP $(SAN)
LDLIBS    += $(PKG_LIBS) -lstdc++ -lm -pthread

LIB_DIRS  := common kernels kernels/cpu model harness tasks datasets reports
LIB_C     := $(filter-out harness/main.c,$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_CXX   := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.cc))
TEST_C    := $(wildcard tests/*.c)
LIB_OBJ   := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CXX:%.cc=$(BUILD)/%.o)
# Task specs, suites and safety policies (JSON) are compiled into the binary (tasks/builtin.h).
# The git revision, compiled into harness/runinfo.c; the header is rewritten
# only when the revision changes, so other objects do not rebuild.
GIT_REV_H := $(BUILD)/gen/git_rev.h
GIT_REV   := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(shell mkdir -p $(BUILD)/gen; echo '#define GRIFFIN_GIT_REV "$(GIT_REV)"' > $(GIT_REV_H).new; \
  cmp -s $(GIT_REV_H).new $(GIT_REV_H) || mv $(GIT_REV_H).new $(GIT_REV_H); rm -f $(GIT_REV_H).new)
CFLAGS    += -I$(BUILD)

TASK_JSON := $(sort $(wildcard tasks/specs/*.json tasks/suites/*.json tasks/policy/*.json))
TASK_GEN  := $(BUILD)/gen/task_specs.c
LIB_OBJ   += $(TASK_GEN:.c=.o)
TEST_OBJ  := $(TEST_C:%.c=$(BUILD)/%.o)
MAIN_OBJ  := $(BUILD)/harness/main.o

.PHONY: all run test asan bench bench-sweep bench-perf fuzz deps clean help check-deps tokenizer
all: griffin $(BUILD)/run-tests

help:
	@sed -n '1,/^$$/p' Makefile

# V=1 shows the full compiler command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

griffin: $(MAIN_OBJ) $(LIB_OBJ)
	@echo "  LINK  $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/run-tests: $(TEST_OBJ) $(LIB_OBJ)
	@echo "  LINK  $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	@echo "  CXX   $<"
	$(Q)$(CXX) $(CXXFLAGS) -c -o $@ $<

$(TASK_GEN): $(TASK_JSON) tools/embed_specs.sh
	@mkdir -p $(dir $@)
	@echo "  GEN   $@"
	$(Q)tools/embed_specs.sh $(TASK_JSON) > $@.tmp && mv $@.tmp $@

$(TASK_GEN:.c=.o): $(TASK_GEN)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# Installs what is missing, and only then (a quick check otherwise).
check-deps:
	@tools/deps.sh --check-only >/dev/null 2>&1 || tools/deps.sh

deps:
	tools/deps.sh

test: check-deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/run-tests $(T)

asan: check-deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  build-asan/run-tests build-asan/griffin-asan
	GRIFFIN_BIN=./build-asan/griffin-asan GRIFFIN_TEST_TMP=build-asan/test-tmp \
	  ASAN_OPTIONS=detect_leaks=1 ./build-asan/run-tests $(T)

build-asan/griffin-asan: $(MAIN_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The Griffin-vs-Gemma sweep and report (tools/bench.sh), then the 2b CPU
# speed table against the roofline (tools/perf-bench.sh); each alone:
# `make bench-sweep`, `make bench-perf`.
bench: bench-sweep bench-perf

bench-sweep: check-deps all
	tools/bench.sh

bench-perf: check-deps all
	tools/perf-bench.sh

run: check-deps all
	tools/run.sh

# The default tokenizer: corpus from tools/corpus/gen_corpus.py, then spm_train
# with Gemma's settings; two runs give the same bytes (docs/tokenizer.md).
tokenizer: check-deps
	tools/corpus/train_tokenizer.sh


# Each fuzz target links only the sources it names in FUZZ_SRC_<target>.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/*.c))
FUZZ_SRC_fuzz_safetensors := $(wildcard common/*.c) model/safetensors.c
FUZZ_SRC_fuzz_task_spec := $(wildcard common/*.c tasks/*.c) $(TASK_GEN) $(BUILD)/model/tokenizer_sp.o
fuzz: check-deps $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do echo "fuzz: $$t ($${FUZZ_SECONDS:-60} s; set FUZZ_SECONDS to change)"; \
	  mkdir -p build-fuzz/corpus/$$(basename $$t); \
	  $$t -max_total_time=$${FUZZ_SECONDS:-60} build-fuzz/corpus/$$(basename $$t) tests/fuzz/seeds/$$(basename $$t) || exit 1; done

.SECONDEXPANSION:
build-fuzz/%: tests/fuzz/%.c $$(FUZZ_SRC_$$*)
	@mkdir -p build-fuzz
	clang -std=c11 -O1 -g -D_GNU_SOURCE -I. $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	  -o $@ $< $(FUZZ_SRC_$*) $(LDLIBS)

clean:
	rm -rf build build-asan build-fuzz griffin

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
