namespace Kodiak.Bundle;

/// <summary>
/// The ONNX model's image input: float <c>[N, 3, Height, Width]</c>, RGB in [0, 1], planar (channel by channel);
/// any normalisation the network needs happens inside the graph.
/// </summary>
/// <param name="Name">The ONNX input name (<see cref="OnnxTensors.Input"/>).</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Layout">Axis order, <c>NCHW</c>.</param>
/// <param name="ChannelOrder">Channel order of the input, <c>RGB</c>.</param>
/// <param name="PixelRange">Range of the input values, <c>[0, 1]</c> (bytes divided by 255).</param>
/// <param name="InsideGraph">What the graph does to the input before the network proper, in words.</param>
public sealed record ModelInput(string Name, int Width, int Height, string Layout, string ChannelOrder, IReadOnlyList<float> PixelRange,
    string InsideGraph);
