import CLZMA
import Crypto

/// CRC32 (the zlib/IEEE polynomial) as boot headers, partition tables and eFuse containers use it.
public enum CRC32 {
    public static func checksum<C: Collection>(_ bytes: C, seed: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        if let value = bytes.withContiguousStorageIfAvailable({ lzma_crc32($0.baseAddress, $0.count, seed) }) {
            return value
        }
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { lzma_crc32($0.baseAddress, $0.count, seed) }
    }
}

public enum SHA256Digest {
    public static func of<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ Array(SHA256.hash(data: UnsafeRawBufferPointer($0))) })
        {
            return digest
        }
        return Array(SHA256.hash(data: Array(bytes)))
    }
}
