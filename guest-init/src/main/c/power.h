/* How the init ends: power off the guest as PID 1, or exit in host test mode. */
#ifndef KVMUNIT_POWER_H
#define KVMUNIT_POWER_H

#include <stdbool.h>

void power_set_pid1(bool pid1);
/*
 * As PID 1: sync and reboot(RB_AUTOBOOT); the VMM runs the kernel with reboot=k so the
 * reset reaches its i8042 and ends the VM. PID 1 must never exit (the kernel would panic),
 * so if reboot fails this waits forever. In host test mode: exit with host_status.
 */
void power_off(int host_status) __attribute__((noreturn));

#endif
