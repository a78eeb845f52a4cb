/// FLASH_CR bits the L4 and the families that copied its controller (G0, G4, U5, WB) share
/// (RM0351 3.7.5; openocd `stm32l4x.c`): one table, whichever controller drives the part.
enum L4FamilyCR {
    static let pg: UInt32 = 1 << 0
    static let per: UInt32 = 1 << 1
    static let mer1: UInt32 = 1 << 2
    static let bker: UInt32 = 1 << 11
    static let mer2: UInt32 = 1 << 15
    static let strt: UInt32 = 1 << 16
    static let optstrt: UInt32 = 1 << 17
    static let oblLaunch: UInt32 = 1 << 27
    static let optlock: UInt32 = 1 << 30
    static let lock: UInt32 = 1 << 31
}
