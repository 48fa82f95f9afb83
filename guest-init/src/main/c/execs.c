#define _GNU_SOURCE
#include "execs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"
#include "wire.h"

#define MAX_EXECS 64

/* Output still readable when a command has exited is at most a pipe's worth from the
 * command itself; a lingering grandchild that keeps writing must not keep us draining. */
#define DRAIN_LIMIT (1024u * 1024u)

enum stream { STREAM_STDIN, STREAM_STDOUT, STREAM_STDERR };

struct exec {
    bool used;
    uint32_t id;
    pid_t pid;
    int fd[3]; /* indexed by enum stream; -1 once closed */
    uint8_t *stdin_data;
    size_t stdin_len;
    size_t stdin_done;
    int64_t deadline_ms; /* 0: no timeout */
    bool timed_out;
};

/* Why a child could not become the command, sent to the parent over a close-on-exec pipe:
 * nothing arrives when execve succeeds. */
struct launch_failure {
    int is_chdir;
    int err;
};

static struct exec execs[MAX_EXECS];

struct poll_slot {
    size_t exec;
    enum stream stream;
};
static struct poll_slot slots[EXECS_MAX_POLLFDS];
static size_t slot_count;
static size_t slot_first;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_stream(struct exec *e, enum stream s)
{
    if (e->fd[s] >= 0) {
        close(e->fd[s]);
        e->fd[s] = -1;
    }
}

static struct exec *find_exec(uint32_t id)
{
    for (size_t i = 0; i < MAX_EXECS; i++)
        if (execs[i].used && execs[i].id == id)
            return &execs[i];
    return NULL;
}

static struct exec *free_slot(void)
{
    for (size_t i = 0; i < MAX_EXECS; i++)
        if (!execs[i].used)
            return &execs[i];
    return NULL;
}

struct exec_request {
    uint32_t timeout_ms;
    char *cwd;
    char **argv;
    char **env;
    const uint8_t *stdin_data;
    uint32_t stdin_len;
};

static void free_request(struct exec_request *rq)
{
    free(rq->cwd);
    free_string_list(rq->argv);
    free_string_list(rq->env);
}

/* Returns NULL when the request is well-formed, else what is wrong with it. */
static const char *decode_request(const uint8_t *payload, uint32_t len, struct exec_request *rq)
{
    struct reader r = reader_of(payload, len);
    rq->timeout_ms = read_u32(&r);
    rq->cwd = read_string(&r);
    rq->argv = read_string_list(&r);
    rq->env = read_string_list(&r);
    rq->stdin_data = read_bytes(&r, &rq->stdin_len);
    if (!reader_done(&r))
        return "EXEC payload does not match its layout (timeout, cwd, argv, env, stdin)";
    if (!rq->argv[0] || !rq->argv[0][0])
        return "EXEC argv must have a non-empty first element";
    for (char **kv = rq->env; *kv; kv++) {
        char *eq = strchr(*kv, '=');
        if (!eq || eq == *kv)
            return "EXEC env entries must look like NAME=value";
    }
    return NULL;
}

static void report_launch_failure(int fd, int is_chdir)
{
    struct launch_failure f = { .is_chdir = is_chdir, .err = errno };
    ssize_t ignored = write(fd, &f, sizeof f);
    (void)ignored;
    _exit(127);
}

/* Runs in the forked child: becomes the command or reports why it could not. */
static void become_command(const struct exec_request *rq, const int in[2], const int out[2],
                           const int err[2], int failure_fd)
{
    /* The init blocks SIGCHLD for its signalfd and ignores SIGPIPE; commands expect the
     * defaults, and both survive execve. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    /* Own process group, so a timeout kills what the command started too. */
    setsid();
    if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0)
        report_launch_failure(failure_fd, 0);
    if (rq->cwd[0] && chdir(rq->cwd) != 0)
        report_launch_failure(failure_fd, 1);
    for (char **kv = rq->env; *kv; kv++)
        putenv(*kv);
    execvp(rq->argv[0], rq->argv);
    report_launch_failure(failure_fd, 0);
}

static bool make_pipe(int p[2])
{
    return pipe2(p, O_CLOEXEC) == 0;
}

static void close_pair(int p[2])
{
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
    p[0] = p[1] = -1;
}

