// A configuration descriptor's bytes, as the device sent them, turned into libusb's tree. Like
// libusb: alternate settings are grouped by interface number in the order they appear; bytes of
// other descriptors (class-specific ones such as DFU's functional descriptor) go to the `extra`
// of the endpoint, interface or configuration they follow.
#include "shim.h"

#include <stdlib.h>
#include <string.h>

static int append(const unsigned char **extra, int *extra_length, const uint8_t *bytes, int n) {
    unsigned char *grown = realloc((void *)*extra, (size_t)(*extra_length + n));
    if (!grown) return -1;
    memcpy(grown + *extra_length, bytes, (size_t)n);
    *extra = grown;
    *extra_length += n;
    return 0;
}

void API libusb_free_config_descriptor(struct libusb_config_descriptor *config) {
    if (!config) return;
    for (int i = 0; i < config->bNumInterfaces; i++) {
        const struct libusb_interface *interface = &config->interface[i];
        for (int a = 0; a < interface->num_altsetting; a++) {
            const struct libusb_interface_descriptor *alt = &interface->altsetting[a];
            for (int e = 0; e < alt->bNumEndpoints; e++) free((void *)alt->endpoint[e].extra);
            free((void *)alt->endpoint);
            free((void *)alt->extra);
        }
        free((void *)interface->altsetting);
    }
    free((void *)config->interface);
    free((void *)config->extra);
    free(config);
}

int bw_parse_configuration(const uint8_t *bytes, size_t length, struct libusb_config_descriptor **out) {
    if (length < 9 || bytes[1] != LIBUSB_DT_CONFIG || bytes[0] < 9) return LIBUSB_ERROR_IO;
    struct libusb_config_descriptor *config = calloc(1, sizeof(*config));
    if (!config) return LIBUSB_ERROR_NO_MEM;
    config->bLength = bytes[0];
    config->bDescriptorType = bytes[1];
    config->wTotalLength = bw_get16(bytes + 2);
    config->bConfigurationValue = bytes[5];
    config->iConfiguration = bytes[6];
    config->bmAttributes = bytes[7];
    config->MaxPower = bytes[8];
    size_t end = config->wTotalLength < length ? config->wTotalLength : length;

    // Fill in place through non-const views; the tree is handed out as const.
    struct libusb_interface *interfaces = NULL;
    int interface_count = 0;
    int current_interface = -1, current_endpoint = -1;
    // bNumEndpoints counts the endpoints found, never more than the interface declared.
    int declared_endpoints = 0;
    size_t at = bytes[0];
    while (at + 2 <= end) {
        uint8_t n = bytes[at], type = bytes[at + 1];
        if (n < 2 || at + n > end) break;
        const uint8_t *d = bytes + at;
        if (type == LIBUSB_DT_INTERFACE && n >= 9) {
            int index = -1;
            for (int i = 0; i < interface_count; i++) {
                if (interfaces[i].num_altsetting > 0 && interfaces[i].altsetting[0].bInterfaceNumber == d[2]) index = i;
            }
            if (index < 0) {
                struct libusb_interface *grown = realloc(interfaces, sizeof(*grown) * (size_t)(interface_count + 1));
                if (!grown) goto nomem;
                interfaces = grown;
                index = interface_count++;
                interfaces[index] = (struct libusb_interface){0};
            }
            struct libusb_interface *interface = &interfaces[index];
            struct libusb_interface_descriptor *alts =
                realloc((void *)interface->altsetting, sizeof(*alts) * (size_t)(interface->num_altsetting + 1));
            if (!alts) goto nomem;
            interface->altsetting = alts;
            struct libusb_interface_descriptor *alt = &alts[interface->num_altsetting++];
            *alt = (struct libusb_interface_descriptor){
                .bLength = d[0], .bDescriptorType = d[1], .bInterfaceNumber = d[2], .bAlternateSetting = d[3],
                .bNumEndpoints = 0, .bInterfaceClass = d[5], .bInterfaceSubClass = d[6],
                .bInterfaceProtocol = d[7], .iInterface = d[8]};
            if (d[4]) {
                alt->endpoint = calloc(d[4], sizeof(struct libusb_endpoint_descriptor));
                if (!alt->endpoint) goto nomem;
            }
            declared_endpoints = d[4];
            current_interface = index;
            current_endpoint = -1;
        } else if (type == LIBUSB_DT_ENDPOINT && n >= 7 && current_interface >= 0) {
            struct libusb_interface *interface = &interfaces[current_interface];
            struct libusb_interface_descriptor *alt =
                (struct libusb_interface_descriptor *)&interface->altsetting[interface->num_altsetting - 1];
            current_endpoint = -1;
            if (alt->bNumEndpoints < declared_endpoints) {
                struct libusb_endpoint_descriptor *ep = (struct libusb_endpoint_descriptor *)&alt->endpoint[alt->bNumEndpoints];
                *ep = (struct libusb_endpoint_descriptor){
                    .bLength = d[0], .bDescriptorType = d[1], .bEndpointAddress = d[2], .bmAttributes = d[3],
                    .wMaxPacketSize = bw_get16(d + 4), .bInterval = d[6], .bRefresh = n >= 9 ? d[7] : 0,
                    .bSynchAddress = n >= 9 ? d[8] : 0};
                current_endpoint = alt->bNumEndpoints++;
            }
        } else {
            int failed;
            if (current_interface < 0) {
                failed = append(&config->extra, &config->extra_length, d, n);
            } else {
                struct libusb_interface *interface = &interfaces[current_interface];
                struct libusb_interface_descriptor *alt =
                    (struct libusb_interface_descriptor *)&interface->altsetting[interface->num_altsetting - 1];
                if (current_endpoint >= 0) {
                    struct libusb_endpoint_descriptor *ep =
                        (struct libusb_endpoint_descriptor *)&alt->endpoint[current_endpoint];
                    failed = append(&ep->extra, &ep->extra_length, d, n);
                } else {
                    failed = append(&alt->extra, &alt->extra_length, d, n);
                }
            }
            if (failed) goto nomem;
        }
        at += n;
    }
    config->interface = interfaces;
    config->bNumInterfaces = (uint8_t)interface_count;
    *out = config;
    return LIBUSB_SUCCESS;
nomem:
    config->interface = interfaces;
    config->bNumInterfaces = (uint8_t)interface_count;
    libusb_free_config_descriptor(config);
    return LIBUSB_ERROR_NO_MEM;
}
