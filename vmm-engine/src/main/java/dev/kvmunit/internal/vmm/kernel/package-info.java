/**
 * Kernels: which one a test boots ({@link dev.kvmunit.internal.vmm.kernel.KernelResolver}, whose
 * Javadoc gives the resolution order), getting Debian's cloud kernel without root
 * ({@link dev.kvmunit.internal.vmm.kernel.KernelProvisioner} over apt and
 * {@link dev.kvmunit.internal.vmm.kernel.DebPackage}) into the
 * {@link dev.kvmunit.internal.vmm.kernel.KernelCache}, and what a kernel offers: its build options
 * ({@link dev.kvmunit.internal.vmm.kernel.KernelConfig}) and its modules in load order
 * ({@link dev.kvmunit.internal.vmm.kernel.ModuleIndex}). Packages, module files and configs are read
 * as untrusted input.
 */
package dev.kvmunit.internal.vmm.kernel;
