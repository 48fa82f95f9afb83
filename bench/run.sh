#!/usr/bin/env bash
# Runs kvmunit's benchmarks and writes docs/benchmarks.md. Benchmarks are not tests: they
# measure, they do not assert.
#
# Usage: bench/run.sh [runs] [section...]   (runs default 5; the round trip uses 2x)
# With sections named, only those are measured again; the others keep their last text in
# docs/benchmarks.md, each under the command and date that produced it. Sections:
#   rig-boot rig-boot-4 round-trip engine-lifecycle image base-sharing kernel-build
#
# On a host whose /dev/kvm cannot boot kernels (kvm_pvm, or none) the boot benchmarks run
# inside the nested rig, where our engine and QEMU+KVM boot the same kernel and initramfs on
# the same L1. kernel-build builds kvmunit's sched_ext kernel cold (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
wanted=" $* "
out=docs/benchmarks.md
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT

echo "bench: building test classes and classpaths" >&2
mvn -q -B -pl vmm-engine,vmm-rig,guest-init,kernel-build,junit-extension -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >&2

classpath() { # module -> its classes, test classes and test-scope dependencies
    echo "$1/target/test-classes:$1/target/classes:$(cat "$1/target/bench.classpath")"
}

selected() { [ "$wanted" = "  " ] || [[ $wanted == *" $1 "* ]]; }

section() { # id, title, module, main class, args...
    local id=$1 title=$2 module=$3 main=$4
    shift 4
    selected "$id" || return 0
    echo "bench: $title" >&2
    local result
    result=$(java -cp "$(classpath "$module")" "$main" "$@")
    {
        echo "## $title"
        echo
        echo "\`java -cp <$module test classpath> $main $*\` (\`bench/run.sh $runs\`, $(date -u +%Y-%m-%d))"
        echo
        case "$result" in
            "|"*|*$'\n|'*) echo "$result" ;;
            *) echo '```'; echo "$result"; echo '```' ;;
        esac
        echo
    } >"$parts/$id"
}

note() { # id, title, text: a section that is not measured on this host
    selected "$1" || return 0
    printf '## %s\n\n%s\n\n' "$2" "$3" >"$parts/$1"
}

section rig-boot "Guest boot in the nested rig: kvmunit vs QEMU+KVM" vmm-rig \
    dev.kvmunit.internal.rig.RigBootBenchmark "$runs" 1
section rig-boot-4 "Guest boot in the nested rig, 4 vCPUs" vmm-rig \
    dev.kvmunit.internal.rig.RigBootBenchmark "$runs" 4
section round-trip "@VmTest round trip (boot, exec true, power off)" junit-extension \
    dev.kvmunit.internal.junit.RoundTripBenchmark "$((runs * 2))"
if [ -c /dev/kvm ]; then
    section engine-lifecycle "Fixed cost per VM on this host's /dev/kvm (tiny guest)" vmm-engine \
        dev.kvmunit.internal.vmm.bench.MachineLifecycleBenchmark 256 50
else
    note engine-lifecycle "Fixed cost per VM on this host's /dev/kvm (tiny guest)" "Not measured: this host has no /dev/kvm."
fi
section image "Initramfs base: cold build, warm lookup, per-test overlay" vmm-engine \
    dev.kvmunit.internal.vmm.bench.ImageBenchmark "$runs"
section base-sharing "Host memory for N VMs sharing one cached base (mapped) vs copying it" vmm-engine \
    dev.kvmunit.internal.vmm.bench.BaseSharingBenchmark
section kernel-build "kvmunit's sched_ext kernel: cold build and cache hit" kernel-build \
    dev.kvmunit.internal.kbuild.KernelBuildBenchmark "$runs"

# The previous text of a section that was not run this time: from its marker to the next.
previous() {
    [ -f "$out" ] || return 0
    awk -v id="$1" '/^<!-- bench: / { keep = ($3 == id) ; next } /^## How to read these/ { keep = 0 } keep' "$out"
}

{
    echo "# Benchmarks"
    echo
    echo "Written by \`bench/run.sh\`. Machine: $(nproc) cores,"
    echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB,"
    echo "/dev/kvm: $(if [ -c /dev/kvm ]; then ls /sys/module | grep -E '^kvm_(intel|amd|pvm)$' | tr '\n' ' '; else echo none; fi)."
    echo "Medians; every figure comes from the command printed above it."
    echo
    for id in rig-boot rig-boot-4 round-trip engine-lifecycle image base-sharing kernel-build; do
        echo "<!-- bench: $id -->"
        if [ -f "$parts/$id" ]; then cat "$parts/$id"; else previous "$id"; fi
    done
    cat bench/reading.md
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "bench: wrote $out" >&2
