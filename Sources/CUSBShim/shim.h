// Internals shared by the stand-in's files. Everything exported is libusb's own name; the rest
// is hidden so that the library's symbol table is libusb's and nothing more.
#ifndef BOOTWIRE_USB_SHIM_H
#define BOOTWIRE_USB_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "include/usb_shim_wire.h"
#include "libusb_abi.h"

#define API __attribute__((visibility("default")))
#define HIDDEN __attribute__((visibility("hidden")))

struct libusb_context {
    int unused;
};

struct libusb_device {
    int references;
    uint8_t bus;
    uint8_t address;
    uint8_t port_count;
    uint8_t ports[7];
    struct libusb_device_descriptor descriptor;
    uint8_t *configuration;
    size_t configuration_length;
};

struct libusb_device_handle {
    libusb_device *device;
    uint32_t id;
};

// Connects once a process; prints why to stderr when it cannot.
HIDDEN int bw_connect(void);
// One request and its reply. Returns the reply's result (a libusb code); copies at most
// reply_cap bytes of its data into reply.
HIDDEN int bw_call(uint8_t op, const uint8_t *fields, size_t fields_len, const uint8_t *data, size_t data_len,
                   uint8_t *reply, size_t reply_cap, size_t *reply_len);

HIDDEN void bw_put16(uint8_t *p, uint16_t v);
HIDDEN void bw_put32(uint8_t *p, uint32_t v);
HIDDEN uint16_t bw_get16(const uint8_t *p);
HIDDEN uint32_t bw_get32(const uint8_t *p);

// Configuration descriptor bytes to libusb's tree (freed by libusb_free_config_descriptor).
void libusb_free_config_descriptor(struct libusb_config_descriptor *config);
HIDDEN int bw_parse_configuration(const uint8_t *bytes, size_t length, struct libusb_config_descriptor **out);

HIDDEN int bw_control(libusb_device_handle *handle, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
                      unsigned char *data, uint16_t length, unsigned int timeout);
HIDDEN int bw_bulk(libusb_device_handle *handle, unsigned char endpoint, unsigned char *data, int length,
                   int *transferred, unsigned int timeout);

#endif
