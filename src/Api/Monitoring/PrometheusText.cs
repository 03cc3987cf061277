using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace ClaudeBatch.Api.Monitoring;

/// <summary>
/// OpenTelemetry metrics in the Prometheus text format (0.0.4): names with dots made underscores, the unit as a suffix
/// (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>), counters ending in <c>_total</c>, histograms as cumulative
/// <c>_bucket{le}</c>, <c>_sum</c> and <c>_count</c>. A pure function of the metrics it is given.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Name(string name, string? unit, bool counter)
    {
        var builder = new StringBuilder(name.Length + 16);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }

        if (builder.Length > 0 && char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        var text = builder.ToString();
        if (UnitSuffix(unit) is { } suffix && !text.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            text += "_" + suffix;
        }

        return counter && !text.EndsWith("_total", StringComparison.Ordinal) ? text + "_total" : text;
    }

    private static string? UnitSuffix(string? unit) => unit switch
    {
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        _ => null,
    };

    public static void WriteHeader(StringBuilder into, string name, string type, string? help)
    {
        if (!string.IsNullOrEmpty(help))
        {
            into.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
        }

        into.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public static void WriteSample(StringBuilder into, string name, IEnumerable<KeyValuePair<string, object?>> labels, double value)
    {
        into.Append(name);
        var first = true;
        foreach (var (key, label) in labels)
        {
            into.Append(first ? '{' : ',');
            first = false;
            foreach (var c in key)
            {
                into.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
            }

            into.Append("=\"");
            foreach (var c in Convert.ToString(label, CultureInfo.InvariantCulture) ?? "")
            {
                _ = c switch
                {
                    '\\' => into.Append("\\\\"),
                    '"' => into.Append("\\\""),
                    '\n' => into.Append("\\n"),
                    _ => into.Append(c),
                };
            }

            into.Append('"');
        }

        if (!first)
        {
            into.Append('}');
        }

        into.Append(' ').Append(Number(value)).Append('\n');
    }

    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes one metric, all its points; a name already written (two meters, one name) is skipped.</summary>
    public static void Write(StringBuilder into, Metric metric, ISet<string> written)
    {
        var counter = metric.MetricType is MetricType.LongSum or MetricType.DoubleSum;
        var histogram = metric.MetricType == MetricType.Histogram;
        var gauge = metric.MetricType is MetricType.LongGauge or MetricType.DoubleGauge
            or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic;
        if (!counter && !histogram && !gauge)
        {
            return; // exponential histograms are not configured
        }

        var name = Name(metric.Name, metric.Unit, counter);
        if (!written.Add(name))
        {
            return;
        }

        WriteHeader(into, name, counter ? "counter" : histogram ? "histogram" : "gauge", metric.Description);
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = new List<KeyValuePair<string, object?>>();
            foreach (var tag in point.Tags)
            {
                labels.Add(tag);
            }

            switch (metric.MetricType)
            {
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    WriteSample(into, name, labels, point.GetSumLong());
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    WriteSample(into, name, labels, point.GetSumDouble());
                    break;
                case MetricType.LongGauge:
                    WriteSample(into, name, labels, point.GetGaugeLastValueLong());
                    break;
                case MetricType.DoubleGauge:
                    WriteSample(into, name, labels, point.GetGaugeLastValueDouble());
                    break;
                case MetricType.Histogram:
                    long cumulative = 0;
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        cumulative += bucket.BucketCount;
                        WriteSample(into, name + "_bucket", [.. labels, new("le", Number(bucket.ExplicitBound))], cumulative);
                    }

                    WriteSample(into, name + "_sum", labels, point.GetHistogramSum());
                    WriteSample(into, name + "_count", labels, point.GetHistogramCount());
                    break;
            }
        }
    }
}

/// <summary>
/// A pull reader of this process's OpenTelemetry metrics: nothing is collected until <see cref="Scrape"/> (no timer;
/// the instruments' observable callbacks run then too), and the last collection is kept as Prometheus text.
/// </summary>
public sealed class PrometheusScrapeReader : BaseExportingMetricReader
{
    private readonly TextExporter text;
    private readonly Lock gate = new();

    public PrometheusScrapeReader()
        : this(new TextExporter())
    {
    }

    private PrometheusScrapeReader(TextExporter exporter)
        : base(exporter)
    {
        text = exporter;
        TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
    }

    /// <summary>Collects now and answers the text (empty if the collection failed or timed out).</summary>
    public string Scrape()
    {
        lock (gate)
        {
            text.Text = "";
            Collect(5000);
            return text.Text;
        }
    }

    private sealed class TextExporter : BaseExporter<Metric>
    {
        public string Text { get; set; } = "";

        public override ExportResult Export(in Batch<Metric> batch)
        {
            var into = new StringBuilder();
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var metric in batch)
            {
                PrometheusText.Write(into, metric, written);
            }

            Text = into.ToString();
            return ExportResult.Success;
        }
    }
}
