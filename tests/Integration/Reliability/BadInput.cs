using System.Text;

namespace ClaudeBatch.Integration.Tests.Reliability;

/// <summary>
/// Seeded bad input: hostile strings, wrong-typed JSON values, malformed bodies, hostile path segments and query
/// values. Every hostile name carries <see cref="Marker"/>, so a file that escapes the workspace can be found by name.
/// </summary>
public sealed class BadInput(Random random, string marker)
{
    public Random Random { get; } = random;

    public string Marker { get; } = marker;

    public bool Chance(double p) => Random.NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    /// <summary>A marked name, distinct enough to tell the requests apart.</summary>
    public string Marked(string suffix = "") => $"{Marker}-{Random.Next(100_000)}{suffix}";

    /// <summary>File and folder names a careless server would turn into a path outside its roots.</summary>
    public string HostileName()
    {
        var m = Marked();
        return Random.Next(34) switch
        {
            0 => $"../../{m}",
            1 => $"../../../../../../../../tmp/{m}",
            2 => $"/tmp/{m}",
            3 => $"/etc/{m}",
            4 => $"..\\..\\{m}",
            5 => $"%2e%2e%2f{m}",
            6 => $"%2e%2e/{m}",
            7 => $"..%2f..%2f{m}",
            8 => $"{m}\0.txt",
            9 => m + new string('n', 300),
            10 => $"{m}/sub.txt",
            11 => $"./{m}",
            12 => $".{m}",
            13 => $"{m}\u202Etxt.exe",
            14 => $"{m}\u200B\u200D\uFEFF.md",
            15 => $"{m}-😀👨‍👩‍👧.txt",
            16 => $"~/{m}",
            17 => $"$(touch /tmp/{m}-cmd)",
            18 => $"{m}; touch /tmp/{m}-semi",
            19 => $"{m}\r\nX-Injected: 1",
            20 => $"{m}:stream",
            21 => $"-{m}",
            22 => $"--output=/tmp/{m}",
            23 => $"{m}*?",
            24 => $"{m}\"quote'.txt",
            25 => $"{m} ",
            26 => $"{m}\uD800.txt",
            27 => $"{m}\uDC00\uD800",
            28 => $"..",
            29 => $".",
            30 => $"{m}%00.txt",
            31 => $"%252e%252e%252f{m}",
            32 => $"{m}/../../{m}",
            _ => $"`touch /tmp/{m}-tick`",
        };
    }

    /// <summary>A string value no validator expects: huge, odd unicode, control characters, injections, paths.</summary>
    public string HostileString() => Random.Next(10) switch
    {
        0 => Huge(),
        1 or 2 => OddUnicode(),
        3 or 4 => HostileName(),
        5 => Injection(),
        6 => Pick(["", " ", "\t\n", "null", "0", "-1", "true", "[]", "{}", "undefined"]),
        7 => Pick(["a\0b", "\0", "\u0001\u001F\u007F", "line\r\nbreak", "\u0085\u2028\u2029"]),
        8 => Pick(["\uD800", "\uDC00", "x\uDBFF", "\uDC00\uD800", "\uFFFF\uFFFE"]),
        _ => OddUnicode() + HostileName(),
    };

    public string Huge()
    {
        var length = Random.Next(20) switch
        {
            0 => 1 << 20,
            1 or 2 => 100_001,
            3 or 4 => 70_000,
            5 or 6 or 7 => 4097,
            _ => 256 + Random.Next(800),
        };
        var unit = Pick(["A", "é", "😀", "../", "\u202E"]);
        var text = new StringBuilder(length + 4);
        while (text.Length < length)
        {
            text.Append(unit);
        }

        return text.ToString();
    }

    public string OddUnicode() => Pick(
    [
        "\u202Eevil\u202C", "a\u200Bb\u200C\u200D\uFEFF", "😀👨‍👩‍👧‍👦🏳️‍🌈", "Z̸̢̛̤̈a̵̤͊l̶̙̈́g̷̱̔o̶͇͐", "名前", "مرحبا بالعالم",
        "\u0000", "\uFFFD", "\uFFFF", "İı", "ß", "\u00A0\u2007\u202F", "ﬁ", "Ω\u0301", "\u0300", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\U0010FFFF",
    ]);

