# iovm: the Makefile wraps meson. `make test` and `make demo` work on a
# fresh Debian 12 machine as root: they install what is missing first.

BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson
LAB         = tests/lab/lab.sh

# Every Debian package the build, the lab and the tests need.
DEB_PACKAGES = gcc libc6-dev linux-libc-dev meson ninja-build pkg-config \
	libpci-dev libnuma-dev liburing-dev libcriterion-dev \
	qemu-system-x86 busybox-static cpio lz4

.PHONY: all build guest deps test unit-test asan-test lab-test demo bench clean

all: build guest

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

# The default guest image (Debian kernel + busybox initramfs) for `iovm run`.
guest:
	bash tests/lab/images.sh --build-dir $(BUILD) guest

# Installs only what is missing, so a second run changes nothing.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing" $$missing; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "make deps: all packages present"; \
	fi

unit-test: build
	$(MESON) test -C $(BUILD) --print-errorlogs

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan-test:
	[ -f $(ASAN_BUILD)/build.ninja ] || \
		$(MESON) setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		IOVM_TEST_GUEST_DIR=$(CURDIR)/$(BUILD)/guest \
		$(MESON) test -C $(ASAN_BUILD) --print-errorlogs

lab-test: build guest
	./$(BUILD)/iovm lab

test: deps
	$(MAKE) all
	$(MAKE) unit-test
	$(MAKE) asan-test
	$(MAKE) lab-test

# The main job: boot the lab and run a guest with every I/O feature so far.
demo: deps
	$(MAKE) all
	./$(BUILD)/iovm lab --run 'sh /lab/demo.sh'

# The benchmarks (bench/README.md): boot time and memory beside QEMU, in the
# lab. They report PASS/MISS against the targets and fail only when they
# cannot measure. e.g. make bench BENCH_ARGS='--runs 9'
BENCH_ARGS ?=
bench: deps
	$(MAKE) all
	bash bench/boot.sh --build-dir $(BUILD) --no-build $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
