/* The request loop: says HELLO, then serves requests from the channel until POWER_OFF or
 * until the host closes it, while streaming command output and reaping children. */
#ifndef KVMUNIT_AGENT_H
#define KVMUNIT_AGENT_H

#include "channel.h"

/* kmsg_fd: kernel log source to forward (kmsg_open), or -1 for none. */
void agent_serve(struct channel *ch, int kmsg_fd) __attribute__((noreturn));

#endif
