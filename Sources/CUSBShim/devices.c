// Contexts, the device list, descriptors and handles. A device object is what one listing
// reported (bus, address, port chain, raw descriptors); the server decides everything else.
#include "shim.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static libusb_context default_context;

int API libusb_init(libusb_context **context) {
    int result = bw_connect();
    if (result < 0) return result;
    if (context) {
        *context = calloc(1, sizeof(libusb_context));
        if (!*context) return LIBUSB_ERROR_NO_MEM;
    }
    return LIBUSB_SUCCESS;
}

// libusb 1.0.27's name for init with options; the options (log level and the like) change
// nothing here.
int API libusb_init_context(libusb_context **context, const void *options, int count) {
    (void)options;
    (void)count;
    return libusb_init(context);
}

void API libusb_exit(libusb_context *context) {
    if (context && context != &default_context) free(context);
}

int API libusb_set_option(libusb_context *context, int option, ...) {
    (void)context;
    (void)option;
    return LIBUSB_SUCCESS;
}

void API libusb_set_debug(libusb_context *context, int level) {
    (void)context;
    (void)level;
}

int API libusb_has_capability(uint32_t capability) {
    return capability == LIBUSB_CAP_HAS_CAPABILITY || capability == LIBUSB_CAP_SUPPORTS_DETACH_KERNEL_DRIVER;
}

static libusb_device *device_from(const uint8_t *p, size_t available, size_t *used) {
    if (available < 3) return NULL;
    size_t at = 0;
    libusb_device *device = calloc(1, sizeof(*device));
    if (!device) return NULL;
    device->references = 1;
    device->bus = p[at++];
    device->address = p[at++];
    uint8_t ports = p[at++];
    if (at + ports + 2 > available) goto bad;
    for (uint8_t i = 0; i < ports; i++) {
        if (i < sizeof(device->ports)) device->ports[i] = p[at];
        at++;
    }
    device->port_count = ports < sizeof(device->ports) ? ports : sizeof(device->ports);
    uint16_t n = bw_get16(p + at);
    at += 2;
    if (n < 18 || at + n + 2 > available) goto bad;
    memcpy(&device->descriptor, p + at, sizeof(device->descriptor));
    // The wire's multi-byte fields are little-endian, as in the struct on every Linux host here.
    at += n;
    n = bw_get16(p + at);
    at += 2;
    if (at + n > available) goto bad;
    device->configuration = malloc(n ? n : 1);
    if (!device->configuration) goto bad;
    memcpy(device->configuration, p + at, n);
    device->configuration_length = n;
    at += n;
    *used = at;
    return device;
bad:
    free(device);
    return NULL;
}

libusb_device *API libusb_ref_device(libusb_device *device) {
    if (device) device->references++;
    return device;
}

void API libusb_unref_device(libusb_device *device) {
    if (!device || --device->references > 0) return;
    free(device->configuration);
    free(device);
}

ssize_t API libusb_get_device_list(libusb_context *context, libusb_device ***list) {
    (void)context;
    enum { capacity = 1 << 16 };
    uint8_t *reply = malloc(capacity);
    if (!reply) return LIBUSB_ERROR_NO_MEM;
    size_t length = 0;
    int count = bw_call(BW_OP_LIST, NULL, 0, NULL, 0, reply, capacity, &length);
    if (count < 0) {
        // No server: an empty bus, as a machine with nothing plugged in.
        count = 0;
        length = 0;
    }
    libusb_device **devices = calloc((size_t)count + 1, sizeof(*devices));
    if (!devices) {
        free(reply);
        return LIBUSB_ERROR_NO_MEM;
    }
    size_t at = 0;
    int found = 0;
    for (int i = 0; i < count; i++) {
        size_t used = 0;
        libusb_device *device = device_from(reply + at, length - at, &used);
        if (!device) break;
        devices[found++] = device;
        at += used;
    }
    free(reply);
    *list = devices;
    return found;
}

