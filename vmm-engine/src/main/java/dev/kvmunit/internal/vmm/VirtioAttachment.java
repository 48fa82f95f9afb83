package dev.kvmunit.internal.vmm;

import dev.kvmunit.internal.vmm.devices.IrqLine;
import dev.kvmunit.internal.vmm.kvm.EventFd;
import dev.kvmunit.internal.vmm.kvm.IoEventSpace;
import dev.kvmunit.internal.vmm.machine.Machine;
import dev.kvmunit.internal.vmm.machine.MachineStop;
import dev.kvmunit.internal.vmm.sys.Uninterruptibly;
import dev.kvmunit.internal.vmm.virtio.VirtioDevice;
import dev.kvmunit.internal.vmm.virtio.VirtioFaultListener;
import dev.kvmunit.internal.vmm.virtio.VirtioMmioTransport;
import dev.kvmunit.internal.vmm.virtio.VirtioMmioWindow;

/**
 * Puts a virtio device on a machine's MMIO bus with the fast paths KVM offers: the guest's
 * queue notifications land on an ioeventfd (no exit to this process; a poller thread passes
 * them to the transport), and the device's interrupts go through an irqfd (no ioctl per
 * interrupt). Everything else in the register window still exits to the MMIO bus.
 */
final class VirtioAttachment {
    /** Linux's virtio_mmio writes the queue index to QueueNotify with writel. */
    private static final int NOTIFY_WIDTH = 4;

    private final Thread poller;

    private VirtioAttachment(Thread poller) {
        this.poller = poller;
    }

    static VirtioAttachment attach(Machine machine, VirtioMmioWindow window, VirtioDevice device,
                                   VirtioFaultListener faults) {
        EventFd interrupt = machine.vm().irqfd(window.gsi());
        // An irqfd signal is one edge: the DSDT declares the line edge-triggered, and the
        // transport raises it once per interrupt event, so lowering it has nothing to do.
        IrqLine line = high -> {
            if (high) {
                interrupt.signal();
            }
        };
        VirtioMmioTransport transport = new VirtioMmioTransport(machine.memory(), device, line, faults);
        machine.mmio().register(window.base(), window.size(), transport);
        EventFd notify = machine.vm().ioeventfd(IoEventSpace.MMIO,
                window.base() + VirtioMmioTransport.QUEUE_NOTIFY_OFFSET, NOTIFY_WIDTH);
        Thread poller = new Thread(() -> forwardNotifications(machine, notify, transport),
                "kvmunit-virtio-notify-" + Long.toHexString(window.base()));
        poller.setDaemon(true);
        poller.start();
        return new VirtioAttachment(poller);
    }

    /**
     * Runs until the VM closes the eventfd. Without datamatch the written queue index is not
     * known, so every queue is looked at; a queue with nothing new costs one index compare.
     */
    private static void forwardNotifications(Machine machine, EventFd notify, VirtioMmioTransport transport) {
        try {
            while (notify.await() != 0) {
                for (int queue = 0; queue < transport.queueCount(); queue++) {
                    transport.notify(queue);
                }
            }
        } catch (RuntimeException e) {
            machine.requestStop(new MachineStop(MachineStop.Reason.DEVICE_ERROR,
                    "virtio queue notification failed: " + e, e));
        }
    }

    /** Waits for the poller to end; call after the machine (and so the eventfd) is closed. */
    void join() {
        Uninterruptibly.join(poller);
    }
}
