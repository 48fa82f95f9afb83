#include "power.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "console.h"

static bool running_as_pid1;

void power_set_pid1(bool pid1)
{
    running_as_pid1 = pid1;
}

void power_off(int host_status)
{
    if (!running_as_pid1)
        exit(host_status);
    announce("powering off");
    sync();
    reboot(RB_AUTOBOOT);
    announce("reboot failed (errno %d); halting here", errno);
    for (;;)
        pause();
}