void API libusb_free_device_list(libusb_device **list, int unref) {
    if (!list) return;
    if (unref) {
        for (libusb_device **d = list; *d; d++) libusb_unref_device(*d);
    }
    free(list);
}

uint8_t API libusb_get_bus_number(libusb_device *device) { return device->bus; }

uint8_t API libusb_get_device_address(libusb_device *device) { return device->address; }

uint8_t API libusb_get_port_number(libusb_device *device) {
    return device->port_count ? device->ports[device->port_count - 1] : 0;
}

int API libusb_get_port_numbers(libusb_device *device, uint8_t *ports, int length) {
    if (length < device->port_count) return LIBUSB_ERROR_OVERFLOW;
    memcpy(ports, device->ports, device->port_count);
    return device->port_count;
}

// Deprecated libusb name for the same.
int API libusb_get_port_path(libusb_context *context, libusb_device *device, uint8_t *ports, uint8_t length) {
    (void)context;
    return libusb_get_port_numbers(device, ports, length);
}

libusb_device *API libusb_get_parent(libusb_device *device) {
    (void)device;
    return NULL;
}

int API libusb_get_device_speed(libusb_device *device) {
    // Full speed for 1.1-era descriptors, high speed where bcdUSB says 2.1 or later (ST-LINK V3).
    return device->descriptor.bcdUSB >= 0x0210 ? LIBUSB_SPEED_HIGH : LIBUSB_SPEED_FULL;
}

int API libusb_get_device_descriptor(libusb_device *device, struct libusb_device_descriptor *descriptor) {
    *descriptor = device->descriptor;
    return LIBUSB_SUCCESS;
}

int API libusb_get_config_descriptor(libusb_device *device, uint8_t index, struct libusb_config_descriptor **config) {
    if (index >= device->descriptor.bNumConfigurations || device->configuration_length == 0) {
        return LIBUSB_ERROR_NOT_FOUND;
    }
    return bw_parse_configuration(device->configuration, device->configuration_length, config);
}

int API libusb_get_active_config_descriptor(libusb_device *device, struct libusb_config_descriptor **config) {
    return libusb_get_config_descriptor(device, 0, config);
}

int API libusb_get_config_descriptor_by_value(libusb_device *device, uint8_t value,
                                              struct libusb_config_descriptor **config) {
    if (device->configuration_length < 6 || device->configuration[5] != value) return LIBUSB_ERROR_NOT_FOUND;
    return libusb_get_config_descriptor(device, 0, config);
}

int API libusb_get_max_packet_size(libusb_device *device, unsigned char endpoint) {
    struct libusb_config_descriptor *config;
    if (libusb_get_config_descriptor(device, 0, &config) < 0) return LIBUSB_ERROR_NOT_FOUND;
    int size = LIBUSB_ERROR_NOT_FOUND;
    for (int i = 0; i < config->bNumInterfaces; i++) {
        const struct libusb_interface_descriptor *alt = &config->interface[i].altsetting[0];
        for (int e = 0; e < alt->bNumEndpoints; e++) {
            if (alt->endpoint[e].bEndpointAddress == endpoint) size = alt->endpoint[e].wMaxPacketSize & 0x7FF;
        }
    }
    libusb_free_config_descriptor(config);
    return size;
}

int API libusb_get_max_iso_packet_size(libusb_device *device, unsigned char endpoint) {
    return libusb_get_max_packet_size(device, endpoint);
}

// MARK: handles

static int handle_call(libusb_device_handle *handle, uint8_t op, const uint8_t *more, size_t more_len) {
    uint8_t fields[16];
    bw_put32(fields, handle->id);
    memcpy(fields + 4, more, more_len);
    return bw_call(op, fields, 4 + more_len, NULL, 0, NULL, 0, NULL);
}

