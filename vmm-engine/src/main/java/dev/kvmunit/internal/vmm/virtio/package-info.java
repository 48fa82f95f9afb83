/**
 * virtio 1.x over the virtio-mmio transport (version 2), with split virtqueues, and the
 * virtio-console device that carries the guest console and the agent channel.
 *
 * <p>Wiring a device into a VM: create the device ({@link dev.kvmunit.internal.vmm.virtio.VirtioConsole}),
 * wrap it in a {@link dev.kvmunit.internal.vmm.virtio.VirtioMmioTransport} with guest memory, the
 * {@code IrqLine} of its GSI and a {@link dev.kvmunit.internal.vmm.virtio.VirtioFaultListener},
 * register the transport on the MMIO bus at its {@link dev.kvmunit.internal.vmm.virtio.VirtioMmioWindow},
 * and describe that window in the DSDT and on the kernel command line. Optionally register
 * one ioeventfd per queue at {@code base + QUEUE_NOTIFY_OFFSET} with the queue index as
 * datamatch and call {@code transport.notify(index)} when it fires.
 *
 * <p>Everything the guest writes into rings and registers is treated as hostile: a driver
 * that breaks the protocol fails its own device (DEVICE_NEEDS_RESET plus a reason for the
 * test report), never a host thread.
 */
package dev.kvmunit.internal.vmm.virtio;
