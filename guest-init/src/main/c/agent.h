/* The request loop: says HELLO, then serves requests from the channel until POWER_OFF or
 * until the host closes it, while streaming command output and reaping children. */
#ifndef KVMUNIT_AGENT_H
#define KVMUNIT_AGENT_H

#include "channel.h"

void agent_serve(struct channel *ch) __attribute__((noreturn));

#endif