    public string Injection()
    {
        var m = Marked();
        return Pick(
        [
            "' OR 1=1 --", "\"; DROP TABLE mt_events; --", "{{filename}}", "{{../../etc/passwd}}", "${jndi:ldap://127.0.0.1:1/x}",
            "%s%s%s%n", "{0}{1}", $"$(touch /tmp/{m}-sub)", $"`touch /tmp/{m}-bt`", $"|touch /tmp/{m}-pipe", $"\ntouch /tmp/{m}-nl",
            $"--upload-pack=touch /tmp/{m}-up", $"-oProxyCommand=touch /tmp/{m}-ssh", $"ext::sh -c touch% /tmp/{m}-ext",
            "<script>alert(1)</script>", "\u001b[31mred\u001b[0m", "../../../../etc/shadow", "C:\\Windows\\win.ini",
        ]);
    }

    /// <summary>A JSON value of any type, mostly wrong for the field it lands in.</summary>
    public string HostileJsonValue() => Random.Next(12) switch
    {
        < 5 => JsonString(HostileString()),
        5 => Pick(["-1", "0", "1e309", "-1e309", "123456789012345678901234567890", "1.5", "2147483648", "-2147483649", "9223372036854775808", "1E2", "-0"]),
        6 => Pick(["true", "false", "null"]),
        7 => Pick(["[]", "[1,2]", "[\"a\",null]", "[[[]]]", $"[{JsonString(HostileName())}]"]),
        8 => Pick(["{}", "{\"a\":1}", "{\"\":null}", $"{{\"{Marker}\":[{{}}]}}"]),
        9 => Deep(Random.Next(2) == 0 ? 70 : 2000),
        10 => Pick(["NaN", "Infinity", "0x10", "01", "+1", ".5", "'single'", "undefined", "tru", "\"unterminated"]),
        _ => JsonString(Huge()),
    };

