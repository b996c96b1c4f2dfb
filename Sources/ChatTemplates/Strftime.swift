import Foundation

/// `datetime.now().strftime(format)` as transformers' `strftime_now` computes it on Linux:
/// the C library's codes in the C locale (`%d %b %Y` gives "05 Sep 2024"), glibc's flags
/// (`%-d` gives "5"), and Python's own handling of `%f`, `%z` and `%Z` for a naive local time
/// (microseconds, and empty offset and zone).
enum Strftime {
    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]

    struct Fields {
        var year, month, day, hour, minute, second, nanosecond: Int
        /// 0 = Sunday.
        var weekday: Int
        /// 1-based.
        var dayOfYear: Int
        var isoYear, isoWeek: Int
        var epoch: Int
    }

    static func fields(_ date: Date) -> Fields {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond, .weekday], from: date)
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = TimeZone.current
        let w = iso.dateComponents([.weekOfYear, .yearForWeekOfYear], from: date)
        return Fields(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1, hour: c.hour ?? 0, minute: c.minute ?? 0,
                      second: c.second ?? 0, nanosecond: c.nanosecond ?? 0, weekday: (c.weekday ?? 1) - 1,
                      dayOfYear: dayOfYear, isoYear: w.yearForWeekOfYear ?? (c.year ?? 1970), isoWeek: w.weekOfYear ?? 1,
                      epoch: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    static func format(_ format: String, _ date: Date) -> String {
        let f = fields(date)
        var out = ""
        let s = format.scalars
        var i = 0
        while i < s.count {
            guard s[i] == "%", i + 1 < s.count else {
                out.unicodeScalars.append(s[i])
                i += 1
                continue
            }
            var k = i + 1
            var flag: Unicode.Scalar?
            while k < s.count, "-_0^#".unicodeScalars.contains(s[k]) {
                flag = s[k]
                k += 1
            }
            var width: Int?
            while k < s.count, ("0"..."9").contains(s[k]) {
                width = min(1024, (width ?? 0) * 10 + Int(s[k].value - 48))
                k += 1
            }
            guard k < s.count else {
                out += String(scalars: s[i...])
                break
            }
            if let text = convert(s[k], f, flag: flag, width: width) {
                out += text
            } else {
                out += String(scalars: s[i...k])
            }
            i = k + 1
        }
        return out
    }

    /// One conversion; nil for an unknown code (glibc copies it).
    private static func convert(_ code: Unicode.Scalar, _ f: Fields, flag: Unicode.Scalar?, width: Int?) -> String? {
        func number(_ v: Int, _ digits: Int, pad: Unicode.Scalar = "0") -> String {
            let text = String(v)
            var padChar = pad
            if flag == "-" { return text }
            if flag == "_" { padChar = " " } else if flag == "0" { padChar = "0" }
            let w = width ?? digits
            return text.count >= w ? text : String(repeating: String(padChar), count: w - text.count) + text
        }
        func word(_ text: String) -> String {
            var t = text
            if flag == "^" { t = t.uppercased() } else if flag == "#" { t = t.uppercased() }
            if let width, t.count < width { t = String(repeating: " ", count: width - t.count) + t }
            return t
        }
        let hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12
        let mondayBased = (f.weekday + 6) % 7
        switch code {
        case "a": return word(String(weekdays[f.weekday].prefix(3)))
        case "A": return word(weekdays[f.weekday])
        case "b", "h": return word(String(months[f.month - 1].prefix(3)))
        case "B": return word(months[f.month - 1])
        case "c":
            return word("\(weekdays[f.weekday].prefix(3)) \(months[f.month - 1].prefix(3)) "
                + "\(f.day < 10 ? " " : "")\(f.day) \(two(f.hour)):\(two(f.minute)):\(two(f.second)) \(f.year)")
        case "C": return number(f.year / 100, 2)
        case "d": return number(f.day, 2)
        case "D": return word("\(two(f.month))/\(two(f.day))/\(two(f.year % 100))")
        case "e": return number(f.day, 2, pad: " ")
        case "f": return number(f.nanosecond / 1000, 6)
        case "F": return word("\(f.year)-\(two(f.month))-\(two(f.day))")
        case "g": return number(f.isoYear % 100, 2)
        case "G": return number(f.isoYear, 4)
        case "H": return number(f.hour, 2)
        case "I": return number(hour12, 2)
        case "j": return number(f.dayOfYear, 3)
        case "k": return number(f.hour, 2, pad: " ")
        case "l": return number(hour12, 2, pad: " ")
        case "m": return number(f.month, 2)
        case "M": return number(f.minute, 2)
        case "n": return "\n"
        case "p": return word(f.hour < 12 ? "AM" : "PM")
        case "P": return f.hour < 12 ? "am" : "pm"
        case "r": return word("\(two(hour12)):\(two(f.minute)):\(two(f.second)) \(f.hour < 12 ? "AM" : "PM")")
        case "R": return word("\(two(f.hour)):\(two(f.minute))")
        case "s": return number(f.epoch, 1)
        case "S": return number(f.second, 2)
        case "t": return "\t"
        case "T", "X": return word("\(two(f.hour)):\(two(f.minute)):\(two(f.second))")
        case "u": return number(mondayBased + 1, 1)
        case "U": return number((f.dayOfYear - 1 + 7 - f.weekday) / 7, 2)
        case "V": return number(f.isoWeek, 2)
        case "w": return number(f.weekday, 1)
        case "W": return number((f.dayOfYear - 1 + 7 - mondayBased) / 7, 2)
        case "x": return word("\(two(f.month))/\(two(f.day))/\(two(f.year % 100))")
        case "y": return number(f.year % 100, 2)
        case "Y": return number(f.year, 1)
        case "z", "Z": return ""  // a naive datetime has no zone
        case "%": return "%"
        default: return nil
        }
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
