import CLZMA

/// xz containers as the QCC743 boot ROM's "decompress write" expects them: LZMA2 with an
/// explicit 32 KiB dictionary (the stream header declares it; the device decodes with it) and a
/// CRC32 check. With preset 6 this reproduces the vendor's sizes byte for byte.
public enum XZ {
    public static let vendorDictionarySize: UInt32 = 32 * 1024

    public static func compress(_ input: [UInt8], dictionarySize: UInt32 = vendorDictionarySize, preset: UInt32 = 6)
        throws -> [UInt8]
    {
        var options = lzma_options_lzma()
        guard lzma_lzma_preset(&options, preset) == 0 else {
            throw BootwireError(.internalError, "liblzma rejected preset \(preset)")
        }
        options.dict_size = dictionarySize
        var stream = bw_lzma_stream_init()
        defer { lzma_end(&stream) }
        let ret: lzma_ret = withUnsafeMutablePointer(to: &options) { optionsPointer in
            var filters = [
                lzma_filter(id: bw_lzma_filter_lzma2, options: UnsafeMutableRawPointer(optionsPointer)),
                lzma_filter(id: bw_lzma_vli_unknown, options: nil),
            ]
            return lzma_stream_encoder(&stream, &filters, LZMA_CHECK_CRC32)
        }
        guard ret == LZMA_OK else {
            throw BootwireError(.internalError, "liblzma encoder init failed (\(ret.rawValue))")
        }
        let (output, status) = pump(&stream, input, action: LZMA_FINISH)
        guard status == LZMA_STREAM_END else {
            throw BootwireError(.internalError, "xz compression failed (\(status.rawValue))")
        }
        return output
    }

    /// Runs liblzma over `input` until it needs more input, ends the stream, or fails; returns
    /// what came out and the last status.
    static func pump(_ stream: inout lzma_stream, _ input: [UInt8], action: lzma_action) -> ([UInt8], lzma_ret) {
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var status = LZMA_OK
        input.withUnsafeBufferPointer { inPtr in
            stream.next_in = inPtr.baseAddress
            stream.avail_in = inPtr.count
            while true {
                status = buffer.withUnsafeMutableBufferPointer { outPtr in
                    stream.next_out = outPtr.baseAddress
                    stream.avail_out = outPtr.count
                    return lzma_code(&stream, action)
                }
                let produced = buffer.count - stream.avail_out
                output += buffer[0..<produced]
                // Done when the stream ended or failed, or when liblzma has taken all the input
                // and has nothing more to give without more.
                if status != LZMA_OK || (stream.avail_in == 0 && produced < buffer.count && action == LZMA_RUN) {
                    break
                }
            }
            stream.next_in = nil
        }
        return (output, status)
    }

    public static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        let decoder = try XZDecoder()
        var output = try decoder.feed(input)
        output += try decoder.finish()
        return output
    }
}

/// Streaming xz decoder: feed compressed chunks as they arrive, get plain bytes back.
public final class XZDecoder {
    private var stream = bw_lzma_stream_init()
    public private(set) var isFinished = false

    public init(memoryLimit: UInt64 = 64 << 20) throws {
        let ret = lzma_stream_decoder(&stream, memoryLimit, 0)
        guard ret == LZMA_OK else {
            throw BootwireError(.internalError, "liblzma decoder init failed (\(ret.rawValue))")
        }
    }

    deinit { lzma_end(&stream) }

    public func feed(_ chunk: [UInt8]) throws -> [UInt8] {
        try code(chunk, action: LZMA_RUN)
    }

    /// Ends the stream; throws when it is incomplete or corrupt.
    public func finish() throws -> [UInt8] {
        let tail = try code([], action: LZMA_FINISH)
        guard isFinished else { throw BootwireError(.badImage, "xz stream ended early") }
        return tail
    }

    private func code(_ input: [UInt8], action: lzma_action) throws -> [UInt8] {
        if isFinished {
            if input.isEmpty { return [] }
            throw BootwireError(.badImage, "bytes after the end of an xz stream")
        }
        let (output, status) = XZ.pump(&stream, input, action: action)
        switch status {
        case LZMA_STREAM_END: isFinished = true
        case LZMA_OK: break
        case LZMA_BUF_ERROR where action == LZMA_FINISH: break  // incomplete: finish() says so
        default: throw BootwireError(.badImage, "corrupt xz data (liblzma \(status.rawValue))")
        }
        return output
    }
}
