/*
 * Forwards kernel log records worth a test's attention (warnings and worse, and anything
 * sched_ext says) to the host as KERNEL_LOG frames, so they reach the test report even when
 * the console is quiet.
 */
#ifndef KVMUNIT_KMSG_H
#define KVMUNIT_KMSG_H

#include <stdbool.h>

#include "channel.h"

/* Opens a kernel log source (/dev/kmsg, or a file of records in host test mode); -1 if none. */
int kmsg_open(const char *path);
/* Forwards the records readable now; false once the source has ended and should be closed. */
bool kmsg_forward(struct channel *ch, int fd);

#endif
