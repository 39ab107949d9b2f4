using System.Text.Json.Serialization;

namespace Kodiak.Monitoring;

/// <summary>What an alarm watches.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlarmKind>))]
public enum AlarmKind
{
    /// <summary>A class's share rose to the share factor times its baseline share or more.</summary>
    ShareUp,

    /// <summary>A class's share fell to its baseline share divided by the share factor or less.</summary>
    ShareDown,

    /// <summary>The out-of-domain rate rose above its bound.</summary>
    OutOfDomainRate,

    /// <summary>The mean confidence fell below its bound.</summary>
    LowConfidence,
}
