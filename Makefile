# c2d: compute-to-data on confidential VMs.
#
#   make            host tools: out/bin/c2d, out/bin/c2d-mkimage
#   make image      the CVM images, one per analysis: out/image/ (cohort-stats,
#                   the demo's) and out/image-risk-model/, each with bzImage
#                   initrd.cpio cmdline image.json measurements.json
#   make demo       build the image, boot it under QEMU, show its measurements,
#                   seal the hospitals' cohorts, approve the image on a local chain
#   make test       unit tests, fuzzers (briefly), contract tests on anvil, boot test,
#                   reproducibility
#   make contracts  the governance contract, out/contracts/C2DConsortium.json
#   make bench      benchmarks (out/bench/results.json, docs/performance.md)
#   make reproduce  build twice in different environments, compare bytes
#   make deps       install packages, fetch and verify pinned inputs
#
# Trust boundary: init/ runtime/ analysis/ are compiled with musl into the
# CVM; host/ image/ are host tools; runtime/ is compiled for both.

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
WARN     := -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral
# Paths of the checkout must not reach any binary (assert messages, __FILE__).
NOPATH   := -ffile-prefix-map=$(CURDIR)/=
# Guest code sees only the guest library's headers; host code sees both
# and its own folders' (the compiler keeps the boundary: docs/architecture.md).
GUEST_INC := -Iguest/runtime/include -Iguest/init -Iguest/analysis
INC      := $(GUEST_INC) -Ihost/include -Iimage $(patsubst %/,-I%,$(filter-out host/include/,$(sort $(wildcard host/*/))))
# The kernel's uapi headers (linux/tdx-guest.h), installed from the pinned
# kernel source by kernel-config/headers; -isystem so that they are searched
# after our own headers and their style is not held to our warnings.
KHDR     := $(DEPS)/kernel-headers
NPM      := $(DEPS)/npm
KHDR_INC := -isystem $(KHDR)/include

GUEST_CFLAGS  := $(WARN) $(NOPATH) $(GUEST_INC) $(KHDR_INC) -I$(DEPS)/musl/include -Os -D_GNU_SOURCE \
                 -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                 -fstack-protector-strong
GUEST_LDFLAGS := -static -no-pie -Wl,--gc-sections -Wl,-z,noexecstack -Wl,-z,relro,-z,now \
                 -Wl,--build-id=none -s
HOST_CFLAGS   := $(WARN) $(NOPATH) $(INC) $(KHDR_INC) -I$(DEPS)/host/include -O2 -g -D_GNU_SOURCE \
                 -fstack-protector-strong -D_FORTIFY_SOURCE=2
TEST_CFLAGS   := $(WARN) $(NOPATH) $(INC) $(KHDR_INC) -I$(DEPS)/host/include \
                 -O1 -g -D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer
TEST_CFLAGS   += -Itests/tools
HOST_LIBS     := $(DEPS)/host/lib/libbearssl.a $(DEPS)/host/lib/libsecp256k1.a -lmvec -lm
JANSSON       := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CURL          := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)

# The library. guest/runtime/ is what the CVM links (the host links it
# too); host/attest/ and host/measure/ add the verifier and the
# measurement prediction, which only the host links (docs/architecture.md).
RT_SRC      := $(sort $(wildcard guest/runtime/*/*.c))
HOSTLIB_SRC := host/attest/der.c host/attest/x509.c host/attest/p256.c host/attest/crl.c \
               host/attest/pckext.c host/attest/intel_root.c host/attest/collateral.c \
               host/attest/tdxverify.c host/attest/date.c host/measure/pe.c host/measure/tdxmeasure.c \
               host/measure/eventlog.c
RUNTIME_SRC := $(RT_SRC) $(HOSTLIB_SRC)
INIT_SRC    := guest/init/init.c guest/init/probe.c guest/init/supervise.c guest/init/attest.c
# The analysis runner (issue 6); init does not call it yet.
INIT_SRC    += guest/init/analysis.c
# The fixed analyses (analysis/), each a static child of init in its image.
COHORT_SRC  := guest/analysis/cohort_stats_main.c guest/analysis/cohort_stats.c guest/analysis/cohort_stats_schema.c \
               guest/analysis/child.c guest/analysis/columns.c
# risk-model: the child (a gradient oracle) and init's DP driver, which
# shares only the schemas with it; the central fit (guest/analysis/riskmodel.c)
# is never linked into init.
RISK_SRC    := guest/analysis/riskmodel_main.c guest/analysis/riskmodel.c guest/analysis/riskmodel_schema.c \
               guest/analysis/child.c guest/analysis/columns.c
INIT_SRC    += guest/init/riskmodel.c guest/analysis/riskmodel_schema.c
# The image's analysis: its recipe loaded at boot, the analyses init knows.
INIT_SRC    += guest/init/imageanalysis.c guest/analysis/cohort_stats_schema.c
C2D_SRC     := host/cli/c2d.c host/util/fsutil.c host/util/jsonout.c host/util/keyfile.c host/cli/progress.c \
               host/cli/cmd_measure.c host/measure/bootpredict.c image/cpio.c \
               host/cli/cmd_seal.c host/seal/sealer.c host/seal/csv.c host/seal/values.c host/seal/schemafile.c \
               host/seal/recipefile.c host/cli/cmd_gencohort.c \
               host/cli/cmd_quote.c host/cli/cmd_verify.c host/attest/collateral_json.c host/cli/cmd_replay.c \
               host/measure/eventlog_json.c \
               host/cli/cmd_simquoter.c host/sim/simca.c host/sim/simquote.c host/sim/der_write.c
# The chain client (issue 5): keccak, RLP, ABI, EIP-1559 transactions, JSON-RPC.
ETH_SRC     := host/chain/keccak.c host/chain/rlp.c host/chain/abi.c host/chain/ethtx.c host/chain/rpc.c host/chain/consortium.c
C2D_SRC     += $(ETH_SRC) host/cli/cmd_chain.c
# c2d run (issue 6): the analyses on the host, central or from sealed files
# through init's input and runner.
C2D_SRC     += host/cli/cmd_run.c guest/init/analysis.c guest/init/supervise.c guest/analysis/cohort_stats.c \
               guest/analysis/cohort_stats_schema.c guest/analysis/columns.c
# c2d run --analysis risk-model: the central (non-private) fit, and with
# --dp --child the private fit driven by init's own code (guest/init/riskmodel.c).
C2D_SRC     += guest/analysis/riskmodel.c guest/init/riskmodel.c guest/analysis/riskmodel_schema.c \
               host/central/riskmodel_central.c
# The CUDA driver-API path (host/gpu/gpu.c, cudadrv.c; kernels.cu built by
# nvcc into a fatbin that the binary embeds): c2d run --backend cuda.
GPU_SRC     := host/gpu/gpu.c host/gpu/cudadrv.c
C2D_SRC     += $(GPU_SRC)
ifeq ($(origin NVCC),undefined)
NVCC        := $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard /usr/local/cuda/bin/nvcc))
endif
NVCC_FLAGS  := --fatbin --fmad=false -std=c++17 -Iguest/analysis \
               -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
