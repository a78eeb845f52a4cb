#ifndef BOOTWIRE_CSERIAL_H
#define BOOTWIRE_CSERIAL_H

#include <stddef.h>

// Arbitrary baud rates through termios2/BOTHER. <asm/termbits.h> clashes with <termios.h>
// in Swift, so these live behind plain C functions. Both return 0 or -1 with errno set.
int bw_set_baud(int fd, unsigned int rate);
int bw_get_baud(int fd, unsigned int *ispeed, unsigned int *ospeed);

// The serial driver's flags (struct serial_struct, TIOCGSERIAL/TIOCSSERIAL), which Swift cannot
// import cleanly beside <termios.h>. ASYNC_LOW_LATENCY asks a USB-serial driver (ftdi_sio) for its
// shortest hold time. Both return 0 or -1 with errno set (ENOTTY: the driver has no such flags).
int bw_get_serial_flags(int fd, int *flags);
int bw_set_serial_flags(int fd, int flags);
extern const int bw_async_low_latency;

// posix_openpt + grantpt + unlockpt + ptsname_r, which Swift cannot see without _GNU_SOURCE.
// Returns the master fd (non-blocking, close-on-exec) or -1 with errno set.
int bw_open_pty(char *slave_path, size_t slave_path_len);

// Names the calling thread in the kernel (what top -H, /proc and backtraces show; 15 bytes at
// most). Foundation's Thread.name setter names the pthread only once the creating thread has
// stored the new thread's handle, so a thread that names itself early can stay unnamed.
// Returns 0 or -1 with errno set.
int bw_name_this_thread(const char *name);

#endif
