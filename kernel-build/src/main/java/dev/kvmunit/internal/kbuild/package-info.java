/**
 * Builds kvmunit's guest kernel and the sched_ext example schedulers from a kernel source tree:
 * Debian's {@code linux-source-6.12} by default ({@link dev.kvmunit.internal.kbuild.KernelSource}),
 * configured as tinyconfig plus kvmunit's {@link dev.kvmunit.internal.kbuild.Fragment}
 * ({@link dev.kvmunit.internal.kbuild.KernelConfigurator}), compiled with make
 * ({@link dev.kvmunit.internal.kbuild.KernelCompiler}, {@link dev.kvmunit.internal.kbuild.SchedulerBuild})
 * and published into {@link dev.kvmunit.internal.kbuild.KernelBuildCache} under a key made from
 * everything that decides the result ({@link dev.kvmunit.internal.kbuild.BuildKey}).
 * {@link dev.kvmunit.internal.kbuild.KernelBuild} runs one build; {@link dev.kvmunit.internal.kbuild.SchedExtKernel}
 * is the entry point for {@code @VmTest(kernel = "sched-ext")}.
 */
package dev.kvmunit.internal.kbuild;
