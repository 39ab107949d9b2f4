using System.CommandLine;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Spectre.Console;

namespace Kodiak.Cli;

/// <summary><c>--precision auto|fp32|bf16</c>, shared by <c>train</c> and <c>lr-find</c>.</summary>
internal static class PrecisionOption
{
    /// <summary>The option; <c>auto</c> by default.</summary>
    public static Option<string> Create()
    {
        var option = new Option<string>("--precision")
        {
            Description = "What training computes in: bf16 mixed precision (fp32 weights, loss and optimiser), fp32, or auto: bf16 where the CPU has native bf16 (avx512_bf16, AMX).",
            DefaultValueFactory = _ => PrecisionChoice.ShortName(Precision.Auto),
        };
        option.AcceptOnlyFromAmong([.. Enum.GetValues<Precision>().Select(PrecisionChoice.ShortName)]);
        return option;
    }

    /// <summary>The precision a value of the option names.</summary>
    public static Precision Parse(string value) => Enum.GetValues<Precision>().Single(p => PrecisionChoice.ShortName(p) == value);

    /// <summary>Resolves <paramref name="requested"/> on this machine, gives it to the learner and says which it picked.</summary>
    public static void Apply(Terminal terminal, Learner learner, Precision requested)
    {
        learner.Precision = PrecisionChoice.Of(requested);
        terminal.Out.MarkupLineInterpolated($"Precision: {learner.Precision}.");
    }
}
