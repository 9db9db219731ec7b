#define _POSIX_C_SOURCE 200809L
#include "core/interrupt.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/output_file.h"

static volatile sig_atomic_t received;

static void on_signal(int sig)
{
    if (received) { /* the second one: no safe point is waited for */
        aimc_output_remove_temporaries();
        signal(sig, SIG_DFL);
        raise(sig);
        _exit(128 + sig);
    }
    received = sig;
}

void aimc_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* blocking calls resume; the loops ask at their next safe point */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int aimc_interrupt_signal(void) { return received; }

const char *aimc_interrupt_name(void)
{
    int sig = received;
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig ? "a signal" : "no signal";
}

int aimc_interrupt_check(const char *what, aimc_error *err)
{
    if (!received)
        return 0;
    const char *name = aimc_interrupt_name();
    return what ? aimc_fail(err, "%s: interrupted by %s", what, name) : aimc_fail(err, "interrupted by %s", name);
}

int aimc_interrupt_exit_status(void) { return received ? 128 + received : 0; }
