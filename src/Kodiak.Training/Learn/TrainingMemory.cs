using System.Runtime.InteropServices;

namespace Kodiak.Training.Learn;

/// <summary>
/// How the process's C heap treats the large blocks libtorch frees while training. glibc serves every block above
/// 32 MB (its highest mmap threshold) with a fresh <c>mmap</c> and unmaps it when freed, so at 224 px the kernel
/// page-faults and zeroes each batch's activations (up to 205 MB for the stem at batch size 64) again at every step.
/// Reusing freed blocks instead makes a training step faster (1.17× in <c>bench heap</c>; <c>kodiak train</c> at 224 px
/// took 411 s instead of 618 s). The price: the process keeps its peak memory, and a little more, until it exits
/// (4.9 GB instead of a 3.6 GB peak for that run), which suits a training run.
/// </summary>
/// <remarks>
/// Off until a program turns it on (<c>kodiak train</c>, <c>lr-find</c> and <c>demo</c> do): it is process-wide, so
/// creating a <see cref="Learner"/> leaves it alone. Only glibc on Linux is tuned; elsewhere the setting stays false and nothing changes. glibc gives threads
/// other than the main one arenas of their own, which still map blocks over 64 MB afresh: the gain is for training on
/// the process's main thread, as <c>kodiak train</c> does.
/// </remarks>
public static class TrainingMemory
{
    // glibc's mallopt parameters and defaults (malloc.h).
    const int TrimThreshold = -1, MmapMax = -4;
    const int DefaultTrimThreshold = 128 * 1024, DefaultMmapMax = 65536;

    static readonly Lock Gate = new();
    static bool _reuse;

    /// <summary>
    /// Whether large freed blocks stay in the heap for reuse (true) or go back to the kernel (false, glibc's default).
    /// Setting it where the C library is not glibc leaves it false.
    /// </summary>
    public static bool ReuseLargeBlocks
    {
        get
        {
            lock (Gate) return _reuse;
        }
        set
        {
            lock (Gate) _reuse = Tune(value) && value;
        }
    }

    /// <summary>
    /// No mmap for malloc, so that large blocks come from the heap, where freed ones are reused, and a trim threshold
    /// of 2 GB, so that the heap does not shrink between steps. Off restores glibc's documented defaults and gives the
    /// free memory back at once.
    /// </summary>
    static bool Tune(bool reuse)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            bool tuned = mallopt(MmapMax, reuse ? 0 : DefaultMmapMax) == 1
                         && mallopt(TrimThreshold, reuse ? int.MaxValue : DefaultTrimThreshold) == 1;
            if (tuned && !reuse)
                malloc_trim(0);
            return tuned;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (musl names its C library otherwise)
        }
    }

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    static extern int mallopt(int parameter, int value);

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    static extern int malloc_trim(nuint pad);
}
