#include "CUSB.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

// The libusb-1.0 functions used, declared here by signature: opaque pointers only.
typedef struct ctx ctx;
typedef struct dev dev;
typedef struct handle handle;

static struct {
    void *library;
    ctx *context;
    int (*init)(ctx **);
    long (*get_device_list)(ctx *, dev ***);
    void (*free_device_list)(dev **, int);
    uint8_t (*get_bus_number)(dev *);
    uint8_t (*get_device_address)(dev *);
    int (*open)(dev *, handle **);
    void (*close)(handle *);
    int (*set_auto_detach_kernel_driver)(handle *, int);
    int (*claim_interface)(handle *, int);
    int (*release_interface)(handle *, int);
    int (*set_interface_alt_setting)(handle *, int, int);
    int (*control_transfer)(handle *, uint8_t, uint8_t, uint16_t, uint16_t, unsigned char *, uint16_t, unsigned int);
    int (*bulk_transfer)(handle *, unsigned char, unsigned char *, int, int *, unsigned int);
    const char *(*error_name)(int);
} usb;

#define LOAD(field, symbol)                                                   \
    do {                                                                      \
        *(void **)(&usb.field) = dlsym(usb.library, symbol);                  \
        if (!usb.field) {                                                     \
            snprintf(error, error_len, "%s has no %s", name, symbol);         \
            return -1;                                                        \
        }                                                                     \
    } while (0)

int bw_usb_load(const char *path, char *error, size_t error_len) {
    if (usb.context) return 0;
    const char *name = path ? path : "libusb-1.0.so.0";
    if (!usb.library) usb.library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!usb.library) {
        snprintf(error, error_len, "%s", dlerror());
        return -1;
    }
    LOAD(init, "libusb_init");
    LOAD(get_device_list, "libusb_get_device_list");
    LOAD(free_device_list, "libusb_free_device_list");
    LOAD(get_bus_number, "libusb_get_bus_number");
    LOAD(get_device_address, "libusb_get_device_address");
    LOAD(open, "libusb_open");
    LOAD(close, "libusb_close");
    LOAD(set_auto_detach_kernel_driver, "libusb_set_auto_detach_kernel_driver");
    LOAD(claim_interface, "libusb_claim_interface");
    LOAD(release_interface, "libusb_release_interface");
    LOAD(set_interface_alt_setting, "libusb_set_interface_alt_setting");
    LOAD(control_transfer, "libusb_control_transfer");
    LOAD(bulk_transfer, "libusb_bulk_transfer");
    LOAD(error_name, "libusb_error_name");
    int status = usb.init(&usb.context);
    if (status < 0) {
        snprintf(error, error_len, "libusb_init failed: %s", usb.error_name(status));
        usb.context = NULL;
        return -1;
    }
    return 0;
}

int bw_usb_open(int bus, int address, void **out) {
    dev **list = NULL;
    long count = usb.get_device_list(usb.context, &list);
    if (count < 0) return (int)count;
    int status = -5;  // LIBUSB_ERROR_NOT_FOUND
    for (long i = 0; i < count; i++) {
        if (usb.get_bus_number(list[i]) == bus && usb.get_device_address(list[i]) == address) {
            status = usb.open(list[i], (handle **)out);
            break;
        }
    }
    usb.free_device_list(list, 1);
    return status;
}

void bw_usb_close(void *h) { usb.close(h); }

int bw_usb_claim(void *h, int interface_number) {
    // A kernel driver (usbfs-less DFU has none; ST-LINK V2-1 has the mass-storage one) is
    // detached for the claim and given back on release.
    usb.set_auto_detach_kernel_driver(h, 1);
    return usb.claim_interface(h, interface_number);
}

int bw_usb_release(void *h, int interface_number) { return usb.release_interface(h, interface_number); }

int bw_usb_set_alt(void *h, int interface_number, int alternate) {
    return usb.set_interface_alt_setting(h, interface_number, alternate);
}

int bw_usb_control(void *h, uint8_t request_type, uint8_t request, uint16_t value, uint16_t index,
                   unsigned char *data, uint16_t length, unsigned int timeout_ms) {
    return usb.control_transfer(h, request_type, request, value, index, data, length, timeout_ms);
}

int bw_usb_bulk(void *h, unsigned char endpoint, unsigned char *data, int length, int *transferred,
                unsigned int timeout_ms) {
    return usb.bulk_transfer(h, endpoint, data, length, transferred, timeout_ms);
}

const char *bw_usb_error_name(int code) { return usb.error_name ? usb.error_name(code) : "LIBUSB_ERROR"; }
