package dev.kvmunit.internal.vmm.kvm;

/**
 * This host has no KVM this process can use (no device, no permission, wrong API version,
 * missing capability). Callers that only want to know "can I run VMs here?" (e.g. a test
 * extension deciding to skip) catch this one; the message says how to fix it.
 */
public final class KvmUnavailableException extends KvmException {
    public KvmUnavailableException(String message, int errno) {
        super(message, errno);
    }
}