    public string Deep(int depth) => Random.Next(2) == 0
        ? new string('[', depth) + new string(']', depth)
        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    /// <summary>A JSON string literal; lone surrogates and control characters escaped, other characters raw or escaped.</summary>
    public string JsonString(string value)
    {
        var escapeAll = Random.Next(3) == 0;
        var text = new StringBuilder(value.Length + 16).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '"')
            {
                text.Append("\\\"");
            }
            else if (c == '\\')
            {
                text.Append("\\\\");
            }
            else if (c < 0x20 || c == 0x7F)
            {
                text.Append("\\u").Append(((int)c).ToString("x4"));
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) && !escapeAll)
            {
                text.Append(c).Append(value[++i]);
            }
            else if (char.IsSurrogate(c) || (c > 0x7E && escapeAll))
            {
                text.Append("\\u").Append(((int)c).ToString("X4"));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>A JSON object over <paramref name="fields"/> (name → valid JSON value): one or two fields turned hostile, some left out, extras added.</summary>
    public string JsonObject(IReadOnlyList<(string Name, Func<string> Valid)> fields)
    {
        var hostile = new HashSet<int>();
        var count = Random.Next(5) == 0 ? fields.Count : 1 + Random.Next(2);
        for (var i = 0; i < count; i++)
        {
            hostile.Add(Random.Next(fields.Count));
        }

        var members = new List<string>();
        for (var i = 0; i < fields.Count; i++)
        {
            if (!hostile.Contains(i) && Chance(0.05))
            {
                continue;
            }

            var name = Chance(0.05) ? Pick([fields[i].Name.ToUpperInvariant(), fields[i].Name + "\u200B", "$" + fields[i].Name]) : fields[i].Name;
            members.Add($"{JsonString(name)}:{(hostile.Contains(i) ? HostileJsonValue() : fields[i].Valid())}");
        }

        if (Chance(0.1))
        {
            members.Add($"{JsonString(Pick([Marker, "__proto__", "$type", "", "constructor"]))}:{HostileJsonValue()}");
        }

        if (Chance(0.05) && members.Count > 0)
        {
            members.Add(members[0]);
        }

        return "{" + string.Join(",", members) + "}";
    }

    /// <summary>Sometimes breaks a JSON text: truncated, trailing garbage, wrong nesting, invalid UTF-8, a BOM, another shape.</summary>
    public (byte[] Body, string Summary) MaybeBreak(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        if (!Chance(0.35))
        {
            return (bytes, "json");
        }

        switch (Random.Next(13))
        {
            case 0:
                return (bytes[..Random.Next(bytes.Length)], "truncated");
            case 1:
                return (Concat(bytes, Encoding.UTF8.GetBytes(Pick(["}", "garbage", ",{}", "\0", "]]]", "{\"a\":1}", "\n\n\n//"]))), "trailing garbage");
            case 2:
                return (Encoding.UTF8.GetBytes(Pick(["[" + json + "]", "{\"request\":" + json + "}", "[" + json[1..], json.Replace(":", ",", StringComparison.Ordinal)])), "wrong nesting");
            case 3:
                return (Encoding.UTF8.GetBytes(Deep(Random.Next(2) == 0 ? 65 : 100_000)), "deep nesting");
            case 4:
                return (Encoding.UTF8.GetBytes(Pick(["1" + new string('0', 400), "-1e99999", "1e-99999", "[1" + new string('0', 5000) + "]"])), "huge number");
            case 5:
                var at = Math.Max(0, json.IndexOf('"') + 1);
                byte[] bad = Pick<byte[]>([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80], [0xFE, 0xFF], [0x80]]);
                return (Concat(bytes[..at], bad, bytes[at..]), "invalid UTF-8");
            case 6:
                return (Concat([0xEF, 0xBB, 0xBF], bytes), "BOM");
            case 7:
                return ([], "empty");
            case 8:
                return (Encoding.UTF8.GetBytes(Pick(["null", "true", "\"x\"", "42", "[]", "[{}]", " "])), "scalar");
            case 9:
                return (Encoding.UTF8.GetBytes(Pick(["username=a&password=b", "<xml/>", "--boundary\r\n", "\0\0\0\0"])), "not json");
            case 10:
                return (Encoding.UTF8.GetBytes(json.Replace('"', '\'')), "single quotes");
            case 11:
                return (Encoding.UTF8.GetBytes("/* comment */" + json + "// tail"), "comments");
            default:
                return (Encoding.Unicode.GetBytes(json), "UTF-16 bytes");
        }
    }

    public string JsonContentType() => Chance(0.85)
        ? "application/json"
        : Pick([
            "text/plain", "", "application/json; charset=utf-16", "application/json; charset=bogus", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/*+json", "APPLICATION/JSON", "application/json;;;", "application/problem+json",
            "application/json; charset=\"\0\"", "*/*", "application/octet-stream", "application/json, text/plain",
        ]);

    /// <summary>A route segment: percent-encoded hostile text, or raw dots and encodings the server must not decode into a path.</summary>
    public string HostileSegment() => Random.Next(8) switch
    {
        0 or 1 => Uri.EscapeDataString(SafeForUri(HostileName())),
        2 => Uri.EscapeDataString(SafeForUri(HostileString() is { Length: <= 1500 } value ? value : "x")),
        3 => new string('a', Pick([300, 5000, 9000])),
        _ => Pick([
            "..", ".", "%2e%2e", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", $"..%2F..%2F{Marked()}", "%00", $"{Marked()}%00.txt", "%ff%fe",
            "%", "%zz", "%C0%AE%C0%AE", "%u002e", "%252e%252e", ";", $"{Marked()};x=1", "~root", "%7E", $"{Marked()}%20", "%E2%80%AE",
            "%F0%9F%98%80", "%ED%A0%80", "CON", "%0d%0aX-Injected:%201", "%5c..%5c..", "*", "%2A", "%3F%23",
        ]),
    };

    /// <summary>A query value, percent-encoded (or raw odd encodings).</summary>
    public string HostileQueryValue()
    {
        if (Random.Next(5) == 0)
        {
            return Pick(["%00", "%ff", "%", "%zz", "%ED%A0%80", "a%26b%3Dc", "%0d%0a"]);
        }

        // Kestrel's request line limit is 8 kB: longer values only ever meet a 414.
        var value = HostileString();
        return Uri.EscapeDataString(SafeForUri(value.Length > 1500 ? value[..1500] : value));
    }

    /// <summary><see cref="Uri.EscapeDataString(string)"/> refuses lone surrogates; they become their UTF-8 bytes' escapes elsewhere.</summary>
    public static string SafeForUri(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (!char.IsSurrogate(c))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('?');
            }
        }

        return builder.ToString();
    }

    /// <summary>The UTF-8 bytes of a name, with lone surrogates as the (invalid) bytes a careless client would send.</summary>
    public static byte[] RawBytes(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i++, 2)));
            }
            else if (char.IsSurrogate(c))
            {
                bytes.AddRange([(byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))]);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A short, printable description of a body for a failure listing.</summary>
    public static string Summarize(byte[]? body, int max = 160)
    {
        if (body is null || body.Length == 0)
        {
            return "(none)";
        }

        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, max));
        var printable = new string(text.Select(c => char.IsControl(c) ? '·' : c).ToArray());
        return body.Length > max ? $"{printable}… ({body.Length} bytes)" : printable;
    }
}