int API libusb_open(libusb_device *device, libusb_device_handle **handle) {
    uint8_t fields[2] = {device->bus, device->address};
    int id = bw_call(BW_OP_OPEN, fields, 2, NULL, 0, NULL, 0, NULL);
    if (id < 0) return id;
    libusb_device_handle *opened = calloc(1, sizeof(*opened));
    if (!opened) return LIBUSB_ERROR_NO_MEM;
    opened->device = libusb_ref_device(device);
    opened->id = (uint32_t)id;
    *handle = opened;
    return LIBUSB_SUCCESS;
}

void API libusb_close(libusb_device_handle *handle) {
    if (!handle) return;
    handle_call(handle, BW_OP_CLOSE, NULL, 0);
    libusb_unref_device(handle->device);
    free(handle);
}

libusb_device_handle *API libusb_open_device_with_vid_pid(libusb_context *context, uint16_t vendor, uint16_t product) {
    libusb_device **list;
    if (libusb_get_device_list(context, &list) < 0) return NULL;
    libusb_device_handle *handle = NULL;
    for (libusb_device **d = list; *d && !handle; d++) {
        if ((*d)->descriptor.idVendor == vendor && (*d)->descriptor.idProduct == product) {
            if (libusb_open(*d, &handle) < 0) handle = NULL;
        }
    }
    libusb_free_device_list(list, 1);
    return handle;
}

libusb_device *API libusb_get_device(libusb_device_handle *handle) { return handle->device; }

int API libusb_get_configuration(libusb_device_handle *handle, int *configuration) {
    int value = handle_call(handle, BW_OP_GET_CONFIG, NULL, 0);
    if (value < 0) return value;
    *configuration = value;
    return LIBUSB_SUCCESS;
}

int API libusb_set_configuration(libusb_device_handle *handle, int configuration) {
    uint8_t value[4];
    bw_put32(value, (uint32_t)configuration);
    return handle_call(handle, BW_OP_SET_CONFIG, value, 4);
}

int API libusb_claim_interface(libusb_device_handle *handle, int interface) {
    uint8_t number = (uint8_t)interface;
    return handle_call(handle, BW_OP_CLAIM, &number, 1);
}

int API libusb_release_interface(libusb_device_handle *handle, int interface) {
    uint8_t number = (uint8_t)interface;
    return handle_call(handle, BW_OP_RELEASE, &number, 1);
}

int API libusb_set_interface_alt_setting(libusb_device_handle *handle, int interface, int alternate) {
    uint8_t fields[2] = {(uint8_t)interface, (uint8_t)alternate};
    return handle_call(handle, BW_OP_SET_ALT, fields, 2);
}

int API libusb_clear_halt(libusb_device_handle *handle, unsigned char endpoint) {
    return handle_call(handle, BW_OP_CLEAR_HALT, &endpoint, 1);
}

int API libusb_reset_device(libusb_device_handle *handle) { return handle_call(handle, BW_OP_RESET, NULL, 0); }

// No kernel driver is bound to a device that lives behind a socket: the answers libusb gives
// for an interface no driver holds.
int API libusb_kernel_driver_active(libusb_device_handle *handle, int interface) {
    (void)handle;
    (void)interface;
    return 0;
}

int API libusb_detach_kernel_driver(libusb_device_handle *handle, int interface) {
    (void)handle;
    (void)interface;
    return LIBUSB_ERROR_NOT_FOUND;
}

int API libusb_attach_kernel_driver(libusb_device_handle *handle, int interface) {
    (void)handle;
    (void)interface;
    return LIBUSB_ERROR_NOT_FOUND;
}

int API libusb_set_auto_detach_kernel_driver(libusb_device_handle *handle, int enable) {
    (void)handle;
    (void)enable;
    return LIBUSB_SUCCESS;
}

int API libusb_wrap_sys_device(libusb_context *context, intptr_t sys_dev, libusb_device_handle **handle) {
    (void)context;
    (void)sys_dev;
    (void)handle;
    return LIBUSB_ERROR_NOT_SUPPORTED;
}
