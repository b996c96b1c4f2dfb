import Foundation

/// Unicode normalization as HF `tokenizers` does it (the `unicode-normalization-alignments`
/// crate), which differs from Foundation's in two ways that this corrects:
///
/// - The crate's Unicode data stops at version 9: a scalar assigned later has no decomposition,
///   combining class 0 and no compositions there, so it passes through unchanged and blocks any
///   reordering or composition across it. Foundation knows newer data (it maps U+32FF to 令和).
/// - Foundation does not reorder the marks produced by decomposing some scalars (U+0F73 U+0F73
///   stays 0F71 0F72 0F71 0F72; the canonical order is 0F71 0F71 0F72 0F72).
///
/// So: decompose scalar by scalar (Foundation on one scalar is right), put each run of marks in
/// canonical order by combining class, then let Foundation compose segments between scalars newer
/// than the crate's data.
enum UnicodeNormalization {
    enum Form { case nfc, nfd, nfkc, nfkd }

    /// The last Unicode version the reference implementation's normalization data covers.
    /// Measured: it decomposes nothing newer than 9.0, and treats 10.0 marks (U+1DF6) as starters.
    static let dataVersion = (major: 9, minor: 0)

    static func isKnown(_ s: Unicode.Scalar) -> Bool {
        guard let age = s.properties.age else { return false }
        return (age.major, age.minor) <= dataVersion
    }

    static func normalize(_ bytes: [UInt8], _ form: Form) -> [UInt8] {
        let compatibility = form == .nfkc || form == .nfkd
        let compose = form == .nfc || form == .nfkc
        var cache: [UInt32: [Unicode.Scalar]] = [:]
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4)
        var segment: [Unicode.Scalar] = []

        func flush() {
            guard !segment.isEmpty else { return }
            reorder(&segment)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: segment)
            let s = String(view)
            // The standard library's NFC, not Foundation's: Foundation composes a supplementary
            // scalar followed by a mark as if it were its low 16 bits (U+10041 U+0323 -> U+1EA0).
            if compose { out.append(contentsOf: s._nfcCodeUnits) } else { out.append(contentsOf: s.utf8) }
            segment.removeAll(keepingCapacity: true)
        }

        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if scalar.isASCII {
                segment.append(scalar)
                continue
            }
            guard isKnown(scalar) else {
                flush()
                out.append(contentsOf: String(Character(scalar)).utf8)
                continue
            }
            if let d = cache[scalar.value] {
                segment.append(contentsOf: d)
                continue
            }
            let one = String(Character(scalar))
            let d = Array((compatibility ? one.decomposedStringWithCompatibilityMapping : one.decomposedStringWithCanonicalMapping).unicodeScalars)
            cache[scalar.value] = d
            segment.append(contentsOf: d)
        }
        flush()
        return out
    }

    /// Canonical ordering: each run of scalars with a non-zero combining class, stably sorted by class.
    static func reorder(_ scalars: inout [Unicode.Scalar]) {
        var i = 0
        while i < scalars.count {
            guard scalars[i].properties.canonicalCombiningClass.rawValue != 0 else { i += 1; continue }
            var j = i + 1
            while j < scalars.count, scalars[j].properties.canonicalCombiningClass.rawValue != 0 { j += 1 }
            if j - i > 1 {
                let sorted = scalars[i..<j].enumerated().sorted {
                    let a = $0.element.properties.canonicalCombiningClass.rawValue
                    let b = $1.element.properties.canonicalCombiningClass.rawValue
                    return a != b ? a < b : $0.offset < $1.offset
                }.map(\.element)
                scalars.replaceSubrange(i..<j, with: sorted)
            }
            i = j
        }
    }
}
