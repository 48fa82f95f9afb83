/*
 * Human-readable progress on the console. Every line starts with "kvmunit-init: " so the
 * host can tell our stages from kernel output and a hang names the last stage reached.
 */
#ifndef KVMUNIT_CONSOLE_H
#define KVMUNIT_CONSOLE_H

/* Switches announcements to `path` (the guest's /dev/console once devtmpfs is mounted). */
void console_open(const char *path);
void announce(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Announces the failure and powers off (PID 1) or exits with status 1 (host test mode). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
