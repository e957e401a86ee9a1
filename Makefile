# Loom — top-level convenience targets.  Everything real is in meson.
#   make run     install missing packages, build, boot the default guest
#   make check   install missing packages, build, run every suite but the long stress runs
#   make stress  the long stress runs
#   make bench   the benchmarks (print tables; never fail on time)

BUILD      ?= build
MESONFLAGS ?=
SMP        ?= 4

# Debian packages the build and the test suites need.
PKGS = meson ninja-build pkg-config gcc liburcu-dev libck-dev libjemalloc-dev \
       libcmocka-dev libfdt-dev libcapstone-dev gcc-riscv64-unknown-elf \
       binutils-riscv64-unknown-elf python3
# Optional: the oracle and peer (guest suite compares output with it).
OPT_PKGS = qemu-system-misc

.PHONY: all deps build run check stress bench clean

all: build

deps:
	@missing=$$(for p in $(PKGS) $(OPT_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	        echo "installing: $$missing"; \
	        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	    else \
	        echo "missing packages; run: sudo apt-get install -y $$missing"; exit 1; \
	    fi; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESONFLAGS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	@echo "Booting the default guest: a bare-metal SMP demo on $(SMP) harts"
	@echo "(the Linux guest arrives with the real-guests milestone, see docs/)"
	$(BUILD)/src/machine/loom -M virt -smp $(SMP) -m 256M -bios none \
	    -kernel $(BUILD)/tests/guest/smp_demo.elf -nographic

check: build
	meson test -C $(BUILD) --print-errorlogs --suite unit --suite guest --suite lint --suite stress-short

stress: build
	meson test -C $(BUILD) --print-errorlogs --suite stress --timeout-multiplier 10

bench: build
	ninja -C $(BUILD) bench-compare       # CPU-bound guests: Loom vs QEMU
	ninja -C $(BUILD) bench-smp-scale     # MIPS per hart at -smp 1..nproc
	$(BUILD)/bench/tbht-bench             # TB hash vs cds_lfht vs ck_hs

clean:
	rm -rf $(BUILD)
