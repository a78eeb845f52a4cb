// The wire between the libusb-1.0 stand-in (this target, loaded into dfu-util, st-flash, OpenOCD…)
// and `bootwire emulate usb` (USBSocketServer). Little-endian frames on a Unix stream socket:
//
//   request:  u32 length | u8 op | fields of the op…            (length counts op and fields)
//   reply:    u32 length | i32 result | data…                   (length counts result and data)
//
// `result` is a libusb return value: >= 0 success (a count where the call returns one), < 0 a
// LIBUSB_ERROR_* code. The server's Swift twin of this table is USBSocketWire.Op; keep them equal.
#ifndef BOOTWIRE_USB_SHIM_WIRE_H
#define BOOTWIRE_USB_SHIM_WIRE_H

enum bw_wire_op {
    BW_OP_LIST = 1,        // -> count; per device: u8 bus, u8 address, u8 nports, ports…, u16 n, device descriptor, u16 n, configuration descriptor
    BW_OP_OPEN = 2,        // u8 bus, u8 address -> handle id
    BW_OP_CLOSE = 3,       // u32 handle
    BW_OP_CONTROL = 4,     // u32 handle, u8 type, u8 request, u16 value, u16 index, u16 length, u32 timeout ms, OUT data -> count, IN data
    BW_OP_BULK = 5,        // u32 handle, u8 endpoint, u32 length, u32 timeout ms, OUT data -> count, IN data (also interrupt)
    BW_OP_CLAIM = 6,       // u32 handle, u8 interface
    BW_OP_RELEASE = 7,     // u32 handle, u8 interface
    BW_OP_SET_ALT = 8,     // u32 handle, u8 interface, u8 alternate
    BW_OP_RESET = 9,       // u32 handle
    BW_OP_CLEAR_HALT = 10, // u32 handle, u8 endpoint
    BW_OP_SET_CONFIG = 11, // u32 handle, i32 configuration
    BW_OP_GET_CONFIG = 12, // u32 handle -> configuration value
};

#endif