KERNELS_FATBIN := $(OUT)/cuda/kernels.fatbin
KERNELS_OBJ    := $(OUT)/obj/host/host/gpu/kernels_blob.o
MKIMAGE_SRC := image/mkimage.c image/cpio.c host/util/fsutil.c host/util/jsonout.c
UNIT_TESTS  := test_runtime test_cpio test_probe test_supervise test_attest test_seal test_csv \
               test_quote test_x509 test_collateral test_tdxverify test_eventlog test_tdxmeasure \
               test_tdxguest test_simproto test_simquoter
UNIT_TESTS  += test_eth
UNIT_TESTS  += test_dp
UNIT_TESTS  += test_analysis
UNIT_TESTS  += test_riskmodel
UNIT_TESTS  += test_gpu
UNIT_TESTS  += test_analysisconf
UNIT_BINS   := $(addprefix $(OUT)/test/,$(UNIT_TESTS))

obj = $(patsubst %.c,$(OUT)/obj/$(1)/%.o,$(2))

.PHONY: all deps image demo test unit fuzz boot-test reproduce bench clean lint check-lock
.PHONY: print-init-objs print-risk-objs print-c2d-objs cuda
all: $(OUT)/bin/c2d $(OUT)/bin/c2d-mkimage

# --- dependencies -----------------------------------------------------------
deps: $(STAMP) $(NPM)/.stamp
$(STAMP): reproducible/inputs.lock reproducible/packages reproducible/deps
	+reproducible/deps
