// The socket to `bootwire emulate usb`: one connection a process, one request in flight at a
// time (a mutex), frames as described in usb_shim_wire.h.
#include "shim.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int fd = -1;
static int trace = -1;

static int write_all(const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_all(uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t k = recv(fd, p, n, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int bw_connect(void) {
    pthread_mutex_lock(&lock);
    int result = LIBUSB_SUCCESS;
    if (trace < 0) trace = getenv("BOOTWIRE_USB_SHIM_TRACE") != NULL;
    if (fd < 0) {
        const char *path = getenv("BOOTWIRE_USB_SOCKET");
        struct sockaddr_un address = {.sun_family = AF_UNIX};
        if (!path || !*path) {
            fprintf(stderr, "libusb (bootwire): BOOTWIRE_USB_SOCKET is not set; start `bootwire emulate usb DEVICE "
                            "--socket PATH` and export BOOTWIRE_USB_SOCKET=PATH\n");
            result = LIBUSB_ERROR_OTHER;
        } else if (strlen(path) >= sizeof(address.sun_path)) {
            fprintf(stderr, "libusb (bootwire): socket path too long: %s\n", path);
            result = LIBUSB_ERROR_OTHER;
        } else {
            strcpy(address.sun_path, path);
            fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0) {
                fprintf(stderr, "libusb (bootwire): cannot connect to %s: %s\n", path, strerror(errno));
                if (fd >= 0) close(fd);
                fd = -1;
                result = LIBUSB_ERROR_OTHER;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return result;
}

int bw_call(uint8_t op, const uint8_t *fields, size_t fields_len, const uint8_t *data, size_t data_len,
            uint8_t *reply, size_t reply_cap, size_t *reply_len) {
    if (reply_len) *reply_len = 0;
    pthread_mutex_lock(&lock);
    // A server that has gone away reads as a device that was unplugged.
    int result = LIBUSB_ERROR_NO_DEVICE;
    uint8_t head[5];
    uint32_t length = (uint32_t)(1 + fields_len + data_len);
    bw_put32(head, length);
    head[4] = op;
    uint8_t answer[8];
    if (fd < 0 || write_all(head, 5) < 0 || (fields_len && write_all(fields, fields_len) < 0) ||
        (data_len && write_all(data, data_len) < 0) || read_all(answer, 8) < 0) {
        goto done;
    }
    uint32_t reply_length = bw_get32(answer);
    if (reply_length < 4) goto done;
    result = (int32_t)bw_get32(answer + 4);
    size_t body = reply_length - 4;
    size_t keep = body < reply_cap ? body : reply_cap;
    if (keep && read_all(reply, keep) < 0) {
        result = LIBUSB_ERROR_NO_DEVICE;
        goto done;
    }
    // More than the caller has room for: read and drop (the server never sends more than asked).
    for (size_t rest = body - keep; rest > 0;) {
        uint8_t sink[256];
        size_t n = rest < sizeof(sink) ? rest : sizeof(sink);
        if (read_all(sink, n) < 0) {
            result = LIBUSB_ERROR_NO_DEVICE;
            goto done;
        }
        rest -= n;
    }
    if (reply_len) *reply_len = keep;
done:
    if (trace) {
        // BOOTWIRE_USB_SHIM_TRACE: each call, its fields, the first OUT and IN bytes.
        fprintf(stderr, "libusb (bootwire): op %u [", op);
        for (size_t i = 0; i < fields_len; i++) fprintf(stderr, "%02x", fields[i]);
        fprintf(stderr, "] out");
        for (size_t i = 0; i < data_len && i < 16; i++) fprintf(stderr, " %02x", data[i]);
        fprintf(stderr, " -> %d in", result);
        for (size_t i = 0; result > 0 && reply && i < (size_t)result && i < reply_cap && i < 16; i++) {
            fprintf(stderr, " %02x", reply[i]);
        }
        fprintf(stderr, "\n");
    }
    pthread_mutex_unlock(&lock);
    return result;
}

void bw_put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void bw_put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t bw_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

uint32_t bw_get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
