/*
 * EXEC requests: spawning commands, streaming their stdout/stderr as frames while they run,
 * feeding their stdin, enforcing timeouts and reporting how they ended. Also reaps every
 * other child (orphans reparented to the init) so no zombie survives.
 */
#ifndef KVMUNIT_EXECS_H
#define KVMUNIT_EXECS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"

/* Most pollfds the running commands can need (stdin, stdout, stderr each). */
#define EXECS_MAX_POLLFDS (3 * 64)

/* Decodes an EXEC payload and starts the command, or answers ERROR. */
void execs_start(struct channel *ch, uint32_t request_id, const uint8_t *payload, uint32_t len);
/* Decodes a SIGNAL payload and sends the signal to the named command's process group. */
void execs_signal(struct channel *ch, uint32_t request_id, const uint8_t *payload, uint32_t len);
/* Appends the pipes to watch; remembers where so execs_on_poll can find them. */
size_t execs_add_pollfds(struct pollfd *fds, size_t first);
/* Moves stdin/stdout/stderr bytes for the pipes execs_add_pollfds registered. */
void execs_on_poll(struct channel *ch, const struct pollfd *fds);
/* Milliseconds until the earliest timeout, or -1 when no command has one. */
int execs_next_timeout_ms(void);
/* Kills (SIGKILL, whole process group) every command past its deadline. */
void execs_expire(void);
/* Collects every exited child; for commands, sends their last output and EXIT. */
void execs_reap(struct channel *ch);
/* Kills every running command's process group (the agent is about to stop). */
void execs_kill_all(void);

#endif
