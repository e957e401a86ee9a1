# Loom — top-level convenience targets.  Everything real is in meson.
#   make run     install missing packages, build (Linux too, the first time), boot
#                Linux on $(SMP) harts with its ext4 root on a virtio disk (plus
#                virtio-rng, virtio-net); make run-initramfs: the initramfs boot;
#                make run-demo: the bare-metal SMP demo
#   make check   install missing packages, build, run every suite but the long stress runs
#   make stress  the long stress runs
#   make bench   the benchmarks (print tables; never fail on time)
#   make bench-ab BASE=OTHER_LOOM  what a change costs: the bench/compare
#                guests on OTHER_LOOM (e.g. a build of main) and on this
#                build, interleaved (bench/loom-ab; RUNS=5 rounds)
#   make mutants the mutation proof: every tests/mutants patch must make its
#                tests fail (docs/mutants.md); M='GLOB ...' selects some;
#                make mutants-fast runs the CI subset
#   make soak    N Linux boots at -smp 4 (N=100 by default): passes, hangs,
#                wrong results, slow boots; failure logs in BUILD/soak
#   make linux   build the Linux guest: kernel + initramfs + ext4 root (cached in BUILD/linux)

BUILD      ?= build
MESONFLAGS ?=
SMP        ?= 4

# Debian packages the build and the test suites need.
PKGS = meson ninja-build pkg-config gcc liburcu-dev libck-dev libjemalloc-dev \
       libcmocka-dev libfdt-dev libcapstone-dev gcc-riscv64-unknown-elf \
       binutils-riscv64-unknown-elf python3 libslirp-dev gdb-multiarch
# The Linux guest (make linux, suites boot/boot-qemu, bench/boot): kernel
# source and cross compiler, the kernel build's host tools, the firmware.
LINUX_PKGS = linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross e2fsprogs \
       make bison flex bc xz-utils opensbi u-boot-qemu
# Optional: the oracle and peer (guest suite compares output with it); gdb
# for the host stacks make soak saves of a hung run; gnuplot for the plot
# bench/compare writes (BUILD/bench/compare.png; skipped when missing).
OPT_PKGS = qemu-system-misc gdb gnuplot-nox
LINUX_DIR = $(BUILD)/linux
FW_JUMP   = /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin

.PHONY: all deps build run run-demo run-linux run-initramfs check stress bench clean linux \
        mutants mutants-fast soak bench-ab

all: build

deps:
	@missing=$$(for p in $(PKGS) $(LINUX_PKGS) $(OPT_PKGS); do \
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

# The root disk make run boots: a working copy of the built image (the
# guest writes to it; `rm $(LINUX_DIR)/disk.ext4` starts afresh).
run: build linux
	@echo "Booting Linux 6.1 on $(SMP) harts: OpenSBI -> Linux with its ext4 root on"
	@echo "virtio-blk ($(LINUX_DIR)/disk.ext4), virtio-rng and virtio-net (user network);"
	@echo "the init checks the devices, runs a workload on every CPU and powers off"
	@[ -f $(LINUX_DIR)/disk.ext4 ] || cp $(LINUX_DIR)/rootfs.ext4 $(LINUX_DIR)/disk.ext4
	$(BUILD)/src/machine/loom -M virt -smp $(SMP) -m 512M -bios $(FW_JUMP) \
	    -kernel $(LINUX_DIR)/Image \
	    -append "console=ttyS0 root=/dev/vda rw init=/init loom.root=1 loom.hwrng=1 loom.net=1" \
	    -drive file=$(LINUX_DIR)/disk.ext4,format=raw,if=none,id=d0 \
	    -device virtio-blk-device,drive=d0 -device virtio-rng-device -nic user \
	    -nographic

# The initramfs boot (no disk).
run-initramfs: build linux
	$(BUILD)/src/machine/loom -M virt -smp $(SMP) -m 512M -bios $(FW_JUMP) \
	    -kernel $(LINUX_DIR)/Image -initrd $(LINUX_DIR)/initramfs.cpio \
	    -append "console=ttyS0" -nographic

# The bare-metal SMP demo (no kernel build needed).
run-demo: build
	$(BUILD)/src/machine/loom -M virt -smp $(SMP) -m 256M -bios none \
	    -kernel $(BUILD)/tests/guest/smp_demo.elf -nographic

linux: deps
	scripts/build-linux.sh --cache $(LINUX_DIR)
	scripts/build-initramfs.sh --cache $(LINUX_DIR)
	scripts/build-rootfs.sh --cache $(LINUX_DIR)

run-linux: run

check: build linux
	meson test -C $(BUILD) --print-errorlogs --suite unit --suite guest --suite lint \
	    --suite stress-short --suite boot

stress: build
	meson test -C $(BUILD) --print-errorlogs --suite stress --timeout-multiplier 10

bench: build
	ninja -C $(BUILD) bench-compare       # CPU-bound guests: Loom vs QEMU
	ninja -C $(BUILD) bench-smp-scale     # MIPS per hart at -smp 1..nproc
	$(BUILD)/bench/tbht-bench             # TB hash vs cds_lfht vs ck_hs
	ninja -C $(BUILD) bench-boot          # Linux boot times and RSS vs QEMU

RUNS ?= 5
bench-ab: build
	@[ -n "$(BASE)" ] || { echo "make bench-ab: BASE=path/to/baseline/loom is required"; exit 2; }
	bench/loom-ab $(BASE) $(BUILD)/src/machine/loom --elf-dir $(BUILD)/bench --runs $(RUNS)

N ?= 100
soak: build linux
	python3 scripts/soak.py -n $(N) --smp $(SMP) --build $(BUILD)

mutants: deps
	python3 tests/mutants/run.py $(M)

mutants-fast: deps
	python3 tests/mutants/run.py --fast

clean:
	rm -rf $(BUILD)
