using static TorchSharp.torch;

namespace Kodiak.Training.Tests;

public sealed class LibTorchTests
{
    [Fact]
    public void Conv_forward_and_backward_run()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(3, 4, 3, padding: 1);
        var x = randn(2, 3, 8, 8);
        var loss = conv.forward(x).square().mean();
        loss.backward();
        Assert.NotNull(conv.weight!.grad);
        Assert.True(conv.weight.grad!.abs().sum().item<float>() > 0);
    }
}
