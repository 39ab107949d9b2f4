namespace Kodiak.Training.Models;

/// <summary>The number format a model computes in; its weights, checkpoints and exports stay 32-bit floats either way.</summary>
public enum Precision
{
    /// <summary><see cref="Bf16"/> where the CPU has native bf16 instructions (avx512_bf16 or AMX), <see cref="Fp32"/> elsewhere (see <see cref="PrecisionChoice"/>).</summary>
    Auto,

    /// <summary>32-bit floats throughout.</summary>
    Fp32,

    /// <summary>
    /// Mixed precision by hand (TorchSharp has no autocast): the body's convolutions, BatchNorm layers and activations run in
    /// bfloat16 on a bf16 copy of the fp32 master weights made at each forward pass; the head, the loss, the gradients
    /// of the weights and the optimiser's state stay fp32.
    /// </summary>
    Bf16,
}