static void spawn(struct channel *ch, uint32_t id, const struct exec_request *rq, struct exec *e)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, failure[2] = { -1, -1 };
    if (!make_pipe(in) || !make_pipe(out) || !make_pipe(err) || !make_pipe(failure)) {
        channel_send_error(ch, id, E_EXEC_FAILED, errno, "cannot create pipes: %s", strerror(errno));
        goto cleanup;
    }
    pid_t pid = fork();
    if (pid < 0) {
        channel_send_error(ch, id, E_EXEC_FAILED, errno, "cannot fork: %s", strerror(errno));
        goto cleanup;
    }
    if (pid == 0)
        become_command(rq, in, out, err, failure[1]);

    close(failure[1]);
    failure[1] = -1;
    struct launch_failure f;
    ssize_t n;
    do
        n = read(failure[0], &f, sizeof f);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof f) {
        waitpid(pid, NULL, 0);
        if (f.is_chdir)
            channel_send_error(ch, id, E_EXEC_FAILED, f.err, "cannot change directory to '%s': %s", rq->cwd,
                               strerror(f.err));
        else
            channel_send_error(ch, id, E_EXEC_FAILED, f.err, "cannot execute '%s': %s", rq->argv[0],
                               strerror(f.err));
        goto cleanup;
    }

    memset(e, 0, sizeof *e);
    e->used = true;
    e->id = id;
    e->pid = pid;
    e->fd[STREAM_STDIN] = in[1];
    e->fd[STREAM_STDOUT] = out[0];
    e->fd[STREAM_STDERR] = err[0];
    in[1] = out[0] = err[0] = -1;
    for (int s = 0; s < 3; s++)
        fcntl(e->fd[s], F_SETFL, O_NONBLOCK);
    if (rq->stdin_len > 0) {
        e->stdin_data = xmalloc(rq->stdin_len);
        memcpy(e->stdin_data, rq->stdin_data, rq->stdin_len);
        e->stdin_len = rq->stdin_len;
    } else {
        close_stream(e, STREAM_STDIN);
    }
    e->deadline_ms = rq->timeout_ms ? now_ms() + rq->timeout_ms : 0;

cleanup:
    close_pair(in);
    close_pair(out);
    close_pair(err);
    close_pair(failure);
}

void execs_start(struct channel *ch, uint32_t request_id, const uint8_t *payload, uint32_t len)
{
    struct exec_request rq = { 0 };
    const char *problem = decode_request(payload, len, &rq);
    if (problem) {
        channel_send_error(ch, request_id, E_MALFORMED, 0, "%s", problem);
    } else if (find_exec(request_id)) {
        channel_send_error(ch, request_id, E_DUPLICATE_ID, 0, "request id %u already names a running EXEC",
                           request_id);
    } else {
        struct exec *e = free_slot();
        if (e)
            spawn(ch, request_id, &rq, e);
        else
            channel_send_error(ch, request_id, E_BUSY, 0, "%d commands are already running", MAX_EXECS);
    }
    free_request(&rq);
}

void execs_signal(struct channel *ch, uint32_t request_id, const uint8_t *payload, uint32_t len)
{
    struct reader r = reader_of(payload, len);
    uint32_t target = read_u32(&r);
    uint32_t signal_number = read_u32(&r);
    if (!reader_done(&r) || signal_number < 1 || signal_number > 64) {
        channel_send_error(ch, request_id, E_MALFORMED, 0, "SIGNAL payload must be an EXEC request id and a signal 1-64");
        return;
    }
    struct exec *e = find_exec(target);
    if (!e) {
        channel_send_error(ch, request_id, E_NO_SUCH_COMMAND, 0, "no running command has request id %u", target);
        return;
    }
    /* The whole process group, like a terminal's ^C: a shell's foreground child gets it too. */
    if (kill(-e->pid, (int)signal_number) != 0 && kill(e->pid, (int)signal_number) != 0) {
        channel_send_error(ch, request_id, E_IO, errno, "cannot signal request %u: %s", target, strerror(errno));
        return;
    }
    channel_send(ch, T_OK, request_id, NULL, 0);
}

size_t execs_add_pollfds(struct pollfd *fds, size_t first)
{
    slot_first = first;
    slot_count = 0;
    for (size_t i = 0; i < MAX_EXECS; i++) {
        if (!execs[i].used)
            continue;
        for (int s = 0; s < 3; s++) {
            if (execs[i].fd[s] < 0)
                continue;
            fds[first + slot_count].fd = execs[i].fd[s];
            fds[first + slot_count].events = s == STREAM_STDIN ? POLLOUT : POLLIN;
            fds[first + slot_count].revents = 0;
            slots[slot_count].exec = i;
            slots[slot_count].stream = (enum stream)s;
            slot_count++;
        }
    }
    return slot_count;
}

