#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <asm/termbits.h>
#include <linux/serial.h>

#include "CSerial.h"

int bw_set_baud(int fd, unsigned int rate) {
    struct termios2 tio;
    if (ioctl(fd, TCGETS2, &tio) != 0) return -1;
    tio.c_cflag &= ~CBAUD;
    tio.c_cflag |= BOTHER;
    tio.c_cflag &= ~(CBAUD << IBSHIFT);
    tio.c_cflag |= BOTHER << IBSHIFT;
    tio.c_ispeed = rate;
    tio.c_ospeed = rate;
    return ioctl(fd, TCSETS2, &tio);
}

int bw_get_baud(int fd, unsigned int *ispeed, unsigned int *ospeed) {
    struct termios2 tio;
    if (ioctl(fd, TCGETS2, &tio) != 0) return -1;
    if (ispeed) *ispeed = tio.c_ispeed;
    if (ospeed) *ospeed = tio.c_ospeed;
    return 0;
}

const int bw_async_low_latency = ASYNC_LOW_LATENCY;

int bw_get_serial_flags(int fd, int *flags) {
    struct serial_struct info;
    memset(&info, 0, sizeof info);
    if (ioctl(fd, TIOCGSERIAL, &info) != 0) return -1;
    *flags = info.flags;
    return 0;
}

// Read, change only the flags, write back: the other fields (port, irq, baud_base) must be
// handed back as the driver gave them.
int bw_set_serial_flags(int fd, int flags) {
    struct serial_struct info;
    memset(&info, 0, sizeof info);
    if (ioctl(fd, TIOCGSERIAL, &info) != 0) return -1;
    info.flags = flags;
    return ioctl(fd, TIOCSSERIAL, &info);
}

int bw_open_pty(char *slave_path, size_t slave_path_len) {
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -1;
    if (grantpt(fd) != 0 || unlockpt(fd) != 0 || ptsname_r(fd, slave_path, slave_path_len) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int bw_name_this_thread(const char *name) {
    int error = pthread_setname_np(pthread_self(), name);
    if (error != 0) {
        errno = error;
        return -1;
    }
    return 0;
}
