#ifndef BOOTWIRE_CUSB_H
#define BOOTWIRE_CUSB_H

#include <stddef.h>
#include <stdint.h>

// libusb-1.0, loaded with dlopen when a USB command first needs it, so the tool builds and runs
// without it. Only opaque pointers and integers cross this boundary: no libusb structs.
// Every function returns a libusb error code (< 0) or a non-negative result.

// Loads `path` (NULL: libusb-1.0.so.0) and initialises a context. On failure writes dlerror()
// into `error` and returns -1.
int bw_usb_load(const char *path, char *error, size_t error_len);

// One device as libusb lists it, before it is opened: where it sits (its port chain, as sysfs
// names it `bus-p1.p2`) and its device descriptor in wire order (little-endian).
typedef struct {
    int bus;
    int address;
    int port_count;
    uint8_t ports[8];
    uint8_t descriptor[18];
} bw_usb_device_info;

// Fills at most `max` entries; returns how many devices there are (possibly more than `max`)
// or a libusb error code.
int bw_usb_list(bw_usb_device_info *devices, int max);

// Opens the device at bus/address. LIBUSB_ERROR_NOT_FOUND (-5) if there is none.
int bw_usb_open(int bus, int address, void **handle);
void bw_usb_close(void *handle);
int bw_usb_claim(void *handle, int interface_number);
int bw_usb_release(void *handle, int interface_number);
int bw_usb_set_alt(void *handle, int interface_number, int alternate);
// Returns the bytes transferred.
int bw_usb_control(void *handle, uint8_t request_type, uint8_t request, uint16_t value, uint16_t index,
                   unsigned char *data, uint16_t length, unsigned int timeout_ms);
int bw_usb_bulk(void *handle, unsigned char endpoint, unsigned char *data, int length, int *transferred,
                unsigned int timeout_ms);
const char *bw_usb_error_name(int code);

#endif