# The EVM toolchain (solc, anvil, cast, forge) from npm, pinned by
# contracts/package-lock.json, into out/deps/npm.
$(NPM)/.stamp: contracts/package.json contracts/package-lock.json reproducible/npm $(STAMP)
	reproducible/npm $(NPM)

# The kernel's uapi headers, once, from the pinned (and re-checked) source.
$(KHDR)/source: kernel-config/headers reproducible/inputs.lock $(STAMP)
	kernel-config/headers $(KHDR)

# --- compilation ------------------------------------------------------------
$(OUT)/obj/guest/%.o: %.c $(STAMP) $(KHDR)/source
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(OUT)/obj/host/%.o: %.c $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
# The prediction reads /init out of the initrd with the image's cpio reader.
$(OUT)/obj/test/%.o: %.c $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@
-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
$(call obj,guest,guest/runtime/tdx/tdxguest.c) $(call obj,host,guest/runtime/tdx/tdxguest.c) \
$(call obj,test,guest/runtime/tdx/tdxguest.c): $(KHDR)/source
# The DP samplers must not touch a floating-point or vector register: the
# compiler refuses any float in the source and emits none of its own.
$(call obj,guest,guest/runtime/dp/dp.c): GUEST_CFLAGS += -mgeneral-regs-only
# The analyses' hot loops (row checks, cell counts) vectorise at -O3 and
# not at -O2 (gcc 12's cheap cost model): 25% of cohort-stats' time on the
# demo cohort (docs/performance.md). Exact integer and IEEE arithmetic
# either way: -O3 adds no fast-math.
HOT_SRC := guest/runtime/sealed/rowgroup.c guest/analysis/cohort_stats.c guest/analysis/riskmodel.c \
           host/central/riskmodel_central.c
$(call obj,host,$(HOT_SRC)): HOST_CFLAGS += -O3
# The central fit's sigmoids through libmvec (host/central/riskmodel_central.c).
$(call obj,host,host/central/riskmodel_central.c): HOST_CFLAGS += -fno-math-errno
$(call obj,guest,$(HOT_SRC)): GUEST_CFLAGS += -O3
$(call obj,host,guest/runtime/dp/dp.c): HOST_CFLAGS += -mgeneral-regs-only
$(call obj,test,guest/runtime/dp/dp.c): TEST_CFLAGS += -mgeneral-regs-only

$(OUT)/guest/init: $(call obj,guest,$(INIT_SRC) $(RT_SRC))
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_LDFLAGS) -o $@.tmp $^ $(DEPS)/musl/lib/libsecp256k1.a $(DEPS)/musl/lib/libbearssl.a
	@# I1: no dynamic loader in the image. A static binary has no
	@# PT_INTERP and no PT_DYNAMIC; refuse anything else.
	@if readelf -lW $@.tmp | grep -Eq '\b(INTERP|DYNAMIC)\b'; then \
		echo "$@: not a static executable" >&2; rm -f $@.tmp; exit 1; fi
	mv $@.tmp $@

# The cohort-stats analysis child, static like init (same I1 check).
$(OUT)/guest/cohort-stats: $(call obj,guest,$(COHORT_SRC) $(RT_SRC))
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_LDFLAGS) -o $@.tmp $^ $(DEPS)/musl/lib/libsecp256k1.a $(DEPS)/musl/lib/libbearssl.a
	@if readelf -lW $@.tmp | grep -Eq '\b(INTERP|DYNAMIC)\b'; then \
		echo "$@: not a static executable" >&2; rm -f $@.tmp; exit 1; fi
	mv $@.tmp $@

