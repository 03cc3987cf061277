namespace ClaudeBatch.Application.Webhooks;

/// <summary><c>Webhooks</c>: how deliveries are retried, how long an attempt may take, and where they may go.</summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";

    /// <summary>The pause before each retry; a delivery is given up when the attempt after the last one fails.</summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>Used when <see cref="RetryDelays"/> is not set: 5 s, 30 s, 2 min, 10 min, 1 h.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
        [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)];

    /// <summary>How long one attempt may take, connecting included.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>The longest pause a receiver's <c>Retry-After</c> may ask for before it is cut to this.</summary>
    public int MaxRetryAfterSeconds { get; set; } = 3600;

    /// <summary>
    /// Targets whose host is (or resolves to) a loopback, private, link-local, shared or metadata address are refused,
    /// at subscription and on every connection, unless this is true.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0 ? RetryDelays : DefaultRetryDelays;
}
