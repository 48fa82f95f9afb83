/* What only PID 1 does: prepare the guest's filesystems, load kernel modules and find the
 * agent's virtio-console port. */
#ifndef KVMUNIT_SYSTEM_H
#define KVMUNIT_SYSTEM_H

/* Name the VMM gives the agent's virtio-console port (VIRTIO_CONSOLE_PORT_NAME). */
#define AGENT_PORT_NAME "kvmunit.agent"
/* Kernel command line parameter naming the agent device directly, e.g. kvmunit.agent=/dev/hvc1. */
#define AGENT_PORT_PARAM "kvmunit.agent="
/* One module path per line, dependencies first, optional parameters after a space. */
#define MODULE_LIST_PATH "/kvmunit/modules"

void system_mount_filesystems(void);
void system_load_modules(void);
/* Opens the agent port in raw mode once it exists and the host has opened its end; fatal
 * when that does not happen within the wait bound. */
int system_open_agent_port(void);

#endif
