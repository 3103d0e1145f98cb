# c2d: compute-to-data on confidential VMs.
#
#   make            host tools: out/bin/c2d, out/bin/c2d-mkimage
#   make image      the CVM images, one per analysis: out/image/ (cohort-stats,
#                   the demo's) and out/image-risk-model/, each with bzImage
#                   initrd.cpio cmdline image.json measurements.json; each
#                   image's compose-hash is compared with the one recorded in
#                   image/analyses/NAME.compose-hash
#   make demo       build the image, boot it under QEMU, show its measurements,
#                   seal the hospitals' cohorts, approve the image on a local chain
#   make test       lint, the guest's size, recorded compose-hashes, unit tests,
#                   fuzzers (briefly), contract tests on anvil, boot tests,
#                   reproducibility; each stage timed
#   make tcb        the lines of the project's own C in each guest binary,
#                   against the budget in image/tcb-budget (docs/tcb.md)
#   make contracts  the governance contract, out/contracts/C2DConsortium.json
#   make bench      benchmarks (out/bench/results.json, docs/performance.md)
#   make reproduce  build twice in different environments, compare bytes
#   make deps       install packages, fetch and verify pinned inputs
#
# Trust boundary (docs/architecture.md): guest/ is what the CVM links,
# compiled with musl, and sees only guest headers; host/ and image/ run
# outside it. The library, guest/runtime/ and host/{attest,measure}/, is
# compiled once per flavour (guest, host, test, fuzz) into an archive that
# the binaries of that flavour link.

.DEFAULT_GOAL := all
SHELL := /bin/sh
export LC_ALL := C
export TZ := UTC

# The image's file times: a constant, so the build date never leaks in.
SOURCE_DATE_EPOCH := 1735689600
export SOURCE_DATE_EPOCH

OUT   := out
DEPS  := $(OUT)/deps
STAMP := $(DEPS)/.stamp
IMG   := $(OUT)/image