# The objects init links, for tests/host/riskmodel_ref.sh (the non-private
# fit must not be among them).
print-init-objs:
	@echo $(call obj,guest,$(INIT_SRC) $(RT_SRC))
print-c2d-objs:
	@echo $(call obj,host,$(C2D_SRC))
print-risk-objs:
	@echo $(call obj,guest,$(RISK_SRC) $(RT_SRC))

# The risk-model analysis child, static like init (same I1 check).
$(OUT)/guest/risk-model: $(call obj,guest,$(RISK_SRC) $(RT_SRC))
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_LDFLAGS) -o $@.tmp $^ $(DEPS)/musl/lib/libsecp256k1.a $(DEPS)/musl/lib/libbearssl.a
	@if readelf -lW $@.tmp | grep -Eq '\b(INTERP|DYNAMIC)\b'; then \
		echo "$@: not a static executable" >&2; rm -f $@.tmp; exit 1; fi
	mv $@.tmp $@

$(OUT)/bin/c2d: $(call obj,host,$(C2D_SRC) $(RUNTIME_SRC)) $(KERNELS_OBJ)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS) $(JANSSON) $(CURL)

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

SEALTOOL_SRC := tests/tools/sealtool.c host/util/fsutil.c host/util/jsonout.c host/seal/sealer.c host/seal/csv.c host/seal/values.c \
                host/seal/schemafile.c host/seal/recipefile.c host/util/keyfile.c host/cli/progress.c
