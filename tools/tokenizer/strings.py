"""The test strings both tokenizer fixtures are generated from (deterministic, no randomness)."""

PROSE = [
    "Hello world",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "It was the best of times, it was the worst of times, it was the age of wisdom.",
    "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse.",
    "In the beginning God created the heaven and the earth.",
    "She sells seashells by the seashore.",
    "A journey of a thousand miles begins with a single step.",
    "To be, or not to be: that is the question.",
    "The mitochondria is the powerhouse of the cell.",
    "Reverse attention tracing follows the strongest attention edges backward from a target token.",
    "Mr. Smith went to Washington D.C. on Jan. 5th, 2021.",
    "e.g. i.e. etc. vs. a.m. p.m.",
    "\"Quoted text\" and 'single quotes' and `backticks`.",
    "Parentheses (like this) and [brackets] and {braces}.",
    "Ellipsis... and more....",
    "Hyphen-ated words and em—dashes and en–dashes.",
    "URL: https://example.com/path?query=1&b=2#frag",
    "email: someone@example.org",
    "#hashtag @mention $dollar %percent ^caret &amp *star",
    "ALL CAPS SENTENCE HERE",
    "camelCaseIdentifier and snake_case_identifier and kebab-case-identifier",
    "The year 1999 was followed by 2000.",
    "Semi;colons;everywhere;",
    "What?! Really?? Yes!!!",
]

CODE = [
    "def add(a, b):\n    return a + b\n",
    "for (int i = 0; i < 10; i++) {\n\tprintf(\"%d\\n\", i);\n}",
    "let x: [Int] = [1, 2, 3].map { $0 * 2 }",
    "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)",
    "SELECT * FROM users WHERE id = 42;",
    "<div class=\"container\"><p>Hello</p></div>",
    "{\"key\": \"value\", \"list\": [1, 2, 3], \"nested\": {\"a\": null}}",
    "#include <stdio.h>\nint main(void) { return 0; }",
    "    indented with four spaces",
    "\tindented with a tab",
    "if x == 1:\n        pass\n    else:\n        raise ValueError('bad')",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
    "a += 1; b -= 2; c *= 3; d /= 4; e %= 5;",
    "x => x ** 2 // comment",
    "/* block comment */ // line comment",
    "git commit -m \"Fix bug #123\"",
    "path/to/file.txt C:\\Windows\\System32",
    "0x1F 0b1010 0o777 1e-9 3.14159",
    "array[i][j] = matrix[j][i]",
    "   \n   \n",
]

NUMBERS = [
    "0", "7", "42", "123", "1234", "12345", "123456789", "3.14", "-17", "+5",
    "1,000,000", "1.000.000,50", "$19.99", "€100", "50%", "2024-01-15", "15/01/2024",
    "12:30:45", "2024-01-15T12:30:45Z", "Phone: +1 (555) 123-4567", "v1.2.3", "10^6", "1/2 + 3/4",
    "٣٤٥ Arabic-Indic digits", "१२३ Devanagari digits", "½ ¼ ¾ fractions", "Ⅻ roman numeral", "²³ superscripts",
    "a1b2c3", "abc123def", "  12  34  ", "00007", "3rd 21st 42nd",
]

WHITESPACE = [
    "", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", "\n\n\n", "\r", " \n ", "\t\t\t",
    " leading space", "trailing space ", "  two leading", "two trailing  ", " both ",
    "a  b", "a   b", "a    b", "a\tb", "a\t\tb", "a\nb", "a\r\nb", "a\n\nb", "a \n b", "a\n \nb",
    "line1\r\nline2\r\nline3", "ends with newline\n", "\nstarts with newline",
    "spaces then newline   \nnext", "tab then newline\t\nnext", "mixed \t \n \r\n end",
    "word\u00a0nbsp", "narrow\u202fnbsp", "zero\u200bwidth", "zwnj\u200cjoin", "zwj\u200djoin", "word\u2060joiner",
    "ideographic\u3000space", "em\u2003space", "line\u2028separator", "para\u2029separator",
    "vertical\u000btab", "form\u000cfeed", "next\u0085line", "bom\ufeffinside",
    " " * 20, "x" + " " * 17 + "y", "\t \t \t",
]