CC       := gcc
MUSL_CC  := musl-gcc
AR       := ar
WARN     := -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral
# Paths of the checkout must not reach any binary (assert messages, __FILE__).
NOPATH   := -ffile-prefix-map=$(CURDIR)/=
# Guest code sees only the guest's headers; host code sees those, the
# host library's and its own folders' (the compiler keeps the boundary).
GUEST_INC := -Iguest/runtime/include -Iguest/init -Iguest/analysis
HOST_DIRS := $(filter-out host/include,$(patsubst %/,%,$(sort $(dir $(wildcard host/*/*.h)))))
INC       := $(GUEST_INC) -Ihost/include -Iimage $(addprefix -I,$(HOST_DIRS))
# The kernel's uapi headers (linux/tdx-guest.h, linux/seccomp.h), installed
# from the pinned kernel source by kernel-config/headers; -isystem so that
# they are searched after our own headers and their style is not held to
# our warnings.
KHDR     := $(DEPS)/kernel-headers
NPM      := $(DEPS)/npm
KHDR_INC := -isystem $(KHDR)/include

GUEST_CFLAGS  := $(WARN) $(NOPATH) $(GUEST_INC) $(KHDR_INC) -I$(DEPS)/musl/include -Os -D_GNU_SOURCE \
                 -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                 -fstack-protector-strong
GUEST_LDFLAGS := -static -no-pie -Wl,--gc-sections -Wl,-z,noexecstack -Wl,-z,relro,-z,now \
                 -Wl,--build-id=none -s
GUEST_LIBS    := $(DEPS)/musl/lib/libsecp256k1.a $(DEPS)/musl/lib/libbearssl.a
HOST_CFLAGS   := $(WARN) $(NOPATH) $(INC) $(KHDR_INC) -I$(DEPS)/host/include -O2 -g -D_GNU_SOURCE \
                 -fstack-protector-strong -D_FORTIFY_SOURCE=2
# C2D_TEST_HOOKS: the test-only hook through which tests/unit/test_crypto.c
# makes a crypto backend answer wrongly (docs/architecture.md, "Crypto
# self-tests"); no other flavour has it.
TEST_CFLAGS   := $(WARN) $(NOPATH) $(INC) -Itests/tools -Itests/unit $(KHDR_INC) -I$(DEPS)/host/include \
                 -O1 -g -D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer -DC2D_TEST_HOOKS
# The fuzzers' objects carry libFuzzer's coverage hooks; only the link
# adds its main.
FUZZ_CFLAGS   := -std=c17 -Wall -Wextra -Werror $(NOPATH) $(INC) $(KHDR_INC) -I$(DEPS)/host/include \
                 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
HOST_LIBS     := $(DEPS)/host/lib/libbearssl.a $(DEPS)/host/lib/libsecp256k1.a -lmvec -lm
JANSSON       := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CURL          := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
MHD           := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)

# --- sources ----------------------------------------------------------------
# The library: guest/runtime/ is what the CVM links (the host links it
# too); host/attest/ and host/measure/ add the quote verifier and the
# measurement prediction, which only the host links.
RT_SRC      := $(sort $(wildcard guest/runtime/*/*.c))
HOSTLIB_SRC := host/attest/der.c host/attest/x509.c host/attest/p256.c host/attest/crl.c \
               host/attest/pckext.c host/attest/intel_root.c host/attest/collateral.c \
               host/attest/tdxverify.c host/attest/tdpolicy.c host/attest/date.c \
               host/measure/pe.c host/measure/tdxmeasure.c host/measure/eventlog.c
lib = $(OUT)/lib/$(1)/libc2d.a
obj = $(patsubst %.c,$(OUT)/obj/$(1)/%.o,$(2))
# A per-target variable that most targets leave unset.
opt = $(if $(filter undefined,$(origin $(1))),,$($(1)))

# PID 1: boot, attestation, the analysis runner and init's side of each
# analysis (the DP driver of risk-model, the schemas of both).
INIT_SRC    := guest/init/init.c guest/init/probe.c guest/init/supervise.c guest/init/attest.c \
               guest/init/analysis.c guest/init/riskmodel.c guest/init/imageanalysis.c \
               guest/analysis/riskmodel_schema.c guest/analysis/cohort_stats_schema.c
# The fixed analyses, each a static child of init in its image.
COHORT_SRC  := guest/analysis/cohort_stats_main.c guest/analysis/cohort_stats.c \
               guest/analysis/cohort_stats_schema.c guest/analysis/child.c guest/analysis/columns.c
RISK_SRC    := guest/analysis/riskmodel_main.c guest/analysis/riskmodel.c \
               guest/analysis/riskmodel_schema.c guest/analysis/child.c guest/analysis/columns.c
GUEST_BINS  := init cohort-stats risk-model
src_init         := $(INIT_SRC)
src_cohort-stats := $(COHORT_SRC)
src_risk-model   := $(RISK_SRC)

# The host's c2d. c2d run drives the analyses through init's own runner
# and DP driver, and the central fit (host/central/) for comparison.
UTIL_SRC    := host/util/fsutil.c host/util/jsonout.c host/util/keyfile.c
SEAL_SRC    := host/seal/sealer.c host/seal/csv.c host/seal/values.c host/seal/schemafile.c \
               host/seal/recipefile.c
ETH_SRC     := host/chain/keccak.c host/chain/rlp.c host/chain/abi.c host/chain/ethtx.c \
               host/chain/rpc.c host/chain/consortium.c host/chain/kmschain.c
KMS_SRC     := host/kms/kmskey.c host/kms/kmschal.c host/kms/kmslog.c host/kms/kmsproto.c \
               host/kms/kmsdecide.c host/kms/kmscoll.c host/chain/keccak.c
# The daemon around the core: served images, the chain view over
# JSON-RPC, HTTP (libmicrohttpd).
KMSD_SRC    := host/kms/kmsimage.c host/kms/kmsview_rpc.c host/kms/kmsserve.c
SIM_SRC     := host/sim/simca.c host/sim/simquote.c host/sim/der_write.c
GPU_SRC     := host/gpu/gpu.c host/gpu/cudadrv.c
RUNNER_SRC  := guest/init/analysis.c guest/init/supervise.c
C2D_SRC     := $(sort $(wildcard host/cli/*.c)) $(UTIL_SRC) $(SEAL_SRC) $(ETH_SRC) $(SIM_SRC) $(GPU_SRC) \
               $(filter-out $(ETH_SRC),$(KMS_SRC)) $(KMSD_SRC) \
               host/measure/bootpredict.c host/measure/eventlog_json.c host/attest/collateral_json.c \
               host/attest/tdpolicy_json.c host/central/riskmodel_central.c image/cpio.c $(RUNNER_SRC) \
               guest/init/riskmodel.c \
               guest/analysis/cohort_stats.c guest/analysis/cohort_stats_schema.c \
               guest/analysis/riskmodel.c guest/analysis/riskmodel_schema.c guest/analysis/columns.c
MKIMAGE_SRC := image/mkimage.c image/cpio.c host/util/fsutil.c host/util/jsonout.c

# The CUDA driver-API path: kernels.cu built by nvcc into a fatbin that c2d
# embeds (c2d run --backend cuda).
ifeq ($(origin NVCC),undefined)
NVCC        := $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard /usr/local/cuda/bin/nvcc))
endif
NVCC_FLAGS  := --fatbin --fmad=false -std=c++17 -Iguest/analysis \
               -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
KERNELS_FATBIN := $(OUT)/cuda/kernels.fatbin
KERNELS_OBJ    := $(OUT)/obj/host/host/gpu/kernels_blob.o

.PHONY: all deps image demo test unit fuzz boot-test reproduce bench clean lint check-lock tcb
.PHONY: compose-hashes print-init-objs print-risk-objs print-c2d-objs cuda
all: $(OUT)/bin/c2d $(OUT)/bin/c2d-mkimage

# --- dependencies -----------------------------------------------------------
deps: $(STAMP) $(NPM)/.stamp
# Not a recursive make (no +): under make -n it must only be printed, since
# it rebuilds out/deps from scratch.
$(STAMP): reproducible/inputs.lock reproducible/packages reproducible/deps
	reproducible/deps
# The EVM toolchain (solc, anvil, cast, forge) from npm, pinned by
# contracts/package-lock.json, into out/deps/npm.
$(NPM)/.stamp: contracts/package.json contracts/package-lock.json reproducible/npm $(STAMP)
	reproducible/npm $(NPM)

# The kernel's uapi headers, once, from the pinned (and re-checked) source.
$(KHDR)/source: kernel-config/headers reproducible/inputs.lock $(STAMP)
	kernel-config/headers $(KHDR)

# --- compilation ------------------------------------------------------------
# One object per source and flavour; every object waits for the kernel's
# uapi headers, which the guest's code includes.
$(OUT)/obj/guest/%.o: %.c $(STAMP) $(KHDR)/source
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(OUT)/obj/host/%.o: %.c $(STAMP) $(KHDR)/source
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(OUT)/obj/test/%.o: %.c $(STAMP) $(KHDR)/source
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@
$(OUT)/obj/fuzz/%.o: %.c $(STAMP) $(KHDR)/source
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)

# The library archives. The guest's holds guest/runtime/ alone; the
# others add the host library. Thin archives: members are named by their
# objects' paths, so two modules of one name in different folders cannot
# replace each other, and a link map names the source of every member.
$(call lib,guest): $(call obj,guest,$(RT_SRC))
$(call lib,host): $(call obj,host,$(RT_SRC) $(HOSTLIB_SRC))
$(call lib,test): $(call obj,test,$(RT_SRC) $(HOSTLIB_SRC))
$(call lib,fuzz): $(call obj,fuzz,$(RT_SRC) $(HOSTLIB_SRC))
$(foreach f,guest host test fuzz,$(call lib,$(f))):
	@mkdir -p $(@D)
	rm -f $@.tmp
	$(AR) rcsDT $@.tmp $^
	mv $@.tmp $@

# The DP samplers must not touch a floating-point or vector register: the
# compiler refuses any float in the source and emits none of its own.
$(call obj,guest,guest/runtime/dp/dp.c): GUEST_CFLAGS += -mgeneral-regs-only
$(call obj,host,guest/runtime/dp/dp.c): HOST_CFLAGS += -mgeneral-regs-only
$(call obj,test,guest/runtime/dp/dp.c): TEST_CFLAGS += -mgeneral-regs-only -DC2D_DP_COUNT_LOOPS
# The analyses' hot loops (row checks, cell counts) vectorise at -O3 and
# not at -O2 (gcc 12's cheap cost model): 25% of cohort-stats' time on the
# demo cohort (docs/performance.md). Exact integer and IEEE arithmetic
# either way: -O3 adds no fast-math.
HOT_SRC := guest/runtime/sealed/rowgroup.c guest/analysis/cohort_stats.c guest/analysis/riskmodel.c \
           host/central/riskmodel_central.c
$(call obj,host,$(HOT_SRC)): HOST_CFLAGS += -O3
$(call obj,guest,$(HOT_SRC)): GUEST_CFLAGS += -O3
# The central fit's sigmoids through libmvec (host/central/riskmodel_central.c).
$(call obj,host,host/central/riskmodel_central.c): HOST_CFLAGS += -fno-math-errno

# --- the guest's binaries ---------------------------------------------------
# Static, linked from their own objects and the guest library; the map
# file names the archive members the link took (make tcb reads it). I1: no
# dynamic loader in the image: a static binary has no PT_INTERP and no
# PT_DYNAMIC; anything else is refused.
define guest_bin
$(OUT)/guest/$(1): $(call obj,guest,$(src_$(1))) $(call lib,guest)
	@mkdir -p $$(@D)
	$(MUSL_CC) $(GUEST_LDFLAGS) -Wl,-Map=$$@.map -o $$@.tmp $$^ $(GUEST_LIBS)
	@if readelf -lW $$@.tmp | grep -Eq '\b(INTERP|DYNAMIC)\b'; then \
		echo "$$@: not a static executable" >&2; rm -f $$@.tmp; exit 1; fi
	mv $$@.tmp $$@
endef
$(foreach b,$(GUEST_BINS),$(eval $(call guest_bin,$(b))))

# The objects a binary may link, for tests/host/riskmodel_ref.sh (the
# non-private fit must be in none of the guest's).
print-init-objs:
	@echo $(call obj,guest,$(INIT_SRC) $(RT_SRC))
print-risk-objs:
	@echo $(call obj,guest,$(RISK_SRC) $(RT_SRC))
print-c2d-objs:
	@echo $(call obj,host,$(C2D_SRC))

# The guest's size (docs/tcb.md): the project's own lines of C in each
# guest binary, against the budget.
tcb: $(addprefix $(OUT)/guest/,$(GUEST_BINS))
	image/tcb --budget image/tcb-budget $(addprefix $(OUT)/guest/,$(GUEST_BINS))

# --- host tools ---------------------------------------------------------------
$(OUT)/bin/c2d: $(call obj,host,$(C2D_SRC)) $(KERNELS_OBJ) $(call lib,host)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS) $(JANSSON) $(CURL) $(MHD)
$(OUT)/bin/c2d-mkimage: $(call obj,host,$(MKIMAGE_SRC)) $(call lib,host)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS) $(JANSSON)

# --- the CUDA kernels -----------------------------------------------------------
# nvcc from the CUDA toolkit where the machine has one (PATH, then the
# toolkit's usual place); without it the kernels are an empty file, the
# build says so once, and `c2d run --backend cuda` exits 6 naming why.
# sm_90 (H100, H200) as SASS, compute_90 as PTX for later parts. nvcc's
# output does not depend on the source's path or the time (checked by
# tests/host/gpu.sh); nvcc's cicc deadlocks under libfaketime (recursive
# clock_gettime), so it runs without the preload that make reproduce's
# second build shifts the clock with.
$(KERNELS_FATBIN): host/gpu/kernels.cu host/gpu/gpu_abi.h guest/analysis/rowmath.h
	@mkdir -p $(@D)
	@if [ -n "$(NVCC)" ]; then \
		echo "$(NVCC) $(NVCC_FLAGS) -o $@ $<"; \
		env -u LD_PRELOAD -u FAKETIME $(NVCC) $(NVCC_FLAGS) -o $@.tmp $< && mv $@.tmp $@; \
	else \
		echo "nvcc not found: the CUDA path is skipped (c2d run --backend cuda will say so)"; \
		: >$@; \
	fi
$(KERNELS_OBJ): host/gpu/kernels_blob.S $(KERNELS_FATBIN)
	@mkdir -p $(@D)
	$(CC) -c -DC2D_KERNELS_FATBIN='"$(KERNELS_FATBIN)"' -o $@ $<
cuda: $(KERNELS_FATBIN)

# --- the image ----------------------------------------------------------------
KERNEL := $(OUT)/kernel/bzImage
$(KERNEL): kernel-config/c2d.config kernel-config/build reproducible/inputs.lock $(STAMP)
	kernel-config/build $(OUT)/kernel

# One image per analysis: the same kernel and cmdline; an initramfs of
# init, the analysis as /analysis and its privacy recipe as
# /etc/c2d/analysis.conf, from the common image/initramfs.spec and the
# analysis's image/analyses/NAME.spec. out/image is the demo's
# (cohort-stats); another analysis NAME is in out/image-NAME.
ANALYSES := cohort-stats risk-model
image_dir = $(if $(filter cohort-stats,$(1)),$(IMG),$(OUT)/image-$(1))
IMAGES := $(foreach a,$(ANALYSES),$(call image_dir,$(a)))

# A recipe is checked (c2d/analysisconf.h, and that it is this analysis's)
# before it can become part of an image.
$(OUT)/guest/%.conf: image/analyses/%.conf $(OUT)/bin/c2d-mkimage
	@mkdir -p $(@D)
	$(OUT)/bin/c2d-mkimage conf --analysis $* $<
	cp $< $@

define image_rules
$(2)/bzImage: $(KERNEL)
	@mkdir -p $$(@D)
	cp $$< $$@
$(2)/cmdline: image/cmdline
	@mkdir -p $$(@D)
	tr -d '\n' <$$< >$$@.tmp && mv $$@.tmp $$@
$(2)/initrd.cpio: image/initramfs.spec image/analyses/$(1).spec $(OUT)/guest/init $(OUT)/guest/$(1) \
                  $(OUT)/guest/$(1).conf $(OUT)/bin/c2d-mkimage
	@mkdir -p $$(@D)
	$(OUT)/bin/c2d-mkimage initramfs --spec image/initramfs.spec --spec image/analyses/$(1).spec \
		--root $(OUT) --epoch $(SOURCE_DATE_EPOCH) --out $$@
$(2)/image.json: $(2)/bzImage $(2)/cmdline $(2)/initrd.cpio reproducible/inputs.lock
	$(OUT)/bin/c2d-mkimage manifest --dir $(2) --kernel-version "$$$$(cat $(OUT)/kernel/kernel.release)" \
		--lock reproducible/inputs.lock
$(2)/measurements.json: $(2)/image.json $(OUT)/bin/c2d
	$(OUT)/bin/c2d measure $(2) >/dev/null
	@chmod 0644 $(2)/*
	@sh image/check-size $(2)
	@image/compose-hash --warn $(2) image/analyses/$(1).compose-hash
endef
$(foreach a,$(ANALYSES),$(eval $(call image_rules,$(a),$(call image_dir,$(a)))))

image: $(addsuffix /measurements.json,$(IMAGES))

# Every machine that builds the images checks them against the
# compose-hashes recorded in the source (docs/compose-hash.md): make image
# says so on a mismatch, make test fails on one.
compose-hashes: $(addsuffix /measurements.json,$(IMAGES))
	@$(foreach a,$(ANALYSES),image/compose-hash $(call image_dir,$(a)) image/analyses/$(a).compose-hash &&) :

# --- test tools ---------------------------------------------------------------
UNIT_LIBS    :=
UNIT_LDFLAGS :=
SEALTOOL_SRC := tests/tools/sealtool.c $(UTIL_SRC) $(SEAL_SRC) host/cli/progress.c
$(OUT)/test/c2d-sealtool: $(call obj,test,$(SEALTOOL_SRC)) $(call lib,test)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(HOST_LIBS) $(JANSSON)

# Test-only: the chain client's encoders on the command line, for the
# cross-checks against foundry's cast (tests/host/eth_cast.sh).
$(OUT)/test/c2d-ethtool: $(call obj,test,tests/tools/ethtool.c $(ETH_SRC) host/util/fsutil.c \
                         host/util/keyfile.c) $(call lib,test)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(HOST_LIBS) $(JANSSON) $(CURL)

# Test-only: the KMS's pinned reads, spend and anchor checks on the command
# line, for the tests against anvil (tests/chain/kms.sh).
$(OUT)/test/c2d-kmschaintool: $(call obj,test,tests/tools/kmschaintool.c $(ETH_SRC) host/util/fsutil.c) \
                              $(call lib,test)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(HOST_LIBS) $(JANSSON) $(CURL)

# Test-only: the CVM's side of a key release over HTTP, many CVMs at once (the
# load test), and a JSON-RPC relay that cuts chosen calls, for the tests of
# c2d kms serve (tests/chain/kms_serve.sh, kms_load.sh).
KMSCVM_SRC := tests/tools/kmscvm.c tests/tools/kmsload.c tests/tools/kmsevent.c $(SIM_SRC) host/kms/kmskey.c host/chain/keccak.c \
              host/util/fsutil.c host/util/keyfile.c
$(OUT)/test/c2d-kmscvm: $(call obj,test,$(KMSCVM_SRC)) $(call lib,test)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(HOST_LIBS) $(JANSSON) $(CURL) $(MHD)

# The crypto backends' known answers on the guest's own build: static,
# musl, the guest's flags and objects, in no image; tests/host/crypto_kat.sh
# runs it here and under QEMU's CPU models (docs/testing.md).
$(OUT)/test/c2d-kat: $(call obj,guest,tests/tools/kattool.c) $(call lib,guest)
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_LDFLAGS) -o $@ $^ $(GUEST_LIBS)

# The analysis children that test_analysis and test_riskmodel run, built
# without the sanitizers: their seccomp filter (guest/analysis/child.c)
# kills the calls ASan and LSan make, and a crash must reach init as the
# signal, not as ASan's report. The analysis code itself runs under the
# sanitizers in the tests that call it in-process.
FAKERISK_SRC     := tests/tools/fakeriskmodel.c guest/analysis/riskmodel.c \
                    guest/analysis/riskmodel_schema.c guest/analysis/child.c guest/analysis/columns.c
FAKEANALYSIS_SRC := tests/tools/fakeanalysis.c tests/tools/fakeschema.c guest/analysis/child.c
src_test-cohort-stats   := $(COHORT_SRC)
src_test-risk-model     := $(RISK_SRC)
src_test-fakeriskmodel  := $(FAKERISK_SRC)
src_test-fakeanalysis   := $(FAKEANALYSIS_SRC)
$(OUT)/test/cohort-stats: $(call obj,host,$(COHORT_SRC)) $(call lib,host)
$(OUT)/test/risk-model: $(call obj,host,$(RISK_SRC)) $(call lib,host)
$(OUT)/test/c2d-fakeriskmodel: $(call obj,host,$(FAKERISK_SRC)) $(call lib,host)
$(OUT)/test/c2d-fakeanalysis: $(call obj,host,$(FAKEANALYSIS_SRC)) $(call lib,host)
$(OUT)/test/cohort-stats $(OUT)/test/risk-model $(OUT)/test/c2d-fakeriskmodel $(OUT)/test/c2d-fakeanalysis:
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS)

# --- unit tests ---------------------------------------------------------------
# Each test links its own objects, what it tests outside the library, and
# the test flavour of the library. Every unit test reads its files with
# testfile_load() (tests/tools/testfile.h).
UNIT_TESTS := test_runtime test_crypto test_cpio test_probe test_supervise test_attest test_seal test_csv \
              test_quote test_x509 test_collateral test_tdxverify test_eventlog test_tdxmeasure \
              test_tdxguest test_simproto test_simquoter test_eth test_dp test_analysis \
              test_riskmodel test_gpu test_analysisconf test_tdpolicy test_kms
UNIT_BINS  := $(addprefix $(OUT)/test/,$(UNIT_TESTS))
ANALYSIS_TEST_SRC := tests/tools/analysistest.c $(RUNNER_SRC) guest/analysis/columns.c
unit_src_test_runtime       :=
unit_src_test_crypto        :=
unit_src_test_cpio          := image/cpio.c
unit_src_test_probe         := guest/init/probe.c
unit_src_test_supervise     := guest/init/supervise.c
unit_src_test_attest        := guest/init/attest.c guest/init/probe.c
unit_src_test_seal          :=
unit_src_test_csv           := host/seal/csv.c host/seal/values.c
unit_src_test_quote         :=
unit_src_test_x509          :=
unit_src_test_collateral    := host/attest/collateral_json.c
unit_src_test_tdxverify     := host/attest/collateral_json.c host/attest/tdpolicy_json.c $(SIM_SRC) \
                               host/util/keyfile.c
unit_src_test_eventlog      := host/measure/eventlog_json.c
unit_src_test_tdpolicy      := host/attest/tdpolicy_json.c
unit_src_test_kms           := $(KMS_SRC) $(SIM_SRC) host/attest/collateral_json.c host/measure/eventlog_json.c \
                               host/util/keyfile.c tests/tools/kmsview_mem.c tests/tools/kmsevent.c
unit_src_test_tdxmeasure    :=
unit_src_test_tdxguest      :=
unit_src_test_simproto      :=
unit_src_test_simquoter     := $(SIM_SRC) host/util/keyfile.c
unit_src_test_eth           := $(ETH_SRC) host/util/keyfile.c
unit_src_test_dp            := tests/tools/chacha_src.c
unit_src_test_analysis      := $(ANALYSIS_TEST_SRC) guest/analysis/cohort_stats.c \
                               guest/analysis/cohort_stats_schema.c tests/tools/fakeschema.c
unit_src_test_riskmodel     := $(ANALYSIS_TEST_SRC) guest/init/riskmodel.c guest/analysis/riskmodel.c \
                               guest/analysis/riskmodel_schema.c host/central/riskmodel_central.c
unit_src_test_gpu           := $(ANALYSIS_TEST_SRC) host/gpu/gpu.c guest/analysis/cohort_stats.c \
                               guest/analysis/cohort_stats_schema.c guest/analysis/riskmodel.c
unit_src_test_analysisconf  := guest/init/imageanalysis.c guest/init/riskmodel.c $(RUNNER_SRC) \
                               guest/analysis/cohort_stats_schema.c guest/analysis/riskmodel_schema.c
$(foreach t,$(UNIT_TESTS),$(eval $(OUT)/test/$(t): $(call obj,test,tests/unit/$(t).c $(unit_src_$(t)) \
	tests/tools/testfile.c host/util/fsutil.c) $(call lib,test)))
$(OUT)/test/test_eventlog $(OUT)/test/test_collateral $(OUT)/test/test_simquoter \
$(OUT)/test/test_tdxverify $(OUT)/test/test_tdpolicy $(OUT)/test/test_kms: UNIT_LIBS := $(JANSSON)
$(OUT)/test/test_eth: UNIT_LIBS := $(JANSSON) $(CURL)
# test_tdxverify counts BearSSL's P-256 verifications through --wrap.
$(OUT)/test/test_tdxverify: UNIT_LDFLAGS := -Wl,--wrap=br_ecdsa_i31_vrfy_raw -pthread
# test_kms shares the collateral cache between threads.
$(OUT)/test/test_kms: UNIT_LDFLAGS := -pthread
# configfs reacts inside mkdir/rmdir; the test's fake does so through --wrap.
$(OUT)/test/test_tdxguest: UNIT_LDFLAGS := -Wl,--wrap=mkdir,--wrap=rmdir
# The CUDA path on the SIMT emulator: host/gpu/gpu.c and the kernels'
# source, which g++ compiles with tests/tools/simtdrv.cc in place of the
# driver (C++ only because the kernels are CUDA C++).
SIMT_OBJ := $(OUT)/obj/test/tests/tools/simtdrv.o
$(SIMT_OBJ): tests/tools/simtdrv.cc host/gpu/kernels.cu host/gpu/gpu_abi.h guest/analysis/rowmath.h \
             host/gpu/cudadrv.h $(STAMP)
	@mkdir -p $(@D)
	g++ -std=c++17 -Wall -Wextra -Werror $(NOPATH) $(INC) -O1 -g -pthread \
		-fsanitize=address,undefined -fno-sanitize-recover=all -c $< -o $@
$(OUT)/test/test_gpu: $(SIMT_OBJ)
$(OUT)/test/test_gpu: UNIT_LIBS := -lstdc++ -lpthread
# test_analysis and test_riskmodel run the host and the static guest
# builds of their analysis, and misbehaving children.
$(OUT)/test/test_analysis: | $(OUT)/test/cohort-stats $(OUT)/test/c2d-fakeanalysis $(OUT)/guest/cohort-stats
$(OUT)/test/test_riskmodel: | $(OUT)/test/risk-model $(OUT)/test/c2d-fakeriskmodel $(OUT)/guest/risk-model
$(UNIT_BINS):
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $(UNIT_LDFLAGS) -o $@ $^ $(HOST_LIBS) $(UNIT_LIBS) -lcmocka

# $(NPM): tests/host/qvl.sh asks dcap-qvl-web for its verdict.
unit: $(UNIT_BINS) $(addprefix $(OUT)/guest/,$(GUEST_BINS)) $(OUT)/bin/c2d $(OUT)/bin/c2d-mkimage \
      $(OUT)/test/c2d-sealtool $(OUT)/test/c2d-ethtool $(OUT)/test/c2d-kat $(NPM)/.stamp
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done
	tests/host/run-all

# --- fuzzers ------------------------------------------------------------------
# One per parser, linked from its own objects and the fuzz flavour of the
# library; FUZZ_SECONDS each, from the seeds in tests/fuzz/seeds/.
FUZZ_TARGETS := fuzz_quote fuzz_cpio fuzz_probe fuzz_sealhdr fuzz_plain fuzz_csv fuzz_eventlog \
                fuzz_tdreport fuzz_collateral fuzz_tdpolicy fuzz_pe fuzz_tdvf fuzz_simproto fuzz_x509 fuzz_crl \
                fuzz_rlp fuzz_abi fuzz_rpc fuzz_agg fuzz_rowfile fuzz_analysisconf fuzz_kmsproto fuzz_kmslog
FUZZERS      := $(addprefix $(OUT)/fuzz/,$(FUZZ_TARGETS))
fuzz_src_fuzz_cpio       := image/cpio.c
fuzz_src_fuzz_probe      := guest/init/probe.c
fuzz_src_fuzz_csv        := host/seal/csv.c host/seal/values.c
fuzz_src_fuzz_eventlog   := host/measure/eventlog_json.c
fuzz_src_fuzz_collateral := host/attest/collateral_json.c host/util/fsutil.c
fuzz_src_fuzz_tdpolicy   := host/attest/tdpolicy_json.c host/util/fsutil.c
fuzz_src_fuzz_rlp        := host/chain/rlp.c
fuzz_src_fuzz_abi        := host/chain/abi.c host/chain/keccak.c
fuzz_src_fuzz_rpc        := $(ETH_SRC) host/util/fsutil.c
fuzz_src_fuzz_kmsproto   := host/kms/kmsproto.c
fuzz_src_fuzz_kmslog     := host/kms/kmslog.c
fuzz_libs_fuzz_eventlog   := $(JANSSON)
fuzz_libs_fuzz_collateral := $(JANSSON)
fuzz_libs_fuzz_tdpolicy   := $(JANSSON)
fuzz_libs_fuzz_rpc        := $(JANSSON) $(CURL)
fuzz_libs_fuzz_kmsproto   := $(JANSSON)
fuzz_libs_fuzz_kmslog     := $(JANSSON)
$(foreach t,$(FUZZ_TARGETS),$(eval $(OUT)/fuzz/$(t): $(call obj,fuzz,tests/fuzz/$(t).c \
	$(call opt,fuzz_src_$(t))) $(call lib,fuzz)))
$(FUZZERS):
	@mkdir -p $(@D)
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(HOST_LIBS) $(call opt,fuzz_libs_$(@F))
FUZZ_SECONDS ?= 20
fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do \
		n=$$(basename $$f); mkdir -p $(OUT)/fuzz/corpus-$$n; \
		echo "== $$n ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $(OUT)/fuzz/corpus-$$n tests/fuzz/seeds/$$n \
			2>$(OUT)/fuzz/$$n.log || { tail -30 $(OUT)/fuzz/$$n.log; exit 1; }; done

# --- the contract -------------------------------------------------------------
# Compiled by the pinned solc (npm, JavaScript) with fixed settings; contracts/build
# checks the creation bytecode against contracts/C2DConsortium.bytecode.sha256.
CONTRACT := $(OUT)/contracts/C2DConsortium.json
.PHONY: contracts chain-test
contracts: $(CONTRACT)
$(CONTRACT): contracts/C2DConsortium.sol contracts/C2DConsortium.bytecode.sha256 contracts/build $(NPM)/.stamp
	contracts/build $(NPM) $@

# The contract on a local anvil (tests/chain/), driven by cast and by c2d.
chain-test: $(CONTRACT) $(OUT)/bin/c2d $(OUT)/test/c2d-kmschaintool $(OUT)/test/c2d-kmscvm \
            $(OUT)/test/c2d-sealtool
	tests/chain/run-all

# --- running it ---------------------------------------------------------------
demo: image $(CONTRACT)
	@echo "== booting the c2d image under QEMU =="
	qemu/run --image $(IMG)
	@echo "== measurements (out/image/measurements.json) =="
	@$(OUT)/bin/c2d measure $(IMG)
	@echo "== four hospitals seal their cohorts to this image =="
	@demo/seal-sites
	@echo "== the consortium approves the image on a local chain =="
	@demo/consortium

boot-test: image $(CONTRACT)
	tests/boot/run
	tests/boot/attest
	tests/boot/demo

lint: $(STAMP)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--std=c11 --inline-suppr -D__GNUC__ --suppress=missingIncludeSystem \
		$(INC) -Itests/tools \
		guest host image tests/unit tests/fuzz

# make test: its stages in order, each timed; the times are also written
# to out/test/stages.txt for make bench (docs/performance.md).
TEST_STAGES := lint tcb compose-hashes unit fuzz chain-test boot-test reproduce
test:
	@mkdir -p $(OUT)/test
	@: >$(OUT)/test/stages.tmp
	@for s in $(TEST_STAGES); do \
		t0=$$(date +%s); \
		$(MAKE) --no-print-directory $$s || { echo "make test: stage $$s failed" >&2; exit 1; }; \
		t=$$(($$(date +%s) - t0)); echo "$$s $$t" >>$(OUT)/test/stages.tmp; \
		echo "make test: stage $$s took $$t s"; \
	done
	@mv $(OUT)/test/stages.tmp $(OUT)/test/stages.txt
	@echo "make test: all passed"

reproduce: $(STAMP) $(NPM)/.stamp
	reproducible/reproduce

check-lock:
	reproducible/deps

# --- benchmarks ---------------------------------------------------------------
# OpenSSL's libcrypto (Debian's libssl-dev) only here: the reference that
# bench-stream runs in the same harness (docs/performance.md).
$(OUT)/bench/bench-stream: $(call obj,host,bench/stream.c) $(call lib,host)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS) -lcrypto

# The previous, variable-time DP sampler is linked here only, as the
# reference of the constant-time one (docs/performance.md).
$(OUT)/bench/bench-dp: $(call obj,host,bench/dp.c bench/dp_vartime.c tests/tools/chacha_src.c) $(call lib,host)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS)

# c2d's quote verifier as c2d quote verify links it; bench/quote sets it
# beside dcap-qvl-web from out/deps/npm (docs/performance.md).
$(OUT)/bench/bench-quote: $(call obj,host,bench/quote.c host/attest/collateral_json.c host/util/fsutil.c) \
                          $(call lib,host)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS) $(JANSSON)

# The KMS's core with real crypto over the in-memory chain double of the
# unit tests, so that the figure excludes the chain (docs/performance.md).
$(OUT)/bench/bench-kms: $(call obj,host,bench/kms.c $(KMS_SRC) $(SIM_SRC) host/attest/collateral_json.c \
                        host/measure/eventlog_json.c host/util/keyfile.c host/util/fsutil.c \
                        tests/tools/kmsview_mem.c tests/tools/kmsevent.c) $(call lib,host)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS) $(JANSSON)
$(call obj,host,bench/kms.c tests/tools/kmsview_mem.c tests/tools/kmsevent.c): HOST_CFLAGS += -Itests/tools

# The load test's clients without the sanitizers, so that the figures are
# the daemon's more than the clients' (docs/performance.md, "KMS under load").
$(OUT)/bench/c2d-kmscvm: $(call obj,host,$(KMSCVM_SRC)) $(call lib,host)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS) $(JANSSON) $(CURL) $(MHD)
$(call obj,host,tests/tools/kmscvm.c tests/tools/kmsload.c): HOST_CFLAGS += -Itests/tools

$(OUT)/bench/gpu-dense: $(call obj,host,bench/gpu_dense.c host/gpu/cudadrv.c) $(KERNELS_OBJ) $(call lib,host)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ -lm -lpthread

bench: image $(OUT)/bench/bench-stream $(OUT)/bench/bench-dp $(OUT)/bin/c2d $(OUT)/guest/cohort-stats \
       $(OUT)/bench/gpu-dense $(OUT)/bench/bench-quote $(OUT)/bench/bench-kms $(OUT)/bench/c2d-kmscvm \
       $(CONTRACT) $(NPM)/.stamp
	bench/build
	bench/boot
	bench/seal
	bench/dp
	bench/quote
	bench/kms
	bench/kmsload
	bench/analysis
	bench/gpu
	bench/merge

clean:
	rm -rf $(OUT)
