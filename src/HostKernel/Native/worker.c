/*
 * pluggable-host-worker: the first process of a scenario on the host. The host backend spawns
 * it (ph_spawn) with its end of a socket as the only argument; it serves operations on that
 * socket (ph_serve) until the socket ends, and its forks do the same on sockets of their own.
 * A fresh executable rather than a fork of the .NET process: a fork of a process with many
 * threads may inherit the allocator's locks held, and the first thread it starts would hang.
 */
#include <stdlib.h>

int ph_init(void);
void ph_serve(int channel);

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    ph_init();
    ph_serve(atoi(argv[1]));
    return 0;
}
