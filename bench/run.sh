#!/usr/bin/env bash
# Runs kvmunit's benchmarks and writes docs/benchmarks.md. Benchmarks are not tests: they
# measure, they do not assert. Usage: bench/run.sh [runs]   (default 5; the round trip uses 2x)
#
# On a host whose /dev/kvm cannot boot kernels (kvm_pvm) the boot benchmarks run inside the
# nested rig, where our engine and QEMU+KVM boot the same kernel and initramfs on the same L1.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
out=docs/benchmarks.md

echo "bench: building test classes and classpaths" >&2
mvn -q -B -pl vmm-engine,vmm-rig,guest-init,junit-extension -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >&2

classpath() { # module -> its classes, test classes and test-scope dependencies
    echo "$1/target/test-classes:$1/target/classes:$(cat "$1/target/bench.classpath")"
}

section() { # title, module, main class, args...
    local title=$1 module=$2 main=$3
    shift 3
    echo "bench: $title" >&2
    local result
    result=$(java -cp "$(classpath "$module")" "$main" "$@")
    {
        echo "## $title"
        echo
        echo "\`java -cp <$module test classpath> $main $*\`"
        echo
        case "$result" in
            "|"*|*$'\n|'*) echo "$result" ;;
            *) echo '```'; echo "$result"; echo '```' ;;
        esac
        echo
    } >>"$out.tmp"
}

{
    echo "# Benchmarks"
    echo
    echo "Written by \`bench/run.sh $runs\` on $(date -u +%Y-%m-%d). Machine: $(nproc) cores,"
    echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB,"
    echo "/dev/kvm: $(if [ -c /dev/kvm ]; then ls /sys/module | grep -E '^kvm_(intel|amd|pvm)$' | tr '\n' ' '; else echo none; fi)."
    echo "Medians; every figure comes from the command printed above it."
    echo
} >"$out.tmp"

section "Guest boot in the nested rig: kvmunit vs QEMU+KVM" vmm-rig \
    dev.kvmunit.internal.rig.RigBootBenchmark "$runs" 1
section "Guest boot in the nested rig, 4 vCPUs" vmm-rig \
    dev.kvmunit.internal.rig.RigBootBenchmark "$runs" 4
section "@VmTest round trip (boot, exec true, power off)" junit-extension \
    dev.kvmunit.internal.junit.RoundTripBenchmark "$((runs * 2))"
if [ -c /dev/kvm ]; then
    section "Fixed cost per VM on this host's /dev/kvm (tiny guest)" vmm-engine \
        dev.kvmunit.internal.vmm.bench.MachineLifecycleBenchmark 256 50
else
    printf '## Fixed cost per VM on this host'"'"'s /dev/kvm (tiny guest)\n\nNot measured: this host has no /dev/kvm.\n\n' >>"$out.tmp"
fi
section "Initramfs base: cold build, warm lookup, per-test overlay" vmm-engine \
    dev.kvmunit.internal.vmm.bench.ImageBenchmark "$runs"
section "Host memory for N VMs sharing one cached base (mapped) vs copying it" vmm-engine \
    dev.kvmunit.internal.vmm.bench.BaseSharingBenchmark

cat bench/reading.md >>"$out.tmp"
mv "$out.tmp" "$out"
echo "bench: wrote $out" >&2