/* Sends one chunk of output; false once the pipe has nothing more to give right now. */
static bool forward_output(struct channel *ch, struct exec *e, enum stream s, size_t *forwarded)
{
    static uint8_t chunk[PROTO_DATA_CHUNK];
    ssize_t n = read(e->fd[s], chunk, sizeof chunk);
    if (n > 0) {
        channel_send(ch, s == STREAM_STDOUT ? T_STDOUT : T_STDERR, e->id, chunk, (size_t)n);
        if (forwarded)
            *forwarded += (size_t)n;
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    close_stream(e, s); /* end of file, or an error that will not go away */
    return false;
}

static void feed_stdin(struct exec *e)
{
    ssize_t n = write(e->fd[STREAM_STDIN], e->stdin_data + e->stdin_done, e->stdin_len - e->stdin_done);
    if (n > 0)
        e->stdin_done += (size_t)n;
    else if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    /* Everything written, or the command closed its stdin (EPIPE): either way we are done. */
    if (n <= 0 || e->stdin_done == e->stdin_len) {
        close_stream(e, STREAM_STDIN);
        free(e->stdin_data);
        e->stdin_data = NULL;
    }
}

void execs_on_poll(struct channel *ch, const struct pollfd *fds)
{
    for (size_t k = 0; k < slot_count; k++) {
        short revents = fds[slot_first + k].revents;
        struct exec *e = &execs[slots[k].exec];
        enum stream s = slots[k].stream;
        if (!revents || !e->used || e->fd[s] != fds[slot_first + k].fd)
            continue;
        if (s == STREAM_STDIN)
            feed_stdin(e);
        else
            forward_output(ch, e, s, NULL);
    }
}

int execs_next_timeout_ms(void)
{
    int64_t earliest = 0;
    for (size_t i = 0; i < MAX_EXECS; i++) {
        const struct exec *e = &execs[i];
        if (e->used && e->deadline_ms && !e->timed_out && (!earliest || e->deadline_ms < earliest))
            earliest = e->deadline_ms;
    }
    if (!earliest)
        return -1;
    int64_t wait = earliest - now_ms();
    return wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
}

static void kill_command(const struct exec *e)
{
    kill(-e->pid, SIGKILL);
    kill(e->pid, SIGKILL); /* in case it had not reached setsid yet */
}

void execs_expire(void)
{
    int64_t now = now_ms();
    for (size_t i = 0; i < MAX_EXECS; i++) {
        struct exec *e = &execs[i];
        if (e->used && e->deadline_ms && !e->timed_out && e->deadline_ms <= now) {
            kill_command(e);
            e->timed_out = true;
        }
    }
}

void execs_kill_all(void)
{
    for (size_t i = 0; i < MAX_EXECS; i++)
        if (execs[i].used)
            kill_command(&execs[i]);
}

static void finish(struct channel *ch, struct exec *e, int status)
{
    size_t drained = 0;
    for (int s = STREAM_STDOUT; s <= STREAM_STDERR; s++)
        while (e->fd[s] >= 0 && drained < DRAIN_LIMIT && forward_output(ch, e, (enum stream)s, &drained))
            ;
    uint8_t payload[5];
    if (e->timed_out) {
        payload[0] = EXIT_TIMED_OUT;
        put_be32(payload + 1, SIGKILL);
    } else if (WIFSIGNALED(status)) {
        payload[0] = EXIT_SIGNALED;
        put_be32(payload + 1, (uint32_t)WTERMSIG(status));
    } else {
        payload[0] = EXIT_EXITED;
        put_be32(payload + 1, (uint32_t)WEXITSTATUS(status));
    }
    channel_send(ch, T_EXIT, e->id, payload, sizeof payload);
    for (int s = 0; s < 3; s++)
        close_stream(e, (enum stream)s);
    free(e->stdin_data);
    memset(e, 0, sizeof *e);
}

void execs_reap(struct channel *ch)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            return;
        for (size_t i = 0; i < MAX_EXECS; i++) {
            if (execs[i].used && execs[i].pid == pid) {
                finish(ch, &execs[i], status);
                break;
            }
        }
    }
}