$(OUT)/test/c2d-sealtool: $(call obj,test,$(SEALTOOL_SRC) $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(HOST_LIBS) $(JANSSON)

# Test-only: the chain client's encoders on the command line, for the
# cross-checks against foundry's cast (tests/host/eth_cast.sh).
$(OUT)/test/c2d-ethtool: $(call obj,test,tests/tools/ethtool.c $(ETH_SRC) host/util/fsutil.c host/util/keyfile.c $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(HOST_LIBS) $(JANSSON) $(CURL)

$(OUT)/bin/c2d-mkimage: $(call obj,host,$(MKIMAGE_SRC) $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS) $(JANSSON)

# --- the image ----------------------------------------------------------------
KERNEL := $(OUT)/kernel/bzImage
$(KERNEL): kernel-config/c2d.config kernel-config/build reproducible/inputs.lock $(STAMP)
	kernel-config/build $(OUT)/kernel

# One image per analysis (issue 6): the same kernel and cmdline; an
# initramfs of init, the analysis as /analysis and its privacy recipe as
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
endef
$(foreach a,$(ANALYSES),$(eval $(call image_rules,$(a),$(call image_dir,$(a)))))

image: $(addsuffix /measurements.json,$(IMAGES))
	@for d in $(IMAGES); do chmod 0644 $$d/* && sh image/check-size $$d || exit 1; done

# --- tests --------------------------------------------------------------------
$(OUT)/test/test_runtime: $(call obj,test,tests/unit/test_runtime.c $(RUNTIME_SRC))
$(OUT)/test/test_cpio: $(call obj,test,tests/unit/test_cpio.c image/cpio.c $(RUNTIME_SRC))
$(OUT)/test/test_probe: $(call obj,test,tests/unit/test_probe.c guest/init/probe.c $(RUNTIME_SRC))
$(OUT)/test/test_supervise: $(call obj,test,tests/unit/test_supervise.c guest/init/supervise.c $(RUNTIME_SRC))
$(OUT)/test/test_seal: $(call obj,test,tests/unit/test_seal.c $(RUNTIME_SRC))
$(OUT)/test/test_csv: $(call obj,test,tests/unit/test_csv.c host/seal/csv.c host/seal/values.c $(RUNTIME_SRC))
$(OUT)/test/test_quote: $(call obj,test,tests/unit/test_quote.c $(RUNTIME_SRC))
$(OUT)/test/test_eventlog: $(call obj,test,tests/unit/test_eventlog.c host/measure/eventlog_json.c $(RUNTIME_SRC))
$(OUT)/test/test_eventlog: UNIT_LIBS := $(JANSSON)
$(OUT)/test/test_tdxguest: $(call obj,test,tests/unit/test_tdxguest.c $(RUNTIME_SRC))
# configfs reacts inside mkdir/rmdir; the test's fake does so through --wrap.
$(OUT)/test/test_tdxguest: UNIT_LDFLAGS := -Wl,--wrap=mkdir,--wrap=rmdir
$(OUT)/test/test_collateral: $(call obj,test,tests/unit/test_collateral.c host/attest/collateral_json.c host/util/fsutil.c $(RUNTIME_SRC))
$(OUT)/test/test_collateral: UNIT_LIBS := $(JANSSON)
$(OUT)/test/test_tdxmeasure: $(call obj,test,tests/unit/test_tdxmeasure.c $(RUNTIME_SRC))
$(OUT)/test/test_simproto: $(call obj,test,tests/unit/test_simproto.c $(RUNTIME_SRC))
$(OUT)/test/test_simquoter: $(call obj,test,tests/unit/test_simquoter.c host/sim/der_write.c host/sim/simca.c \
                            host/sim/simquote.c host/util/fsutil.c host/util/keyfile.c $(RUNTIME_SRC))
$(OUT)/test/test_simquoter: UNIT_LIBS := $(JANSSON)
$(OUT)/test/test_x509: $(call obj,test,tests/unit/test_x509.c $(RUNTIME_SRC))
$(OUT)/test/test_tdxverify: $(call obj,test,tests/unit/test_tdxverify.c host/attest/collateral_json.c host/util/fsutil.c $(RUNTIME_SRC))
$(OUT)/test/test_tdxverify: UNIT_LIBS := $(JANSSON)
# The CUDA path on the SIMT emulator: host/gpu/gpu.c and the kernels'
# source, which g++ compiles with tests/tools/simtdrv.cc in place of the
# driver (C++ only because the kernels are CUDA C++).
SIMT_OBJ := $(OUT)/obj/test/tests/tools/simtdrv.o
$(SIMT_OBJ): tests/tools/simtdrv.cc host/gpu/kernels.cu host/gpu/gpu_abi.h guest/analysis/rowmath.h \
             host/gpu/cudadrv.h $(STAMP)
	@mkdir -p $(@D)
	g++ -std=c++17 -Wall -Wextra -Werror $(NOPATH) $(INC) -O1 -g -pthread \
		-fsanitize=address,undefined -fno-sanitize-recover=all -c $< -o $@
$(OUT)/test/test_gpu: $(call obj,test,tests/unit/test_gpu.c host/gpu/gpu.c guest/analysis/cohort_stats.c \
                      guest/analysis/cohort_stats_schema.c guest/analysis/riskmodel.c guest/analysis/columns.c \
                      tests/tools/analysistest.c guest/init/analysis.c guest/init/supervise.c $(RUNTIME_SRC)) $(SIMT_OBJ)
$(call obj,test,tests/unit/test_gpu.c host/gpu/gpu.c): TEST_CFLAGS += -Itests/tools
$(OUT)/test/test_gpu: UNIT_LIBS := -lstdc++ -lpthread
$(OUT)/test/test_attest: $(call obj,test,tests/unit/test_attest.c guest/init/attest.c guest/init/probe.c $(RUNTIME_SRC))
$(OUT)/test/test_eth: $(call obj,test,tests/unit/test_eth.c $(ETH_SRC) host/util/fsutil.c host/util/keyfile.c $(RUNTIME_SRC))
$(OUT)/test/test_eth: UNIT_LIBS := $(JANSSON) $(CURL)
$(OUT)/test/test_dp: $(call obj,test,tests/unit/test_dp.c $(RUNTIME_SRC))
# test_analysis runs the host build of cohort-stats, the static guest one,
# and the misbehaving children of tests/tools/fakeanalysis.c. The children
# are built without the sanitizers: their seccomp filter (guest/analysis/child.c)
# kills the calls ASan and LSan make, and a crash must reach init as the
# signal, not as ASan's report. The analysis code itself runs under the
# sanitizers in the tests that call it in-process.
$(OUT)/test/test_analysis: $(call obj,test,tests/unit/test_analysis.c guest/init/analysis.c guest/init/supervise.c \
                           guest/analysis/cohort_stats.c guest/analysis/cohort_stats_schema.c guest/analysis/columns.c \
                           tests/tools/fakeschema.c tests/tools/analysistest.c \
                           $(RUNTIME_SRC)) | $(OUT)/test/cohort-stats $(OUT)/test/c2d-fakeanalysis \
                           $(OUT)/guest/cohort-stats
$(call obj,test,tests/unit/test_analysis.c): TEST_CFLAGS += -Itests/tools
$(OUT)/test/cohort-stats: $(call obj,host,$(COHORT_SRC) $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS)
# test_riskmodel: the host and guest builds of risk-model (no sanitizers,
# as above), init's driver, and the central fit against scikit-learn's
# (tests/unit/riskmodel_ref.h).
$(OUT)/test/test_riskmodel: $(call obj,test,tests/unit/test_riskmodel.c guest/init/riskmodel.c guest/init/analysis.c \
                           guest/init/supervise.c guest/analysis/riskmodel.c guest/analysis/riskmodel_schema.c \
                           host/central/riskmodel_central.c \
                           guest/analysis/columns.c tests/tools/analysistest.c \
                           $(RUNTIME_SRC)) | $(OUT)/test/risk-model $(OUT)/test/c2d-fakeriskmodel \
                           $(OUT)/guest/risk-model
$(call obj,test,tests/unit/test_riskmodel.c): TEST_CFLAGS += -Itests/tools -Itests/unit
# test_analysisconf: the recipes (guest/runtime/protocol/analysisconf.c) and init's boot
# check of an image's analysis (guest/init/imageanalysis.c).
$(OUT)/test/test_analysisconf: $(call obj,test,tests/unit/test_analysisconf.c guest/init/imageanalysis.c \
                              guest/init/riskmodel.c guest/init/analysis.c guest/init/supervise.c \
                              guest/analysis/cohort_stats_schema.c guest/analysis/riskmodel_schema.c $(RUNTIME_SRC))
$(OUT)/test/risk-model: $(call obj,host,$(RISK_SRC) $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS)
FAKERISK_SRC := tests/tools/fakeriskmodel.c guest/analysis/riskmodel.c guest/analysis/riskmodel_schema.c guest/analysis/child.c \
                guest/analysis/columns.c
$(OUT)/test/c2d-fakeriskmodel: $(call obj,host,$(FAKERISK_SRC) $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS)
FAKEANALYSIS_SRC := tests/tools/fakeanalysis.c tests/tools/fakeschema.c guest/analysis/child.c
$(OUT)/test/c2d-fakeanalysis: $(call obj,host,$(FAKEANALYSIS_SRC) $(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HOST_LIBS)
# Every unit test reads its files with testfile_load() (tests/tools/testfile.h).
$(UNIT_BINS): $(call obj,test,tests/tools/testfile.c host/util/fsutil.c)
$(UNIT_BINS):
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $(UNIT_LDFLAGS) -o $@ $^ $(HOST_LIBS) $(UNIT_LIBS) -lcmocka

unit: $(UNIT_BINS) $(OUT)/guest/init $(OUT)/guest/cohort-stats $(OUT)/guest/risk-model $(OUT)/bin/c2d $(OUT)/bin/c2d-mkimage $(OUT)/test/c2d-sealtool \
      $(OUT)/test/c2d-ethtool
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done
	tests/host/run-all

FUZZ_CFLAGS := -std=c17 -Wall -Wextra -Werror $(INC) $(KHDR_INC) -I$(DEPS)/host/include -g -O1 -D_GNU_SOURCE \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(OUT)/fuzz/fuzz_cpio: tests/fuzz/fuzz_cpio.c image/cpio.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_probe: tests/fuzz/fuzz_probe.c guest/init/probe.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_sealhdr: tests/fuzz/fuzz_sealhdr.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_plain: tests/fuzz/fuzz_plain.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_csv: tests/fuzz/fuzz_csv.c host/seal/csv.c host/seal/values.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_quote: tests/fuzz/fuzz_quote.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_eventlog: tests/fuzz/fuzz_eventlog.c host/measure/eventlog_json.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS) $(JANSSON)
$(OUT)/fuzz/fuzz_collateral: tests/fuzz/fuzz_collateral.c host/attest/collateral_json.c host/util/fsutil.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS) $(JANSSON)
$(OUT)/fuzz/fuzz_tdreport: tests/fuzz/fuzz_tdreport.c $(RUNTIME_SRC) $(STAMP) $(KHDR)/source
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_pe: tests/fuzz/fuzz_pe.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_tdvf: tests/fuzz/fuzz_tdvf.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_simproto: tests/fuzz/fuzz_simproto.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_x509: tests/fuzz/fuzz_x509.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_crl: tests/fuzz/fuzz_crl.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_rlp: tests/fuzz/fuzz_rlp.c host/chain/rlp.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_abi: tests/fuzz/fuzz_abi.c host/chain/abi.c host/chain/keccak.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_rpc: tests/fuzz/fuzz_rpc.c $(ETH_SRC) host/util/fsutil.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS) $(JANSSON) $(CURL)
FUZZERS := $(OUT)/fuzz/fuzz_quote $(OUT)/fuzz/fuzz_cpio $(OUT)/fuzz/fuzz_probe $(OUT)/fuzz/fuzz_sealhdr \
           $(OUT)/fuzz/fuzz_plain $(OUT)/fuzz/fuzz_csv $(OUT)/fuzz/fuzz_eventlog $(OUT)/fuzz/fuzz_tdreport \
           $(OUT)/fuzz/fuzz_collateral $(OUT)/fuzz/fuzz_pe $(OUT)/fuzz/fuzz_tdvf $(OUT)/fuzz/fuzz_simproto \
           $(OUT)/fuzz/fuzz_x509 $(OUT)/fuzz/fuzz_crl
FUZZERS += $(OUT)/fuzz/fuzz_rlp $(OUT)/fuzz/fuzz_abi $(OUT)/fuzz/fuzz_rpc
$(OUT)/fuzz/fuzz_agg: tests/fuzz/fuzz_agg.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
$(OUT)/fuzz/fuzz_rowfile: tests/fuzz/fuzz_rowfile.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
FUZZERS += $(OUT)/fuzz/fuzz_agg $(OUT)/fuzz/fuzz_rowfile
$(OUT)/fuzz/fuzz_analysisconf: tests/fuzz/fuzz_analysisconf.c $(RUNTIME_SRC) $(STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(HOST_LIBS)
FUZZERS += $(OUT)/fuzz/fuzz_analysisconf
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
chain-test: $(CONTRACT) $(OUT)/bin/c2d
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

test: lint unit fuzz chain-test boot-test reproduce
	@echo "make test: all passed"

reproduce: $(STAMP) $(NPM)/.stamp
	reproducible/reproduce

check-lock:
	+reproducible/deps

# --- benchmarks ---------------------------------------------------------------
# OpenSSL's libcrypto (Debian's libssl-dev) only here: the reference that
# bench-stream runs in the same harness (docs/performance.md).
$(OUT)/bench/bench-stream: bench/stream.c $(call obj,host,$(RUNTIME_SRC))
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS) -lcrypto

$(OUT)/bench/gpu-dense: bench/gpu_dense.c $(call obj,host,host/gpu/cudadrv.c guest/runtime/base/err.c) $(KERNELS_OBJ)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $^ -lm -lpthread

bench: image $(OUT)/bench/bench-stream $(OUT)/bin/c2d $(OUT)/guest/cohort-stats $(OUT)/bench/gpu-dense
	bench/boot
	bench/seal
	bench/analysis
	bench/gpu
	bench/merge

clean:
	rm -rf $(OUT)
