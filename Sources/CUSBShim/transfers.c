// Transfers: the synchronous calls forward one request each; the asynchronous API runs the
// request when the transfer is submitted and hands the completion to the next event-handling
// call, which runs the callback, as libusb does (a callback never runs inside submit).
#include "shim.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int bw_control(libusb_device_handle *handle, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
               unsigned char *data, uint16_t length, unsigned int timeout) {
    uint8_t fields[17];
    bw_put32(fields, handle->id);
    fields[4] = type;
    fields[5] = request;
    bw_put16(fields + 6, value);
    bw_put16(fields + 8, index);
    bw_put16(fields + 10, length);
    bw_put32(fields + 12, timeout);
    int in = type & LIBUSB_ENDPOINT_IN;
    return bw_call(BW_OP_CONTROL, fields, 16, in ? NULL : data, in ? 0 : length, in ? data : NULL,
                   in ? length : 0, NULL);
}

int bw_bulk(libusb_device_handle *handle, unsigned char endpoint, unsigned char *data, int length, int *transferred,
            unsigned int timeout) {
    if (transferred) *transferred = 0;
    if (length < 0) return LIBUSB_ERROR_INVALID_PARAM;
    uint8_t fields[13];
    bw_put32(fields, handle->id);
    fields[4] = endpoint;
    bw_put32(fields + 5, (uint32_t)length);
    bw_put32(fields + 9, timeout);
    int in = endpoint & LIBUSB_ENDPOINT_IN;
    int result = bw_call(BW_OP_BULK, fields, 13, in ? NULL : data, in ? 0 : (size_t)length, in ? data : NULL,
                         in ? (size_t)length : 0, NULL);
    if (result < 0) return result;
    if (transferred) *transferred = result;
    return LIBUSB_SUCCESS;
}

int API libusb_control_transfer(libusb_device_handle *handle, uint8_t type, uint8_t request, uint16_t value,
                                uint16_t index, unsigned char *data, uint16_t length, unsigned int timeout) {
    return bw_control(handle, type, request, value, index, data, length, timeout);
}

int API libusb_bulk_transfer(libusb_device_handle *handle, unsigned char endpoint, unsigned char *data, int length,
                             int *transferred, unsigned int timeout) {
    return bw_bulk(handle, endpoint, data, length, transferred, timeout);
}

int API libusb_interrupt_transfer(libusb_device_handle *handle, unsigned char endpoint, unsigned char *data,
                                  int length, int *transferred, unsigned int timeout) {
    return bw_bulk(handle, endpoint, data, length, transferred, timeout);
}

// libusb's own helper: language 0 first, then the string in that language, UTF-16LE narrowed
// to ASCII with '?' for anything else.
int API libusb_get_string_descriptor_ascii(libusb_device_handle *handle, uint8_t index, unsigned char *data,
                                           int length) {
    if (index == 0) return LIBUSB_ERROR_INVALID_PARAM;
    unsigned char buffer[255];
    int n = bw_control(handle, LIBUSB_ENDPOINT_IN, 6, 0x0300, 0, buffer, sizeof(buffer), 1000);
    if (n < 0) return n;
    if (n < 4) return LIBUSB_ERROR_IO;
    uint16_t language = bw_get16(buffer + 2);
    n = bw_control(handle, LIBUSB_ENDPOINT_IN, 6, (uint16_t)(0x0300 | index), language, buffer, sizeof(buffer), 1000);
    if (n < 0) return n;
    if (n < 2 || buffer[1] != 3 || buffer[0] > n) return LIBUSB_ERROR_IO;
    int out = 0;
    for (int at = 2; at + 1 < buffer[0] && out < length - 1; at += 2) {
        data[out++] = buffer[at + 1] || buffer[at] & 0x80 ? '?' : buffer[at];
    }
    if (length > 0) data[out] = 0;
    return out;
}

// MARK: asynchronous transfers

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct libusb_transfer **done;
static size_t done_count, done_capacity;

struct libusb_transfer *API libusb_alloc_transfer(int iso_packets) {
    if (iso_packets < 0) return NULL;
    struct libusb_transfer *transfer =
        calloc(1, sizeof(*transfer) + sizeof(struct libusb_iso_packet_descriptor) * (size_t)iso_packets);
    if (transfer) transfer->num_iso_packets = iso_packets;
    return transfer;
}