CONTRACTION_BASES = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]


def contractions():
    out = ["I'm", "you're", "he's", "we've", "they'll", "I'd", "don't", "can't", "won't", "it's",
           "I'M", "YOU'RE", "HE'S", "WE'VE", "THEY'LL", "I'D", "DON'T", "It'S", "You'Re", "We'vE", "They'Ll",
           "rock 'n' roll", "'tis the season", "the dogs' bones", "O'Neil's pub", "'quoted'",
           "don’t (typographic apostrophe)", "it ' s spaced", "''s double", "'S alone", "x'LL", "'Ve'", "a'd'b"]
    for base in CONTRACTION_BASES:
        out.append("word" + base)
        out.append("WORD" + base.upper())
        out.append(base + " start")
    return out


UNICODE = [
    "café", "naïve", "résumé", "Ångström", "São Paulo", "Zürich", "coöperate", "ﬁ ligature",
    "cafe\u0301 (decomposed)", "e\u0301\u0302 two marks", "A\u030a combining ring", "ñ vs n\u0303",
    "Ｆｕｌｌｗｉｄｔｈ", "Ⅸ", "ℌ ℍ ℎ", "㍿", "™ ® ©",
    "你好，世界！", "我爱自然语言处理。", "東京は日本の首都です。", "ひらがなとカタカナ", "中文English混合", "一二三四五",
    "안녕하세요 세계", "한국어 텍스트입니다.", "ㄱㄴㄷ jamo",
    "مرحبا بالعالم", "اللغة العربية جميلة.", "שלום עולם", "עברית עם ניקוד: בְּרֵאשִׁית",
    "Γειά σου Κόσμε", "αβγδε ΑΒΓΔΕ", "Привет, мир!", "Съешь же ещё этих мягких французских булок.",
    "नमस्ते दुनिया", "สวัสดีชาวโลก", "Xin chào thế giới", "Tiếng Việt có dấu", "ქართული", "Հայերեն", "ᚠᛇᚻ runes",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math", "𝟘𝟙𝟚 math digits", "🙂", "😀😃😄", "👍🏽 thumbs", "👋🏿👋🏻",
    "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "🇺🇸🇯🇵🇫🇷 flags", "❤️ heart", "✈︎ text style", "1️⃣ keycap",
    "🧑🏾‍💻 coder", "emoji🙂inside", "🙂 leading", "trailing 🙂", "🤷‍♀️", "©️",
    "\u0000nul", "control\u0001\u0002\u001f", "\u007fdel", "\ufffd replacement", "\ue000 private use",
    "\U0001f600\U0001f600\U0001f600\U0001f600", "ǅ titlecase", "İstanbul ıi", "straße STRASSE", "ſ long s 'ſ",
]


def specials(tokens):
    a, b, c, d, e = tokens
    return [
        a, b, c, a + b, a + "user\nHello" + b, a + "system\nYou are helpful." + b + "\n" + a + "user\nHi" + b,
        "before " + a + " after", "x" + c + "y", " " + c + " ", c + c + c, "text" + b,
        a + "assistant\n", d + "inside" + e, "<|im_start", "im_start|>", "<|im_start|", "< |im_start|>",
        "<|IM_START|>", "<" + a, a + ">", "no specials <here>",
    ]


def long_strings():
    return [
        "a" * 5000,
        " " * 300,
        "ab" * 500,
        "Hello world! " * 100,
        "1234567890" * 30,
        "\n" * 50,
        "🙂" * 100,
        "中" * 400,
    ]


def corpus(special_tokens):
    texts = PROSE + CODE + NUMBERS + WHITESPACE + contractions() + UNICODE + specials(special_tokens) + long_strings()
    # Combinations that cross categories (pairs joined by the separators that stress the splitter).
    seps = [" ", "  ", "\n", "\t", "", " \n"]
    pool = [PROSE[1], CODE[0], NUMBERS[5], UNICODE[17], UNICODE[21], UNICODE[45], "don't", "  x  "]
    i = 0
    for sep in seps:
        for j in range(len(pool) - 1):
            texts.append(pool[j] + sep + pool[(j + 1 + i) % len(pool)])
            i += 1
    seen, out = set(), []
    for t in texts:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out
