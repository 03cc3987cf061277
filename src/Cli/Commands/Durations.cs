using System.Globalization;
using System.Text.RegularExpressions;

namespace ClaudeBatch.Cli.Commands;

/// <summary><c>--timeout</c> values: <c>90</c> (seconds), <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1h30m</c>.</summary>
public static partial class Durations
{
    public static int ParseSeconds(string text)
    {
        var match = Shape().Match(text.Trim());
        if (!match.Success || match.Length == 0)
        {
            throw CliFailure.Usage($"'{text}' is not a duration: say e.g. 90s, 30m, 2h or 1h30m.");
        }

        long seconds = 0;
        foreach (var (group, unit) in new[] { ("h", 3600L), ("m", 60L), ("s", 1L), ("n", 1L) })
        {
            if (match.Groups[group].Success)
            {
                seconds += long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) * unit;
            }
        }

        return seconds is > 0 and <= int.MaxValue ? (int)seconds : throw CliFailure.Usage($"'{text}' is not a duration between 1 s and 68 years.");
    }

    [GeneratedRegex(@"^(?:(?<n>\d{1,9})|(?:(?<h>\d{1,6})h)?(?:(?<m>\d{1,7})m)?(?:(?<s>\d{1,9})s)?)$")]
    private static partial Regex Shape();
}
