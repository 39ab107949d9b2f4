using Kodiak.Training.Models;

namespace Kodiak.Training.Tests.Models;

public sealed class PrecisionChoiceTests
{
    const string Zen4 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni avx512_bf16 avx512_vbmi\n\nprocessor\t: 1\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni avx512_bf16 avx512_vbmi\n";
    const string Sapphire = "flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile amx_int8\n";
    const string Skylake = "flags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n";

    [Theory]
    [InlineData(Zen4, "avx512_bf16")]
    [InlineData(Sapphire, "amx_bf16")]
    public void Auto_picks_bf16_on_a_cpu_with_native_bf16_and_names_the_flag(string cpuInfo, string flag)
    {
        var choice = PrecisionChoice.Of(Precision.Auto, overrideValue: null, () => cpuInfo);

        Assert.Equal(Precision.Bf16, choice.Precision);
        Assert.Equal($"bf16 (auto: this CPU has {flag})", choice.ToString());
    }

    [Theory]
    [InlineData(Skylake)]
    [InlineData(null)] // no /proc/cpuinfo: not Linux
    public void Auto_falls_back_to_fp32_without_native_bf16_and_says_so(string? cpuInfo)
    {
        var choice = PrecisionChoice.Of(Precision.Auto, overrideValue: null, () => cpuInfo);

        Assert.Equal(Precision.Fp32, choice.Precision);
        Assert.Equal("fp32", choice.Name);
        Assert.Contains("no native bf16", choice.Reason);
    }

    [Fact]
    public void The_override_variable_forces_the_fallback_on_a_bf16_cpu_and_the_reason_names_it()
    {
        var choice = PrecisionChoice.Of(Precision.Auto, overrideValue: "0", () => Zen4);

        Assert.Equal(Precision.Fp32, choice.Precision);
        Assert.Contains("KODIAK_CPU_BF16=0", choice.Reason);
    }

    [Fact]
    public void The_override_variable_can_claim_bf16_for_a_cpu_that_hides_its_flags()
    {
        Assert.Equal(Precision.Bf16, PrecisionChoice.Of(Precision.Auto, overrideValue: "1", () => Skylake).Precision);
    }

    [Fact]
    public void A_bad_override_value_is_an_error_naming_the_variable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PrecisionChoice.Of(Precision.Auto, overrideValue: "yes", () => Zen4));

        Assert.Contains("KODIAK_CPU_BF16", error.Message);
        Assert.Contains("'yes'", error.Message);
    }

    [Theory]
    [InlineData(Precision.Fp32, Zen4)]
    [InlineData(Precision.Bf16, Skylake)]
    public void A_forced_precision_is_kept_whatever_the_cpu_and_the_override(Precision forced, string cpuInfo)
    {
        var choice = PrecisionChoice.Of(forced, overrideValue: forced == Precision.Bf16 ? "0" : "1", () => cpuInfo);

        Assert.Equal(forced, choice.Precision);
    }
}