static int dequeue(struct libusb_transfer *transfer) {
    int found = 0;
    pthread_mutex_lock(&queue_lock);
    for (size_t i = 0; i < done_count; i++) {
        if (done[i] == transfer) {
            memmove(done + i, done + i + 1, (done_count - i - 1) * sizeof(*done));
            done_count--;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&queue_lock);
    return found;
}

void API libusb_free_transfer(struct libusb_transfer *transfer) {
    if (!transfer) return;
    dequeue(transfer);
    if (transfer->flags & LIBUSB_TRANSFER_FREE_BUFFER) free(transfer->buffer);
    free(transfer);
}

static enum libusb_transfer_status status_for(int result) {
    switch (result) {
    case LIBUSB_ERROR_TIMEOUT: return LIBUSB_TRANSFER_TIMED_OUT;
    case LIBUSB_ERROR_PIPE: return LIBUSB_TRANSFER_STALL;
    case LIBUSB_ERROR_NO_DEVICE: return LIBUSB_TRANSFER_NO_DEVICE;
    case LIBUSB_ERROR_OVERFLOW: return LIBUSB_TRANSFER_OVERFLOW;
    default: return LIBUSB_TRANSFER_ERROR;
    }
}

int API libusb_submit_transfer(struct libusb_transfer *transfer) {
    int result;
    transfer->actual_length = 0;
    switch (transfer->type) {
    case LIBUSB_TRANSFER_TYPE_CONTROL: {
        if (transfer->length < LIBUSB_CONTROL_SETUP_SIZE) return LIBUSB_ERROR_INVALID_PARAM;
        unsigned char *setup = transfer->buffer;
        uint16_t length = bw_get16(setup + 6);
        if (transfer->length < LIBUSB_CONTROL_SETUP_SIZE + length) return LIBUSB_ERROR_INVALID_PARAM;
        result = bw_control(transfer->dev_handle, setup[0], setup[1], bw_get16(setup + 2), bw_get16(setup + 4),
                            setup + LIBUSB_CONTROL_SETUP_SIZE, length, transfer->timeout);
        break;
    }
    case LIBUSB_TRANSFER_TYPE_BULK:
    case LIBUSB_TRANSFER_TYPE_INTERRUPT: {
        int transferred = 0;
        result = bw_bulk(transfer->dev_handle, transfer->endpoint, transfer->buffer, transfer->length, &transferred,
                         transfer->timeout);
        if (result == LIBUSB_SUCCESS) result = transferred;
        break;
    }
    default: return LIBUSB_ERROR_NOT_SUPPORTED;
    }
    if (result == LIBUSB_ERROR_NO_DEVICE) return LIBUSB_ERROR_NO_DEVICE;
    if (result >= 0) {
        transfer->actual_length = result;
        int expected = transfer->length -
                       (transfer->type == LIBUSB_TRANSFER_TYPE_CONTROL ? LIBUSB_CONTROL_SETUP_SIZE : 0);
        transfer->status = (transfer->flags & LIBUSB_TRANSFER_SHORT_NOT_OK) && result < expected
                               ? LIBUSB_TRANSFER_ERROR
                               : LIBUSB_TRANSFER_COMPLETED;
    } else {
        transfer->status = status_for(result);
    }
    pthread_mutex_lock(&queue_lock);
    if (done_count == done_capacity) {
        size_t capacity = done_capacity ? done_capacity * 2 : 16;
        struct libusb_transfer **grown = realloc(done, capacity * sizeof(*done));
        if (!grown) {
            pthread_mutex_unlock(&queue_lock);
            return LIBUSB_ERROR_NO_MEM;
        }
        done = grown;
        done_capacity = capacity;
    }
    done[done_count++] = transfer;
    pthread_mutex_unlock(&queue_lock);
    return LIBUSB_SUCCESS;
}

// Every submitted transfer has already finished, so there is nothing left to cancel.
int API libusb_cancel_transfer(struct libusb_transfer *transfer) {
    (void)transfer;
    return LIBUSB_ERROR_NOT_FOUND;
}

// Delivers the completions waiting at entry (not those their callbacks submit: a callback
// that resubmits would otherwise never let the caller return).
static int deliver(int *completed) {
    if (completed && *completed) return LIBUSB_SUCCESS;
    pthread_mutex_lock(&queue_lock);
    size_t waiting = done_count;
    pthread_mutex_unlock(&queue_lock);
    for (size_t i = 0; i < waiting; i++) {
        pthread_mutex_lock(&queue_lock);
        struct libusb_transfer *transfer = NULL;
        if (done_count > 0) {
            transfer = done[0];
            memmove(done, done + 1, (done_count - 1) * sizeof(*done));
            done_count--;
        }
        pthread_mutex_unlock(&queue_lock);
        if (!transfer) break;
        uint8_t flags = transfer->flags;
        if (transfer->callback) transfer->callback(transfer);
        if (flags & LIBUSB_TRANSFER_FREE_TRANSFER) libusb_free_transfer(transfer);
        if (completed && *completed) break;
    }
    return LIBUSB_SUCCESS;
}

int API libusb_handle_events_timeout_completed(libusb_context *context, struct timeval *tv, int *completed) {
    (void)context;
    (void)tv;
    return deliver(completed);
}

int API libusb_handle_events_timeout(libusb_context *context, struct timeval *tv) {
    return libusb_handle_events_timeout_completed(context, tv, NULL);
}

int API libusb_handle_events_completed(libusb_context *context, int *completed) {
    return libusb_handle_events_timeout_completed(context, NULL, completed);
}

int API libusb_handle_events(libusb_context *context) { return libusb_handle_events_timeout_completed(context, NULL, NULL); }

void API libusb_interrupt_event_handler(libusb_context *context) { (void)context; }
