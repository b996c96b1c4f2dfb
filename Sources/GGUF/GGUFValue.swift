/// One metadata value of a GGUF file. Arrays keep their element type so that an empty array
/// still says what it would hold.
public enum GGUFValue: Sendable, Equatable {
    /// Unsigned and signed integers of 8 and 16 bits.
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    /// Unsigned and signed 32-bit integers, a float32, and a bool (one byte, 0 or 1).
    case uint32(UInt32), int32(Int32), float32(Float), bool(Bool)
    /// A UTF-8 string (stored with a u64 byte length; invalid UTF-8 is read as U+FFFD).
    case string(String)
    /// An array and its element type (all elements share it); ``GGUFFile`` reads at most four
    /// levels of nested arrays.
    case array(GGUFValueType, [GGUFValue])
    /// Unsigned and signed 64-bit integers and a float64.
    case uint64(UInt64), int64(Int64), float64(Double)

    /// Any integer value as `Int` (nil for other kinds or out-of-range values).
    public var intValue: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        case .bool(let v): v ? 1 : 0
        default: nil
        }
    }

    /// Any numeric value as `Double`.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: intValue.map(Double.init)
        }
    }

    /// The text of a `.string`, nil for any other kind.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value of a `.bool`, nil for any other kind (integers are not converted).
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements of an `.array`, nil for any other kind.
    public var arrayValue: [GGUFValue]? {
        if case .array(_, let values) = self { return values }
        return nil
    }
}

/// The GGUF metadata value type codes.
public enum GGUFValueType: UInt32, Sendable {
    /// Type codes 0 to 7: integers of 8, 16 and 32 bits, float32, bool.
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    /// Type codes 8 to 12: string, array, 64-bit integers, float64.
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The smallest number of bytes one value of this type occupies (for sanity-checking counts
    /// before allocating).
    var minimumSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64, .string: 8
        case .array: 12
        }
    }
}
