/**
 * x86_64 boot: parsing a kernel image ({@link dev.kvmunit.internal.vmm.boot.KernelImage}), laying out
 * guest RAM for its first instruction ({@link dev.kvmunit.internal.vmm.boot.BootLoader}), and the
 * per-vCPU CPUID ({@link dev.kvmunit.internal.vmm.boot.CpuidTemplate}) and MSRs
 * ({@link dev.kvmunit.internal.vmm.boot.BootMsrs}) the KVM layer applies. Pure Java over guest memory:
 * nothing here talks to KVM.
 */
package dev.kvmunit.internal.vmm.boot;
