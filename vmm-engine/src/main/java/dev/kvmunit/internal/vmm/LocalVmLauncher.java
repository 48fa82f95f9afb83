package dev.kvmunit.internal.vmm;

import dev.kvmunit.internal.vmm.acpi.AcpiConfig;
import dev.kvmunit.internal.vmm.acpi.AcpiTables;
import dev.kvmunit.internal.vmm.boot.BootCpuState;
import dev.kvmunit.internal.vmm.boot.BootLoader;
import dev.kvmunit.internal.vmm.boot.BootMsrs;
import dev.kvmunit.internal.vmm.boot.CpuidTemplate;
import dev.kvmunit.internal.vmm.boot.KernelImage;
import dev.kvmunit.internal.vmm.boot.Topology;
import dev.kvmunit.internal.vmm.console.GuestConsole;
import dev.kvmunit.internal.vmm.cpu.Msr;
import dev.kvmunit.internal.vmm.devices.CmosRtc;
import dev.kvmunit.internal.vmm.devices.I8042;
import dev.kvmunit.internal.vmm.devices.Serial16550;
import dev.kvmunit.internal.vmm.kvm.KvmException;
import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.kvm.KvmUsability;
import dev.kvmunit.internal.vmm.kvm.KvmVcpu;
import dev.kvmunit.internal.vmm.launch.AgentInbox;
import dev.kvmunit.internal.vmm.launch.RunningVm;
import dev.kvmunit.internal.vmm.launch.VmLaunchException;
import dev.kvmunit.internal.vmm.launch.VmLauncher;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmSpec;
import dev.kvmunit.internal.vmm.machine.Machine;
import dev.kvmunit.internal.vmm.machine.MachineStop;
import dev.kvmunit.internal.vmm.virtio.ConsolePort;
import dev.kvmunit.internal.vmm.virtio.VirtioConsole;
import dev.kvmunit.internal.vmm.virtio.VirtioMmioWindow;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Boots guests on this host's {@code /dev/kvm}, in this JVM: the composition root that puts
 * a {@link Machine}, the boot protocol, ACPI and the devices together for one run.
 *
 * <p>Every guest gets COM1 (kernel console: early boot and panics), the i8042 (its reset
 * pulse ends the run), a CMOS RTC, and one multiport virtio-console on the first MMIO slot
 * with hvc0 and the agent port {@value #AGENT_PORT}. The virtio device is described once: in
 * the DSDT, or on the command line when that turns ACPI off (see {@link #kernelCmdline}).
 */
public final class LocalVmLauncher implements VmLauncher {
    /** The virtio-console port the guest init's channel runs over (see guest-init/PROTOCOL.md). */
    public static final String AGENT_PORT = "kvmunit.agent";
    /**
     * What every guest needs on its command line: the console on COM1, the i8042 reset as
     * the way out ({@code reboot=k}; guest init powers off with it), and an immediate reboot
     * on panic so a panicked guest ends the run instead of idling.
     */
    static final String BASE_CMDLINE = "console=ttyS0 reboot=k panic=-1";
    private static final String ACPI_OFF = "acpi=off";
    /** First GSI above the ISA interrupts the legacy devices use. */
    private static final int CONSOLE_GSI = 5;

    private final KvmSystem kvm;

    /**
     * Opens {@code /dev/kvm} and checks that it can boot unmodified kernels.
     *
     * @throws VmLaunchException naming the problem and the way out
     */
    public LocalVmLauncher() {
        KvmUsability.ofHost().kernelBootProblem().ifPresent(problem -> {
            throw new VmLaunchException(problem);
        });
        try {
            this.kvm = KvmSystem.open();
        } catch (KvmException e) {
            throw new VmLaunchException(e.getMessage(), e);
        }
    }

    @Override
    public RunningVm start(VmSpec spec, VmListener listener) {
        long start = System.nanoTime();
        KernelImage kernel = KernelImage.load(spec.kernel());
        GuestConsole console = new GuestConsole(listener::onConsole);
        AgentInbox fromAgent = new AgentInbox();
        Machine machine = Machine.create(kvm, (long) spec.memoryMb() << 20, spec.cpus());
        try {
            attachLegacyDevices(machine, console);
            ConsolePort agent = ConsolePort.named(AGENT_PORT, fromAgent::deliver);
            VirtioMmioWindow window = VirtioMmioWindow.slot(0, CONSOLE_GSI);
            VirtioAttachment virtio = VirtioAttachment.attach(machine, window,
                    VirtioConsole.consoleAndAgent(ConsolePort.console(console::accept), agent),
                    reason -> machine.requestStop(new MachineStop(MachineStop.Reason.DEVICE_ERROR,
                            "virtio-console failed: " + reason)));

            Topology topology = Topology.ofCpus(spec.cpus());
            long rsdp = AcpiTables.write(machine.memory(), new AcpiConfig(apicIds(topology),
                    List.of(window)));
            BootCpuState boot = BootLoader.prepare(machine.memory(), kernel, spec.initramfs(),
                    kernelCmdline(spec.cmdline(), window), rsdp);
            configureVcpus(machine, boot, topology);
            return new LocalRunningVm(machine, virtio, console, agent, fromAgent, spec.timeout(), start);
        } catch (RuntimeException | Error e) {
            machine.close();
            throw e;
        }
    }

    /**
     * {@link #BASE_CMDLINE}, then the spec's own command line. A kernel finds the virtio device
     * through the DSDT's {@code LNRO0005} entry as long as it uses ACPI, which it must anyway to
     * see more than one CPU (there is no MP table). Naming the device on the command line as well
     * would make a kernel with VIRTIO_MMIO_CMDLINE_DEVICES register it twice, and the second
     * probe fail ({@code virtio-mmio.0: error -EBUSY: can't request region}) on every boot; so
     * the command line names it only when it turns ACPI off ({@code acpi=off}).
     */
    static String kernelCmdline(String specCmdline, VirtioMmioWindow window) {
        StringBuilder cmdline = new StringBuilder(BASE_CMDLINE);
        if (List.of(specCmdline.trim().split("\\s+")).contains(ACPI_OFF)) {
            cmdline.append(' ').append(window.kernelCmdlineFragment());
        }
        if (!specCmdline.isBlank()) {
            cmdline.append(' ').append(specCmdline.trim());
        }
        return cmdline.toString();
    }

    private static void attachLegacyDevices(Machine machine, GuestConsole console) {
        Serial16550 com1 = new Serial16550(machine.irqLine(Serial16550.COM1_IRQ), console::accept);
        machine.portIo().register(Serial16550.COM1_PORT, Serial16550.PORT_COUNT, com1);
        new I8042(() -> machine.requestStop(MachineStop.guestReset("i8042 reset pulse")))
                .attachTo(machine.portIo());
        machine.portIo().register(CmosRtc.PORT, CmosRtc.PORT_COUNT, new CmosRtc());
    }

    /** The MADT must name the same APIC ids the CPUID leaves give each vCPU. */
    private static List<Integer> apicIds(Topology topology) {
        return IntStream.range(0, topology.cpuCount()).map(topology::apicId).boxed().toList();
    }

    private void configureVcpus(Machine machine, BootCpuState boot, Topology topology) {
        CpuidTemplate cpuid = new CpuidTemplate(kvm.supportedCpuid(), topology);
        List<Msr> msrs = BootMsrs.forEveryVcpu();
        for (KvmVcpu vcpu : machine.vcpus()) {
            vcpu.setCpuid(cpuid.forVcpu(vcpu.id()));
            vcpu.setMsrs(msrs);
            vcpu.initFpu();
        }
        KvmVcpu bootCpu = machine.vcpus().get(0);
        bootCpu.setSpecialRegisters(boot.specialRegisters());
        bootCpu.setRegisters(boot.registers());
    }

    /** How a machine stop reads to the user of a launcher. */
    static VmOutcome outcomeOf(MachineStop stop) {
        return switch (stop.reason()) {
            // A triple fault is how a PC resets itself; kvmunit treats it as the guest leaving.
            case GUEST_RESET, GUEST_POWER_OFF, TRIPLE_FAULT, HOST_REQUEST -> VmOutcome.CLEAN_EXIT;
            case GUEST_CRASH -> VmOutcome.PANIC;
            case TIMEOUT -> VmOutcome.TIMEOUT;
            case KVM_INTERNAL_ERROR, ENTRY_FAILED, UNHANDLED_EXIT, DEVICE_ERROR, VMM_ERROR -> VmOutcome.VMM_ERROR;
        };
    }

    @Override
    public void close() {
        kvm.close();
    }
}
