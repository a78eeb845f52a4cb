#include "CUSB.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

// The libusb-1.0 functions used, declared here by signature: opaque pointers only.
typedef struct ctx ctx;
typedef struct dev dev;
typedef struct handle handle;

// libusb's `struct libusb_device_descriptor` (libusb.h): the descriptor's fields in host
// order, naturally aligned (no padding: 18 bytes).
struct device_descriptor {
    uint8_t bLength, bDescriptorType;
    uint16_t bcdUSB;
    uint8_t bDeviceClass, bDeviceSubClass, bDeviceProtocol, bMaxPacketSize0;
    uint16_t idVendor, idProduct, bcdDevice;
    uint8_t iManufacturer, iProduct, iSerialNumber, bNumConfigurations;
};

static struct {
    void *library;
    ctx *context;
    int (*init)(ctx **);
    long (*get_device_list)(ctx *, dev ***);
    void (*free_device_list)(dev **, int);
    uint8_t (*get_bus_number)(dev *);
    uint8_t (*get_device_address)(dev *);
    int (*get_port_numbers)(dev *, uint8_t *, int);
    int (*get_device_descriptor)(dev *, struct device_descriptor *);
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
    LOAD(get_port_numbers, "libusb_get_port_numbers");
    LOAD(get_device_descriptor, "libusb_get_device_descriptor");
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

static void put16(uint8_t *at, uint16_t value) {
    at[0] = value & 0xFF;
    at[1] = value >> 8;
}

int bw_usb_list(bw_usb_device_info *out, int max) {
    dev **list = NULL;
    long count = usb.get_device_list(usb.context, &list);
    if (count < 0) return (int)count;
    for (long i = 0; i < count && i < max; i++) {
        bw_usb_device_info *info = &out[i];
        memset(info, 0, sizeof *info);
        info->bus = usb.get_bus_number(list[i]);
        info->address = usb.get_device_address(list[i]);
        int ports = usb.get_port_numbers(list[i], info->ports, (int)sizeof info->ports);
        info->port_count = ports < 0 ? 0 : ports;
        struct device_descriptor d;
        if (usb.get_device_descriptor(list[i], &d) < 0) continue;  // bLength 0: skipped by the caller
        uint8_t *b = info->descriptor;
        b[0] = d.bLength;
        b[1] = d.bDescriptorType;
        put16(b + 2, d.bcdUSB);
        b[4] = d.bDeviceClass;
        b[5] = d.bDeviceSubClass;
        b[6] = d.bDeviceProtocol;
        b[7] = d.bMaxPacketSize0;
        put16(b + 8, d.idVendor);
        put16(b + 10, d.idProduct);
        put16(b + 12, d.bcdDevice);
        b[14] = d.iManufacturer;
        b[15] = d.iProduct;
        b[16] = d.iSerialNumber;
        b[17] = d.bNumConfigurations;
    }
    usb.free_device_list(list, 1);
    return (int)count;
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
