/**
 * x86_64 boot: parsing a kernel image ({@link dev.kvmunit.vmm.boot.KernelImage}), laying out
 * guest RAM for its first instruction ({@link dev.kvmunit.vmm.boot.BootLoader}), and the
 * per-vCPU CPUID ({@link dev.kvmunit.vmm.boot.CpuidTemplate}) and MSRs
 * ({@link dev.kvmunit.vmm.boot.BootMsrs}) the KVM layer applies. Pure Java over guest memory:
 * nothing here talks to KVM.
 */
package dev.kvmunit.vmm.boot;
